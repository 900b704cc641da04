// The 一张图 map: no tile server is reachable, so the base layer is the county boundaries themselves.
// Every layer comes from the server's registry (map-config); its features carry their own style,
// label, popup lines and link, so a new domain adds a layer without touching this file. Labels and
// popup lines are data: they are drawn as text nodes (core/safe-dom.js), never as HTML.
// The map opens where the user works (config.view) with the layers their role uses most switched on
// (config.layers[].visible); the legend sits under the layer switcher, folds away, and scrolls inside
// when it is taller than the room left on the screen.
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("map-config").textContent);
  const element = document.getElementById("map");
  const map = L.map(element, { zoomSnap: 0.25, attributionControl: false });
  if (config.view.bounds) {
    map.fitBounds(config.view.bounds, { padding: [16, 16] });
  } else {
    map.setView(config.view.center, config.view.zoom);
  }
  L.control.scale({ imperial: false }).addTo(map);
  const switcher = L.control.layers(null, null, { collapsed: false, position: "topright" }).addTo(map);
  const visibleLegends = new Map();

  const legendControl = L.control({ position: "topright" });
  let legendBody = null;
  legendControl.onAdd = () => {
    const box = SafeDom.element("div", null, "legend leaflet-control");
    box.id = "legend";
    box.hidden = true;
    const toggle = box.appendChild(SafeDom.element("button", config.texts.legend, "legend-toggle"));
    toggle.type = "button";
    toggle.setAttribute("aria-expanded", "true");
    legendBody = box.appendChild(SafeDom.element("div", null, "legend-body"));
    legendBody.id = "legend-body";
    toggle.setAttribute("aria-controls", legendBody.id);
    toggle.addEventListener("click", () => {
      const folded = !legendBody.hidden;
      legendBody.hidden = folded;
      toggle.setAttribute("aria-expanded", String(!folded));
      box.classList.toggle("folded", folded);
    });
    L.DomEvent.disableClickPropagation(box);
    L.DomEvent.disableScrollPropagation(box);
    return box;
  };
  legendControl.addTo(map);

  function renderLegend() {
    legendBody.replaceChildren();
    visibleLegends.forEach((entries, title) => {
      legendBody.appendChild(SafeDom.element("h3", title));
      entries.forEach((entry) => {
        const row = SafeDom.element("div");
        const swatch = SafeDom.element("i");
        swatch.style.background = entry.color;
        row.append(swatch, SafeDom.text(entry.label));
        legendBody.appendChild(row);
      });
    });
    legendControl.getContainer().hidden = visibleLegends.size === 0;
  }

  function buildLayer(spec, data) {
    const pane = map.createPane("pane-" + spec.key);
    pane.style.zIndex = String(400 + config.layers.indexOf(spec));
    return L.geoJSON(data, {
      pane: "pane-" + spec.key,
      style: (feature) => feature.properties.style || {},
      pointToLayer: (feature, latlng) => L.circleMarker(latlng, Object.assign({ radius: 6, pane: "pane-" + spec.key }, feature.properties.style || {})),
      onEachFeature: (feature, layer) => {
        const p = feature.properties;
        if (p.label) {
          layer.bindTooltip(SafeDom.text(p.label), { permanent: true, direction: "center", className: "region-label" });
        }
        if (p.url) {
          // A region the user may open: a click goes to its page; the figures show on hover.
          layer.on("click", () => { window.location.href = p.url; });
          if (p.popup && p.popup.length && !p.label) { layer.bindTooltip(SafeDom.lines(p.popup), { sticky: true }); }
        } else if (p.popup && p.popup.length) {
          layer.bindPopup(() => SafeDom.lines(p.popup));
        }
      },
    });
  }

  // Fetched together, added in the registry's order, so the switcher lists layers the same way every time.
  const loads = config.layers.map((spec) =>
    fetch(spec.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((response) => {
        if (!response.ok) { throw new Error(spec.url + " → " + response.status); }
        return response.json();
      })
      .catch((error) => { console.error("layer failed", spec.key, error); return null; })
  );
  Promise.all(loads).then((results) => {
    results.forEach((data, index) => {
      if (data === null) { return; }
      const spec = config.layers[index];
      const layer = buildLayer(spec, data);
      layer.on("add", () => { if (spec.legend.length) { visibleLegends.set(spec.title, spec.legend); renderLegend(); } });
      layer.on("remove", () => { visibleLegends.delete(spec.title); renderLegend(); });
      switcher.addOverlay(layer, spec.title);
      if (spec.visible) { layer.addTo(map); }
      element.dataset["loaded_" + spec.key] = String(data.features.length);
    });
    element.dataset.ready = "1";
  });
})();
