// The command screen: htmx polls the live part every 10 s (incident_screen.html). A poll answered by
// anything but that fragment (the sign-in page once the session has ended) reloads the page instead
// of being pasted into it.
(function () {
  "use strict";
  const live = document.getElementById("screen-live");
  document.body.addEventListener("htmx:beforeSwap", (event) => {
    if (event.detail.target === live && event.detail.xhr.status === 200 && !event.detail.xhr.getResponseHeader("X-Screen-Live")) {
      event.detail.shouldSwap = false;
      window.location.reload();
    }
  });
})();
