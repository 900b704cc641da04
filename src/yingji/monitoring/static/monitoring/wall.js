// The monitoring wall: htmx polls the live part every 5 s (see wall.html); this file adds the close
// dialog, which lives outside the live part so that a refresh never wipes a note being typed.
(function () {
  "use strict";
  const dialog = document.getElementById("close-dialog");
  const live = document.getElementById("wall-live");

  document.addEventListener("click", (event) => {
    const opener = event.target.closest("[data-close-alarm]");
    if (!opener || !dialog || typeof dialog.showModal !== "function") { return; }
    event.preventDefault();
    dialog.querySelector("input[name=alarm]").value = opener.dataset.closeAlarm;
    dialog.querySelector("textarea").value = "";
    document.getElementById("close-alarm-label").textContent = opener.dataset.label || "";
    dialog.showModal();
  });
  if (dialog) {
    dialog.querySelector("[data-dismiss]").addEventListener("click", () => dialog.close());
  }

  document.body.addEventListener("htmx:afterRequest", (event) => {
    if (dialog && dialog.open && dialog.contains(event.detail.elt)) { dialog.close(); }
  });
  // A poll answered by anything but the wall's fragment (the sign-in page once the session has
  // ended) reloads the whole page instead of being pasted into it.
  document.body.addEventListener("htmx:beforeSwap", (event) => {
    if (event.detail.target === live && event.detail.xhr.status === 200 && !event.detail.xhr.getResponseHeader("X-Wall-Live")) {
      event.detail.shouldSwap = false;
      window.location.reload();
    }
  });
})();
