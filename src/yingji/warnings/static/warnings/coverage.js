// The coverage page: per-county bars for the month and the monthly line against the plan's goal
// (ECharts), and the uncovered cells on the county-boundary base map (WarningMaps from area-map.js).
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("coverage-config").textContent);
  const goalLine = {
    silent: true, symbol: "none", lineStyle: { color: "#c8102e", type: "dashed" },
    label: { position: "insideEndTop", formatter: config.labels.goal + " " + config.goal + "%" },
    data: [{ yAxis: config.goal }],
  };
  const colorOf = (value) => (value !== null && value >= config.goal ? "#3a9d5d" : "#d6604d");

  function chart(id, names, values, type) {
    const element = document.getElementById(id);
    if (!element || typeof echarts === "undefined") { return; }
    echarts.init(element).setOption({
      tooltip: { trigger: "axis", valueFormatter: (value) => (value === null ? "—" : value + "%") },
      grid: { left: 8, right: 24, bottom: 8, top: 28, containLabel: true },
      xAxis: { type: "category", data: names, axisLabel: { interval: 0, rotate: names.length > 6 ? 30 : 0 } },
      yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      series: [{
        name: config.labels.coverage, type: type, data: values.map((value) => ({ value: value, itemStyle: { color: colorOf(value) } })),
        lineStyle: { color: "#3b5b7a" }, markLine: goalLine,
      }],
    });
    element.dataset.points = String(values.length);
  }
  chart("chart-counties", config.county_bars.map((row) => row.name), config.county_bars.map((row) => row.percent), "bar");
  chart("chart-months", config.month_line.map((row) => row.month), config.month_line.map((row) => row.percent), "line");

  const element = document.getElementById("coverage-map");
  if (!element || !window.WarningMaps) { return; }
  const maps = window.WarningMaps;
  const map = maps.create(element);
  Promise.all([
    maps.loadCounties(config.counties_url),
    fetch(config.gaps_url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? response.json() : { type: "FeatureCollection", features: [] })),
  ]).then(([counties, gaps]) => {
    const base = maps.addBase(map, counties);
    const layer = maps.addAreas(map, gaps);
    const bounds = layer.getBounds();
    map.fitBounds(bounds.isValid() ? bounds.pad(0.2) : base.getBounds(), { padding: [12, 12], maxZoom: 11 });
    element.dataset.loaded = String(gaps.features.length);
  }).catch((error) => { console.error("coverage map", error); });
})();
