// The small outline map on a region page, drawn from the boundary embedded in the page.
(function () {
  "use strict";
  const geometry = JSON.parse(document.getElementById("region-geometry").textContent);
  const map = L.map("region-map", { attributionControl: false, zoomControl: false, dragging: false, scrollWheelZoom: false });
  const outline = L.geoJSON(geometry, { style: { color: "#0f3d68", weight: 2, fillColor: "#9cc3e6", fillOpacity: 0.45 } }).addTo(map);
  map.fitBounds(outline.getBounds(), { padding: [10, 10] });
})();
