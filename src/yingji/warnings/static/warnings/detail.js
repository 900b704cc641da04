// A warning's page: actions that reach the public ask once more, and the deliveries block refreshes
// itself (htmx, every 5 s while messages are queued); a poll answered by anything but that block
// (the sign-in page once the session has ended) reloads the page instead of being pasted into it.
(function () {
  "use strict";
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
    });
  });
  document.body.addEventListener("htmx:beforeSwap", (event) => {
    const xhr = event.detail.xhr;
    if (event.detail.target.id === "deliveries" && xhr.status === 200 && !xhr.getResponseHeader("X-Warning-Deliveries")) {
      event.detail.shouldSwap = false;
      window.location.reload();
    }
  });
})();
