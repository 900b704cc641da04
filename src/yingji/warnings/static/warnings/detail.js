// A warning's page: the deliveries block refreshes itself (htmx, every 5 s while messages are queued);
// a poll answered by anything but that block (the sign-in page once the session has ended) reloads
// the page instead of being pasted into it. Actions that reach the public ask once more through
// their forms' data-confirm (core/page.js).
(function () {
  "use strict";
  document.body.addEventListener("htmx:beforeSwap", (event) => {
    const xhr = event.detail.xhr;
    if (event.detail.target.id === "deliveries" && xhr.status === 200 && !xhr.getResponseHeader("X-Warning-Deliveries")) {
      event.detail.shouldSwap = false;
      window.location.reload();
    }
  });
})();
