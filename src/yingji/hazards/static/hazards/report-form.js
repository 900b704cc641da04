// Offer only the judgment criteria of the chosen enterprise's industry (coal mine or hazardous chemicals).
(function () {
  const industries = JSON.parse(document.getElementById("enterprise-industries").textContent);
  const enterprise = document.querySelector("#report-form [name=enterprise_id]");
  const criterion = document.querySelector("#report-form [name=criterion_code]");
  if (!enterprise || !criterion) return;
  const prefixes = { coal_mine: "coal-", hazardous_chemicals: "chem-" };
  function update() {
    const prefix = prefixes[industries[enterprise.value]] || null;
    for (const group of criterion.querySelectorAll("optgroup")) {
      const first = group.querySelector("option");
      const show = prefix !== null && first && first.value.startsWith(prefix);
      group.hidden = !show;
      group.disabled = !show;
    }
    const chosen = criterion.selectedOptions[0];
    if (chosen && chosen.parentElement.tagName === "OPTGROUP" && chosen.parentElement.disabled) criterion.value = "";
  }
  enterprise.addEventListener("change", update);
  update();
})();
