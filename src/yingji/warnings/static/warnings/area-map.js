// Maps of warning areas. No tile server is reachable, so the base layer is the county boundaries
// (fetched once from the page's counties_url); the areas come as GeoJSON features carrying their own
// style, popup lines (shown as text: core/safe-dom.js) and link. Any element with
// data-area-map="<id of a json_script>" is drawn on load (with config.marker, a [lat, lon] is
// marked); the draft form's editor and the public pages' location picker use the same functions
// through window.WarningMaps.
(function () {
  "use strict";
  const BASE_STYLE = { color: "#8795a3", weight: 1, fillColor: "#eef3f8", fillOpacity: 0.75 };
  const loads = new Map();

  function loadCounties(url) {
    if (!loads.has(url)) {
      loads.set(url, fetch(url, { headers: { Accept: "application/geo+json, application/json" } }).then((response) => {
        if (!response.ok) { throw new Error(url + " → " + response.status); }
        return response.json();
      }));
    }
    return loads.get(url);
  }

  function create(element, options) {
    const map = L.map(element, Object.assign({ zoomSnap: 0.25, attributionControl: false }, options || {}));
    map.setView([38.9, 112.4], 8);
    L.control.scale({ imperial: false }).addTo(map);
    return map;
  }

  function addBase(map, data, labels) {
    return L.geoJSON(data, {
      style: () => Object.assign({}, BASE_STYLE),
      interactive: false,
      onEachFeature: (feature, layer) => {
        if (labels !== false) {
          layer.bindTooltip(SafeDom.text(feature.properties.name), { permanent: true, direction: "center", className: "region-label county-name" });
        }
      },
    }).addTo(map);
  }

  function addAreas(map, collection) {
    return L.geoJSON(collection, {
      style: (feature) => feature.properties.style || {},
      onEachFeature: (feature, layer) => {
        const p = feature.properties;
        if (p.popup && p.popup.length) { layer.bindTooltip(SafeDom.lines(p.popup), { sticky: true }); }
        if (p.url) { layer.on("click", () => { window.location.href = p.url; }); }
      },
    }).addTo(map);
  }

  function draw(element) {
    const config = JSON.parse(document.getElementById(element.dataset.areaMap).textContent);
    const map = create(element, config.interactive === false ? { scrollWheelZoom: false } : {});
    loadCounties(config.counties_url).then((counties) => {
      const base = addBase(map, counties, config.labels);
      const areas = addAreas(map, config.features);
      const bounds = areas.getBounds();
      if (config.marker) {
        L.circleMarker(config.marker, { radius: 8, color: "#fff", weight: 2, fillColor: "#0f3d68", fillOpacity: 1 }).addTo(map);
        bounds.extend(config.marker);
      }
      map.fitBounds(config.fit !== "city" && bounds.isValid() ? bounds : base.getBounds(), { padding: [12, 12], maxZoom: 11 });
      element.dataset.loaded = String(config.features.features.length);
    }).catch((error) => { console.error("area map", error); });
    return map;
  }

  window.WarningMaps = { loadCounties, create, addBase, addAreas };
  document.querySelectorAll("[data-area-map]").forEach(draw);
})();
