// Maps of the resource pages: the county boundaries as the base (no tile server is reachable), then
// GeoJSON features given in the page's config (config.features) or fetched from map-layer endpoints
// (config.layers); points are drawn as circles with the feature's style and popup lines as text
// (core/safe-dom.js). With config.pick_url a click on the map asks for that page at the clicked point.
(function () {
  "use strict";
  function addFeatures(map, collection) {
    return L.geoJSON(collection, {
      style: (feature) => feature.properties.style || {},
      pointToLayer: (feature, latlng) => L.circleMarker(latlng, Object.assign({ radius: 6 }, feature.properties.style || {})),
      onEachFeature: (feature, layer) => {
        const p = feature.properties || {};
        if (p.popup && p.popup.length) { layer.bindTooltip(SafeDom.lines(p.popup), { sticky: true }); }
        if (p.url) { layer.on("click", () => { window.location.href = p.url; }); }
      },
    }).addTo(map);
  }

  function draw(element) {
    const config = JSON.parse(document.getElementById(element.dataset.resourceMap).textContent);
    const map = window.WarningMaps.create(element);
    const fetches = (config.layers || []).map((url) =>
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then((r) => (r.ok ? r.json() : null)));
    window.WarningMaps.loadCounties(config.counties_url).then((counties) => {
      const base = window.WarningMaps.addBase(map, counties, true);
      const bounds = L.latLngBounds([]);
      if (config.features) { const layer = addFeatures(map, config.features); if (layer.getBounds().isValid()) { bounds.extend(layer.getBounds()); } }
      if (config.marker) {
        L.circleMarker(config.marker, { radius: 8, color: "#fff", weight: 2, fillColor: "#0f3d68", fillOpacity: 1 }).addTo(map);
        bounds.extend(config.marker);
      }
      const single = config.features && config.features.features.length === 1 && !config.marker;
      if (bounds.isValid() && !config.layers) {
        map.fitBounds(bounds, { padding: [24, 24], maxZoom: single ? 11 : 12 });
      } else {
        map.fitBounds(base.getBounds(), { padding: [8, 8] });
      }
      return Promise.all(fetches);
    }).then((collections) => {
      (collections || []).forEach((collection) => { if (collection) { addFeatures(map, collection); } });
      element.dataset.loaded = "1";
    }).catch((error) => { console.error("resource map", error); });
    if (config.pick_url) {
      map.on("click", (event) => {
        window.location.href = config.pick_url + "?lat=" + event.latlng.lat.toFixed(5) + "&lon=" + event.latlng.lng.toFixed(5);
      });
    }
  }

  document.querySelectorAll("[data-resource-map]").forEach(draw);
})();
