// A sensor's trend (sensor and alarm pages): readings, or per-minute mean with a min–max band, with
// the four levels' limits as dashed lines over lightly colored bands. Data comes from #chart-data.
(function () {
  "use strict";
  const element = document.getElementById("sensor-chart");
  const source = document.getElementById("chart-data");
  if (!element || !source || typeof echarts === "undefined") { return; }
  const data = JSON.parse(source.textContent);
  const t = data.texts;
  // Timestamps are shifted to Beijing time and drawn as UTC, so the axis reads the same everywhere.
  const shift = (ms) => ms + data.offset_ms;
  const minute = data.resolution === "minute";
  // A silence (gateway down, sensor offline) breaks the line instead of being bridged by a straight one:
  // a gap of more than five minutes and five usual intervals gets a null point.
  const steps = data.points.slice(1).map((p, i) => p[0] - data.points[i][0]).sort((a, b) => a - b);
  const usual = steps.length ? steps[Math.floor(steps.length / 2)] : 0;
  const gapMs = Math.max(5 * 60 * 1000, usual * 5);
  function withGaps(values) {
    const out = [];
    data.points.forEach((p, i) => {
      if (i > 0 && p[0] - data.points[i - 1][0] > gapMs) { out.push([shift(p[0] - 1), null]); }
      out.push([shift(p[0]), values(p)]);
    });
    return out;
  }
  const main = withGaps((p) => p[1]);
  const lows = minute ? data.points.map((p) => p[2]) : [];
  const highs = minute ? data.points.map((p) => p[3]) : [];
  const values = data.points.map((p) => p[1]).concat(lows, highs);

  const highLimits = data.high.map((v, i) => ({ value: v, level: i + 1 })).filter((x) => x.value !== null);
  const lowLimits = data.low.map((v, i) => ({ value: v, level: i + 1 })).filter((x) => x.value !== null);

  // The axis spans the readings and the nearest limit beyond them on each side, so that the next
  // threshold is always in view but a far red limit does not flatten the curve.
  let lower, upper;
  if (values.length) {
    const dataMin = Math.min(...values), dataMax = Math.max(...values);
    const above = highLimits.map((x) => x.value).filter((v) => v >= dataMax);
    const below = lowLimits.map((x) => x.value).filter((v) => v <= dataMin);
    upper = above.length ? Math.min(...above) : dataMax;
    lower = below.length ? Math.max(...below) : dataMin;
  } else {
    const all = highLimits.concat(lowLimits).map((x) => x.value);
    upper = all.length ? Math.max(...all) : 1;
    lower = all.length ? Math.min(...all) : 0;
  }
  // Round the ends out to a step of 1, 2 or 5 × 10^n so the axis labels read as plain numbers.
  const span = upper - lower || Math.abs(upper) || 1;
  const rough = span / 5;
  const magnitude = Math.pow(10, Math.floor(Math.log10(rough)));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= rough);
  let axisMax = Math.ceil((upper + span * 0.08) / step) * step;
  let axisMin = Math.floor((lower - span * 0.08) / step) * step;
  if (axisMin < 0 && lower >= 0) { axisMin = 0; }
  const round = (v) => Number(v.toPrecision(6));
  axisMax = round(axisMax); axisMin = round(axisMin);

  const lines = [];
  const areas = [];
  const clamp = (v) => Math.min(axisMax, Math.max(axisMin, v));
  function band(from, to, level) {
    const a = clamp(from), b = clamp(to);
    if (a === b) { return; }
    areas.push([{ yAxis: Math.min(a, b), itemStyle: { color: data.colors[level], opacity: 0.09 } }, { yAxis: Math.max(a, b) }]);
  }
  highLimits.forEach((limit, index) => {
    const next = highLimits[index + 1];
    band(limit.value, next ? next.value : axisMax, limit.level);
    if (limit.value <= axisMax && limit.value >= axisMin) {
      lines.push({ yAxis: limit.value, lineStyle: { color: data.colors[limit.level], type: "dashed", width: 1.5 },
        label: { formatter: data.high_labels[limit.level] + " " + limit.value, position: "insideEndTop", color: data.colors[limit.level] } });
    }
  });
  lowLimits.forEach((limit, index) => {
    const next = lowLimits[index + 1];
    band(limit.value, next ? next.value : axisMin, limit.level);
    if (limit.value <= axisMax && limit.value >= axisMin) {
      lines.push({ yAxis: limit.value, lineStyle: { color: data.colors[limit.level], type: "dashed", width: 1.5 },
        label: { formatter: data.low_labels[limit.level] + " " + limit.value, position: "insideEndBottom", color: data.colors[limit.level] } });
    }
  });
  data.marks.forEach((mark) => {
    lines.push({ xAxis: shift(mark.at), lineStyle: { color: data.colors[mark.level], type: "solid", width: 2 },
      label: { formatter: mark.label, position: "end", color: data.colors[mark.level] } });
  });

  const series = [{
    name: minute ? t.mean : t.value,
    type: "line",
    data: main,
    showSymbol: data.points.length < 80,
    symbolSize: 4,
    lineStyle: { width: 1.6, color: "#0f3d68" },
    itemStyle: { color: "#0f3d68" },
    z: 3,
    markLine: { symbol: "none", silent: true, data: lines },
    markArea: { silent: true, data: areas },
  }];
  if (minute) {
    series.push(
      { name: t.range, type: "line", stack: "range", data: withGaps((p) => p[2]),
        lineStyle: { opacity: 0 }, showSymbol: false, tooltip: { show: false } },
      { name: t.range, type: "line", stack: "range", data: withGaps((p) => p[3] - p[2]),
        lineStyle: { opacity: 0 }, showSymbol: false, areaStyle: { color: "#0f3d68", opacity: 0.12 }, tooltip: { show: false } },
    );
  }
  const chart = echarts.init(element);
  chart.setOption({
    useUTC: true,
    animation: false,
    grid: { left: 12, right: 86, top: 28, bottom: 40, containLabel: true },
    tooltip: { trigger: "axis", valueFormatter: (v) => (v === null || v === undefined ? "—" : Number(v.toPrecision(4)) + " " + data.unit) },
    xAxis: { type: "time", min: shift(data.start), max: shift(data.end) },
    yAxis: { type: "value", name: data.unit, min: axisMin, max: axisMax, scale: true },
    dataZoom: [{ type: "inside" }, { type: "slider", height: 18, bottom: 6 }],
    graphic: data.points.length ? [] : [{ type: "text", left: "center", top: "middle", style: { text: t.empty, fill: "#6b7785", fontSize: 14 } }],
    series,
  });
  element.dataset.points = String(data.points.length);
  window.addEventListener("resize", () => chart.resize());
})();
