// Stacked bars of risk points by level, per county and per industry, on the risk overview page.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("risk-chart").textContent);

  function draw(elementId, group, rotate) {
    const element = document.getElementById(elementId);
    if (!element || !group.names.length) { return; }
    const chart = echarts.init(element);
    chart.setOption({
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { data: data.levels.map((level) => level.label) },
      grid: { left: 48, right: 16, bottom: rotate ? 70 : 40, top: 40 },
      xAxis: { type: "category", data: group.names, axisLabel: { interval: 0, rotate: rotate } },
      yAxis: { type: "value", minInterval: 1 },
      series: data.levels.map((level, index) => ({
        name: level.label,
        type: "bar",
        stack: "level",
        itemStyle: { color: level.hex },
        data: group.counts.map((row) => row[index]),
      })),
    });
    window.addEventListener("resize", () => chart.resize());
  }

  draw("county-chart", data.counties, 35);
  draw("industry-chart", data.industries, 25);
})();
