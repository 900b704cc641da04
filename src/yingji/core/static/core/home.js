// The home page chart: population (bars) and area (line) of every county the user may see.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("chart-data").textContent);
  const chart = echarts.init(document.getElementById("county-chart"));
  chart.setOption({
    tooltip: { trigger: "axis" },
    legend: { data: ["常住人口", "面积 km²"] },
    grid: { left: 70, right: 70, bottom: 60 },
    xAxis: { type: "category", data: data.names, axisLabel: { interval: 0, rotate: 30 } },
    yAxis: [{ type: "value", name: "人" }, { type: "value", name: "km²" }],
    series: [
      { name: "常住人口", type: "bar", data: data.population, itemStyle: { color: "#0f3d68" } },
      { name: "面积 km²", type: "line", yAxisIndex: 1, data: data.area, itemStyle: { color: "#c8102e" } },
    ],
  });
  window.addEventListener("resize", () => chart.resize());
})();
