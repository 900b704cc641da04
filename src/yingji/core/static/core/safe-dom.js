// Data reaches pages as text, never as HTML. Every string handed to these helpers becomes a text
// node, so a name like <img src=x onerror=…> shows as those characters and runs nothing.
// Leaflet's bindTooltip/bindPopup/setContent insert a string as HTML: give them SafeDom.text(…) or
// SafeDom.lines(…) instead. An ECharts formatter returns HTML: pass data through SafeDom.escape(…).
(function () {
  "use strict";

  // An element with text content (and optionally a class): SafeDom.element("strong", name).
  function element(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (className) { node.className = className; }
    return node;
  }

  // One string as a <span>, for a map label or a tooltip of one line.
  function text(value) {
    return element("span", value);
  }

  // Lines of text, the first in bold: the popup lines map layers send (`properties.popup`).
  function lines(values) {
    const box = document.createElement("div");
    (values || []).forEach((value, index) => {
      box.appendChild(element(index === 0 ? "strong" : "div", value));
    });
    return box;
  }

  // A string made safe to put inside HTML (for the few APIs that take HTML, like ECharts formatters).
  function escape(value) {
    return String(value === undefined || value === null ? "" : value)
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  }

  window.SafeDom = Object.freeze({ element, text, lines, escape });
})();
