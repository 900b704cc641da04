// Reporting clocks count down: each [data-countdown] (an ISO time) shows the time left as text,
// refreshed every second; after an htmx swap the new clocks are picked up by the next tick.
(function () {
  "use strict";
  const english = (document.documentElement.lang || "").indexOf("en") === 0;
  function pad(n) { return n < 10 ? "0" + n : String(n); }
  function tick() {
    const now = Date.now();
    document.querySelectorAll("[data-countdown]").forEach((node) => {
      const due = Date.parse(node.dataset.countdown);
      if (isNaN(due)) { return; }
      const left = Math.floor((due - now) / 1000);
      if (left <= 0) {
        node.textContent = english ? "time is up" : "已到时";
        node.classList.add("inc-late");
        return;
      }
      const h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
      node.textContent = h + ":" + pad(m) + ":" + pad(s);
    });
  }
  tick();
  window.setInterval(tick, 1000);
})();
