// The intake form: a click on the map sets the incident's point (longitude/latitude inputs), and the
// subtype list follows the chosen category. Names reach the page only as text.
(function () {
  "use strict";
  const form = document.getElementById("intake-form");
  if (!form) { return; }
  const category = form.querySelector("[name=category]");
  const subtype = form.querySelector("[name=subtype]");
  const subtypes = JSON.parse(document.getElementById("intake-subtypes").textContent);
  function offerSubtypes() {
    const wanted = subtypes[category.value] || [];
    let firstShown = null;
    for (const option of subtype.options) {
      const show = wanted.indexOf(option.value) !== -1;
      option.hidden = !show;
      option.disabled = !show;
      if (show && firstShown === null) { firstShown = option.value; }
    }
    if (wanted.indexOf(subtype.value) === -1 && firstShown !== null) { subtype.value = firstShown; }
  }
  category.addEventListener("change", offerSubtypes);
  offerSubtypes();

  const element = document.querySelector("[data-intake-map]");
  if (!element || !window.L || !window.WarningMaps) { return; }
  const config = JSON.parse(document.getElementById(element.dataset.intakeMap).textContent);
  const lon = form.querySelector("[name=longitude]");
  const lat = form.querySelector("[name=latitude]");
  const map = window.WarningMaps.create(element);
  let marker = null;
  function place(latlng) {
    if (marker) { marker.setLatLng(latlng); } else {
      marker = L.circleMarker(latlng, { radius: 9, color: "#fff", weight: 2, fillColor: "#d7263d", fillOpacity: 1 }).addTo(map);
    }
  }
  window.WarningMaps.loadCounties(config.counties_url).then((counties) => {
    const base = window.WarningMaps.addBase(map, counties, true);
    map.fitBounds(base.getBounds(), { padding: [8, 8] });
    if (lon.value && lat.value) { place([parseFloat(lat.value), parseFloat(lon.value)]); }
    element.dataset.loaded = "1";
  }).catch((error) => { console.error("intake map", error); });
  map.on("click", (event) => {
    lon.value = event.latlng.lng.toFixed(5);
    lat.value = event.latlng.lat.toFixed(5);
    place(event.latlng);
  });
  for (const input of [lon, lat]) {
    input.addEventListener("change", () => {
      const x = parseFloat(lon.value), y = parseFloat(lat.value);
      if (isFinite(x) && isFinite(y)) { place([y, x]); }
    });
  }
})();
