// Public pages: "use my location" (the browser's geolocation) for the warnings where I am, and the
// subscription form's location, which may also be picked on a map of the county boundaries.
(function () {
  "use strict";
  function locate(button, found) {
    const status = document.getElementById("locate-status") || document.getElementById("picked");
    if (!navigator.geolocation) { status.textContent = button.dataset.denied; return; }
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(
      (position) => { button.disabled = false; found(position.coords.latitude, position.coords.longitude); },
      () => { button.disabled = false; status.textContent = button.dataset.denied; },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  }

  const hereButton = document.getElementById("use-location");
  if (hereButton) {
    hereButton.addEventListener("click", () => locate(hereButton, (lat, lon) => {
      window.location.href = hereButton.dataset.hereUrl + "?lat=" + lat.toFixed(5) + "&lon=" + lon.toFixed(5);
    }));
  }

  const form = document.getElementById("subscribe-form");
  if (!form) { return; }
  const latitude = form.querySelector("input[name=latitude]");
  const longitude = form.querySelector("input[name=longitude]");
  const picked = document.getElementById("picked");
  const config = JSON.parse(document.getElementById("pick-config").textContent);
  const map = window.WarningMaps.create("pick-map");
  let marker = null;

  function place(lat, lon) {
    latitude.value = lat.toFixed(6);
    longitude.value = lon.toFixed(6);
    picked.textContent = lat.toFixed(4) + ", " + lon.toFixed(4);
    if (marker) { marker.setLatLng([lat, lon]); } else {
      marker = L.circleMarker([lat, lon], { radius: 8, color: "#fff", weight: 2, fillColor: "#0f3d68", fillOpacity: 1 }).addTo(map);
    }
  }
  function showPlaceKind() {
    const byRegion = form.querySelector("input[name=place]:checked").value === "region";
    form.querySelector(".place-location").hidden = byRegion;
    form.querySelector(".place-region").hidden = !byRegion;
    if (!byRegion) { map.invalidateSize(); }
  }

  window.WarningMaps.loadCounties(config.counties_url).then((counties) => {
    const base = window.WarningMaps.addBase(map, counties);
    map.fitBounds(base.getBounds(), { padding: [8, 8] });
    if (latitude.value && longitude.value) { place(Number(latitude.value), Number(longitude.value)); }
  }).catch((error) => { console.error("pick map", error); });
  map.on("click", (event) => place(event.latlng.lat, event.latlng.lng));
  const locateButton = document.getElementById("subscribe-locate");
  locateButton.addEventListener("click", () => locate(locateButton, (lat, lon) => {
    place(lat, lon);
    map.setView([lat, lon], 11);
  }));
  form.querySelectorAll("input[name=place]").forEach((radio) => radio.addEventListener("change", showPlaceKind));
  showPlaceKind();
})();
