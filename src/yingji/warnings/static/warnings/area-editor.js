// The draft form: the headline and instruction follow the type and level until the user edits them,
// levels a type does not have are disabled, the area picker shows the issuing region's divisions, and
// the map lets the user draw polygons (click the vertices, then 完成多边形) and circles (click the
// centre, then a point on the edge). The drawn shapes go into the hidden area_shapes field as GeoJSON
// lon/lat: Polygon, or {"type": "Circle", "coordinates": [lon, lat], "radius_km": r}.
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("editor-config").textContent);
  const form = document.getElementById("warning-form");
  const field = (name) => form.querySelector("[name=" + name + "]");
  const typeSelect = field("warning_type");
  const levelSelect = field("level");
  const regionInput = field("region");
  const headline = field("headline");
  const instruction = field("instruction");
  const hidden = field("area_shapes");
  const status = document.getElementById("draw-status");
  const shapeList = document.getElementById("shape-list");
  const buttons = {};
  form.querySelectorAll("[data-draw]").forEach((button) => { buttons[button.dataset.draw] = button; });

  // Texts that follow the type and level ----------------------------------------------------------
  function issuer() { return config.issuers[regionInput.value] || Object.values(config.issuers)[0]; }
  function type() { return config.types[typeSelect.value]; }
  function color() { return config.level_colors[levelSelect.value] || "#6b7785"; }

  function suggestedHeadline() {
    const kind = type();
    if (!kind) { return ""; }
    return config.headline
      .replace("%(issuer)s", issuer().name)
      .replace("%(type)s", kind.name)
      .replace("%(level)s", config.level_words[levelSelect.value] || "");
  }
  function suggestedInstruction() {
    const kind = type();
    return (kind && kind.instructions[levelSelect.value]) || "";
  }
  let lastHeadline = suggestedHeadline();
  let lastInstruction = suggestedInstruction();

  function follow(input, suggestion, last) {
    if (input.value.trim() === "" || input.value === last) { input.value = suggestion; }
    return suggestion;
  }
  function refreshTexts() {
    lastHeadline = follow(headline, suggestedHeadline(), lastHeadline);
    lastInstruction = follow(instruction, suggestedInstruction(), lastInstruction);
  }
  function limitLevels() {
    const kind = type();
    const allowed = kind && kind.levels.length ? kind.levels : null;
    Array.from(levelSelect.options).forEach((option) => { option.disabled = allowed !== null && !allowed.includes(option.value); });
    if (levelSelect.selectedOptions[0] && levelSelect.selectedOptions[0].disabled) { levelSelect.value = allowed[0]; }
  }

  // The region picker ------------------------------------------------------------------------------
  const groups = Array.from(document.querySelectorAll(".county-group"));
  const cityPick = document.querySelector("[data-issuer-only]");

  function syncTownships(group) {
    const whole = group.querySelector("[data-county-box]").checked;
    group.querySelectorAll(".townships input").forEach((box) => {
      box.disabled = whole;
      if (whole) { box.checked = false; }
    });
  }
  function filterGroups() {
    const code = regionInput.value;
    const fromCity = issuer().level === "city";
    groups.forEach((group) => {
      const shown = fromCity || group.dataset.county === code;
      group.hidden = !shown;
      if (!shown) { group.querySelectorAll("input").forEach((box) => { box.checked = false; }); }
    });
    if (cityPick) {
      cityPick.hidden = !fromCity;
      if (!fromCity) { cityPick.querySelector("input").checked = false; }
    }
  }

  // The map ---------------------------------------------------------------------------------------
  const map = window.WarningMaps.create("area-map", { doubleClickZoom: false });
  const countyLayers = new Map();
  let base = null;
  const drawn = L.layerGroup().addTo(map);
  const sketch = L.layerGroup().addTo(map);
  let shapes = [];
  try { shapes = JSON.parse(hidden.value || "[]"); } catch (error) { shapes = []; }
  if (!Array.isArray(shapes)) { shapes = []; }
  let mode = null;
  let vertices = [];
  let centre = null;

  function paintRegions() {
    if (!base) { return; }
    const checked = new Set(Array.from(form.querySelectorAll("input[name=area_codes]:checked")).map((box) => box.value));
    const fromCity = issuer().level === "city";
    countyLayers.forEach((layer, code) => {
      const group = groups.find((g) => g.dataset.county === code);
      const whole = checked.has(code) || (cityPick && fromCity && checked.has(cityPick.querySelector("input").value));
      const some = group && group.querySelector(".townships input:checked");
      const own = fromCity || code === regionInput.value;
      layer.setStyle(whole
        ? { color: color(), weight: 2, fillColor: color(), fillOpacity: 0.35, dashArray: null }
        : some
          ? { color: color(), weight: 2, fillColor: color(), fillOpacity: 0.12, dashArray: "6 5" }
          : { color: own ? "#0f3d68" : "#8795a3", weight: own ? 2 : 1, fillColor: "#eef3f8", fillOpacity: 0.75, dashArray: null });
    });
  }
  function fitIssuer() {
    const layer = countyLayers.get(regionInput.value);
    const bounds = layer ? layer.getBounds() : base && base.getBounds();
    if (bounds && bounds.isValid()) { map.fitBounds(bounds, { padding: [10, 10] }); }
  }

  function round(value, digits) { const f = Math.pow(10, digits); return Math.round(value * f) / f; }
  function shapeLayer(shape) {
    const style = { color: color(), weight: 3, fillColor: color(), fillOpacity: 0.3, interactive: false };
    if (shape.type === "Circle") {
      return L.circle([shape.coordinates[1], shape.coordinates[0]], Object.assign({ radius: shape.radius_km * 1000 }, style));
    }
    return L.geoJSON(shape, { style: () => style });
  }
  function renderShapes() {
    drawn.clearLayers();
    shapeList.replaceChildren();
    shapes.forEach((shape, index) => {
      drawn.addLayer(shapeLayer(shape));
      const item = document.createElement("li");
      const text = shape.type === "Circle"
        ? config.texts.circle.replace("%(km)s", String(round(shape.radius_km, 2)))
        : config.texts.polygon;
      item.appendChild(document.createTextNode(text + " "));
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "link-button";
      remove.textContent = config.texts.remove;
      remove.addEventListener("click", () => { shapes.splice(index, 1); renderShapes(); });
      item.appendChild(remove);
      shapeList.appendChild(item);
    });
    hidden.value = JSON.stringify(shapes);
  }

  function setMode(next) {
    mode = next;
    vertices = [];
    centre = null;
    sketch.clearLayers();
    buttons.polygon.hidden = mode !== null;
    buttons.circle.hidden = mode !== null;
    buttons.finish.hidden = mode !== "polygon";
    buttons.cancel.hidden = mode === null;
    map.getContainer().classList.toggle("drawing", mode !== null);
    status.textContent = mode === "polygon" ? config.texts.vertices.replace("%(n)s", "0") : mode === "circle" ? config.texts.centre : "";
  }
  function drawSketch(cursor) {
    sketch.clearLayers();
    const style = { color: color(), weight: 2, dashArray: "4 4", fillOpacity: 0.1, interactive: false };
    if (mode === "polygon" && vertices.length) {
      const points = cursor ? vertices.concat([cursor]) : vertices;
      sketch.addLayer(points.length > 2 ? L.polygon(points, style) : L.polyline(points, style));
      vertices.forEach((vertex) => sketch.addLayer(L.circleMarker(vertex, { radius: 4, color: color(), interactive: false })));
    } else if (mode === "circle" && centre) {
      sketch.addLayer(L.circleMarker(centre, { radius: 4, color: color(), interactive: false }));
      if (cursor) { sketch.addLayer(L.circle(centre, Object.assign({ radius: map.distance(centre, cursor) }, style))); }
    }
  }
  function finishPolygon() {
    if (vertices.length < 3) { status.textContent = config.texts.need_three; return; }
    const ring = vertices.map((vertex) => [round(vertex.lng, 6), round(vertex.lat, 6)]);
    ring.push(ring[0].slice());
    shapes.push({ type: "Polygon", coordinates: [ring] });
    setMode(null);
    renderShapes();
  }

  map.on("click", (event) => {
    if (mode === "polygon") {
      vertices.push(event.latlng);
      status.textContent = config.texts.vertices.replace("%(n)s", String(vertices.length));
      drawSketch(null);
    } else if (mode === "circle" && !centre) {
      centre = event.latlng;
      status.textContent = config.texts.radius;
      drawSketch(null);
    } else if (mode === "circle") {
      const km = map.distance(centre, event.latlng) / 1000;
      shapes.push({ type: "Circle", coordinates: [round(centre.lng, 6), round(centre.lat, 6)], radius_km: round(Math.max(km, 0.01), 3) });
      setMode(null);
      renderShapes();
    }
  });
  map.on("mousemove", (event) => { if (mode) { drawSketch(event.latlng); } });
  buttons.polygon.addEventListener("click", () => setMode("polygon"));
  buttons.circle.addEventListener("click", () => setMode("circle"));
  buttons.finish.addEventListener("click", finishPolygon);
  buttons.cancel.addEventListener("click", () => setMode(null));
  document.addEventListener("keydown", (event) => { if (event.key === "Escape" && mode) { setMode(null); } });

  // Wiring -----------------------------------------------------------------------------------------
  typeSelect.addEventListener("change", () => { limitLevels(); refreshTexts(); paintRegions(); renderShapes(); });
  levelSelect.addEventListener("change", () => { refreshTexts(); paintRegions(); renderShapes(); });
  regionInput.addEventListener("change", () => { refreshTexts(); filterGroups(); paintRegions(); fitIssuer(); });
  document.getElementById("area-codes").addEventListener("change", (event) => {
    const group = event.target.closest(".county-group");
    if (group && event.target.matches("[data-county-box]")) { syncTownships(group); }
    paintRegions();
  });

  limitLevels();
  filterGroups();
  groups.forEach(syncTownships);
  setMode(null);
  renderShapes();
  window.WarningMaps.loadCounties(config.counties_url).then((counties) => {
    base = window.WarningMaps.addBase(map, counties);
    base.eachLayer((layer) => countyLayers.set(layer.feature.properties.code, layer));
    paintRegions();
    fitIssuer();
    map.getContainer().dataset.loaded = String(countyLayers.size);
  }).catch((error) => { console.error("area editor", error); });
})();
