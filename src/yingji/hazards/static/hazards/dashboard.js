// Stacked bars of open (not overdue), overdue and closed hazards per county, industry and month.
(function () {
  const data = JSON.parse(document.getElementById("hazard-chart-data").textContent);
  const colors = { open: "#e8a33d", overdue: "#c8102e", closed: "#3a9a5b" };
  function draw(id, rows, horizontal) {
    const element = document.getElementById(id);
    if (!element || typeof echarts === "undefined") return;
    const names = rows.map((row) => row.label);
    const series = [
      ["open", rows.map((row) => row.open - row.overdue)],
      ["overdue", rows.map((row) => row.overdue)],
      ["closed", rows.map((row) => row.closed)],
    ].map(([key, values]) => ({
      name: data.labels[key], type: "bar", stack: "all", data: values, itemStyle: { color: colors[key] },
    }));
    const category = { type: "category", data: names, axisLabel: { interval: 0, rotate: horizontal ? 0 : 30 } };
    const value = { type: "value", minInterval: 1 };
    echarts.init(element).setOption({
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 8, right: 16, bottom: 8, top: 32, containLabel: true },
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? { ...category, inverse: true } : value,
      series,
    });
  }
  draw("chart-counties", data.counties, false);
  draw("chart-industries", data.industries, true);
  draw("chart-months", data.months, false);
})();
