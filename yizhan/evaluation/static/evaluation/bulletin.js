// The bulletin's charts (ECharts, SVG so that they print sharp) and its map (Leaflet:
// stations coloured by score, ringed by card). The tables carry the same facts.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("bulletin-data").textContent);
  var L = data.labels;
  var button = document.getElementById("print");
  if (button) button.addEventListener("click", function () { window.print(); });
  function chart(id, option) {
    var el = document.getElementById(id);
    if (!el || !window.echarts) return;
    var c = window.echarts.init(el, null, { renderer: "svg" });
    option.animation = false;
    c.setOption(option);
    window.addEventListener("resize", function () { c.resize(); });
  }
  window.addEventListener("load", function () {
    chart("c-distribution", {
      title: { text: L.distribution, textStyle: { fontSize: 13 } },
      grid: { left: 30, right: 8, top: 32, bottom: 36 },
      xAxis: { type: "category", data: data.distribution.labels, axisLabel: { rotate: 40, fontSize: 10 } },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "bar", data: data.distribution.values, itemStyle: { color: "#7a1a14" }, label: { show: true, position: "top" } }]
    });
    chart("c-stars", {
      title: { text: L.stars, textStyle: { fontSize: 13 } },
      grid: { left: 30, right: 8, top: 32, bottom: 24 },
      xAxis: { type: "category", data: data.stars.labels },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "bar", data: data.stars.values, itemStyle: { color: "#b07d00" }, label: { show: true, position: "top" } }]
    });
    chart("c-trend", {
      title: { text: L.trend, left: 0, top: 22, textStyle: { fontSize: 13 } },
      legend: { top: 0, right: 0, itemWidth: 14, data: [L.average, L.yellow, L.red], textStyle: { fontSize: 11 } },
      grid: { left: 30, right: 30, top: 52, bottom: 24 },
      xAxis: { type: "category", data: data.trend.months },
      yAxis: [{ type: "value", min: 0, max: 100 }, { type: "value", minInterval: 1 }],
      series: [
        { name: L.average, type: "line", data: data.trend.average, itemStyle: { color: "#0b6b2e" }, connectNulls: false },
        { name: L.yellow, type: "bar", yAxisIndex: 1, stack: "c", data: data.trend.yellow, itemStyle: { color: "#f2c200" } },
        { name: L.red, type: "bar", yAxisIndex: 1, stack: "c", data: data.trend.red, itemStyle: { color: "#a1110a" } }
      ]
    });
    chart("c-areas", {
      title: { text: L.areas, left: 0, top: 22, textStyle: { fontSize: 13 } },
      legend: { top: 0, right: 0, itemWidth: 14, data: [L.yellow, L.red, L.average], textStyle: { fontSize: 11 } },
      grid: { left: 30, right: 30, top: 52, bottom: 44 },
      xAxis: { type: "category", data: data.areas.labels, axisLabel: { rotate: 35, fontSize: 10 } },
      yAxis: [{ type: "value", minInterval: 1 }, { type: "value", min: 0, max: 100 }],
      series: [
        { name: L.yellow, type: "bar", stack: "c", data: data.areas.yellow, itemStyle: { color: "#f2c200" } },
        { name: L.red, type: "bar", stack: "c", data: data.areas.red, itemStyle: { color: "#a1110a" } },
        { name: L.average, type: "line", yAxisIndex: 1, data: data.areas.average, itemStyle: { color: "#0b6b2e" } }
      ]
    });
    var el = document.getElementById("c-map");
    var YM = window.YizhanMap;
    if (el && window.L && YM && data.stations.length) {
      // The attribution stays on paper: it carries the 审图号.
      var map = window.L.map(el, { zoomControl: false });
      var bounds = data.stations.map(function (s) { return YM.toMap(s.lat, s.lon); });
      map.fitBounds(bounds, { padding: [16, 16] });
      YM.addBase(map, { streets: data.streets, prefix: false });
      data.stations.forEach(function (s) {
        var fill = s.score === null ? "#888" : s.score >= 80 ? "#0b6b2e" : s.score >= 60 ? "#b07d00" : "#a1110a";
        var ring = s.card === "red" ? "#a1110a" : s.card === "yellow" ? "#f2c200" : fill;
        // Names are people's typing: text, never HTML (Leaflet reads a string as HTML).
        var label = document.createElement("span");
        label.textContent = s.name + " · " + (s.score === null ? "—" : s.score);
        window.L.circleMarker(YM.toMap(s.lat, s.lon), { radius: s.card ? 8 : 6, color: ring, weight: s.card ? 4 : 1, fillColor: fill, fillOpacity: 0.85 })
          .bindTooltip(label).addTo(map);
      });
    }
  });
})();
