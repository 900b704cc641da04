// The four-color map of one enterprise's risk points around its site (no tiles are reachable offline).
// Names are data: they go into tooltips as text nodes (core/safe-dom.js), never as HTML.
(function () {
  "use strict";
  const element = document.getElementById("risk-points-map");
  const data = JSON.parse(document.getElementById("risk-points-data").textContent);
  if (!element || !data.points.length || typeof L === "undefined") { return; }
  const map = L.map(element, { attributionControl: false, scrollWheelZoom: false });
  L.control.scale({ imperial: false }).addTo(map);
  const corners = data.points.map((point) => [point.lat, point.lon]);
  if (data.site) { corners.push([data.site.lat, data.site.lon]); }
  // The view first: a circle in metres cannot be drawn on a map that has none yet.
  map.fitBounds(L.latLngBounds(corners), { padding: [40, 40], maxZoom: 17 });
  if (data.site) {
    const site = L.circle([data.site.lat, data.site.lon], {
      radius: 200, color: "#0f3d68", weight: 1, dashArray: "4 4", fillColor: "#9cc3e6", fillOpacity: 0.25,
    }).addTo(map);
    site.bindTooltip(SafeDom.text(data.site.name), { direction: "bottom" });
  }
  // Lowest levels first, so the higher ones are drawn on top where markers overlap.
  data.points.slice().reverse().forEach((point) => {
    const marker = L.circleMarker([point.lat, point.lon], {
      radius: 9, color: "#ffffff", weight: 2, fillColor: point.color, fillOpacity: 0.95,
    });
    marker.bindTooltip(SafeDom.text(point.name + " · " + point.level), { direction: "top" });
    marker.on("click", () => { window.location.href = point.url; });
    marker.addTo(map);
  });
})();
