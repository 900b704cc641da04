// Show only the factor fields of the chosen method (LEC or LS) in a risk form; without script both show.
(function () {
  "use strict";
  document.querySelectorAll("form.risk-form").forEach((form) => {
    const method = form.querySelector("select[name$='method']");
    if (!method) { return; }
    const sync = () => {
      form.querySelectorAll("fieldset[data-method]").forEach((fieldset) => {
        fieldset.hidden = fieldset.dataset.method !== method.value;
      });
    };
    method.addEventListener("change", sync);
    sync();
  });
})();
