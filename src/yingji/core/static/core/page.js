// What every page shares, so that no template needs an inline script or an on* attribute (the
// Content-Security-Policy allows neither):
// - <form data-confirm="question"> asks before it is sent;
// - <select data-submit-on-change> sends its form when a choice is made;
// - htmx requests carry the CSRF token of <meta name="csrf-token"> (the cookie is HttpOnly: scripts
//   cannot read it), and Page.csrfToken() gives it to a script's own fetch().
(function () {
  "use strict";

  function csrfToken() {
    const meta = document.querySelector("meta[name=csrf-token]");
    return meta ? meta.content : "";
  }

  // Capture phase: the question comes before htmx or any other handler acts on the submission.
  document.addEventListener("submit", (event) => {
    const form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  document.addEventListener("change", (event) => {
    const select = event.target.closest("select[data-submit-on-change]");
    if (select && select.form) { select.form.requestSubmit(); }
  });

  document.addEventListener("htmx:configRequest", (event) => {
    const token = csrfToken();
    if (token) { event.detail.headers["X-CSRFToken"] = token; }
  });

  window.Page = Object.freeze({ csrfToken });
})();
