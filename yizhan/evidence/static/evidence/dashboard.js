// Evidence dashboard: the daily trend, busy hours and occupation mix with ECharts, and
// the stations on a Leaflet map coloured by opening compliance. The tables above work
// without it.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("ev-data").textContent);
  function chart(id, option) {
    var el = document.getElementById(id);
    if (!el || !window.echarts) return;
    var c = window.echarts.init(el, null, { renderer: "svg" });
    c.setOption(option);
    window.addEventListener("resize", function () { c.resize(); });
  }
  window.addEventListener("load", function () {
    chart("ev-trend", {
      tooltip: { trigger: "axis" },
      legend: { data: [data.labels.visits, data.labels.compliance] },
      grid: { left: 40, right: 40, top: 40, bottom: 30 },
      xAxis: { type: "category", data: data.days },
      yAxis: [{ type: "value" }, { type: "value", min: 0, max: 100 }],
      series: [
        { name: data.labels.visits, type: "bar", data: data.visits, itemStyle: { color: "#7a1a14" } },
        { name: data.labels.compliance, type: "line", yAxisIndex: 1, data: data.compliance, itemStyle: { color: "#0b6b2e" } }
      ]
    });
    chart("ev-hours", {
      title: { text: data.labels.hours, textStyle: { fontSize: 14 } },
      grid: { left: 36, right: 10, top: 36, bottom: 24 },
      xAxis: { type: "category", data: data.hours.map(function (_v, h) { return h; }) },
      yAxis: { type: "value" },
      series: [{ type: "bar", data: data.hours, itemStyle: { color: "#b3261e" } }]
    });
    chart("ev-occupations", {
      title: { text: data.labels.occupations, textStyle: { fontSize: 14 } },
      tooltip: { trigger: "item" },
      series: [{ type: "pie", radius: ["35%", "65%"], top: 20, data: data.occupations }]
    });
    chart("ev-tags", {
      title: { text: data.labels.tags, textStyle: { fontSize: 14 } },
      grid: { left: 90, right: 16, top: 36, bottom: 20 },
      xAxis: { type: "value" },
      yAxis: { type: "category", data: data.tags.map(function (t) { return t.name; }).reverse() },
      series: [{ type: "bar", data: data.tags.map(function (t) { return t.value; }).reverse(), itemStyle: { color: "#0a4aa8" } }]
    });
    var el = document.getElementById("ev-map");
    var YM = window.YizhanMap;
    if (el && window.L && YM && data.stations.length) {
      var map = window.L.map(el);
      // Every point through YM.toMap: stored WGS-84, drawn in the tiles' system.
      var bounds = data.stations.map(function (s) { return YM.toMap(s.lat, s.lon); });
      map.fitBounds(bounds, { padding: [20, 20] });
      YM.addBase(map, { streets: data.streets });
      data.stations.forEach(function (s) {
        var pct = s.compliance;
        var color = pct === null ? "#777" : pct >= 90 ? "#0b6b2e" : pct >= 60 ? "#b07d00" : "#a1110a";
        var m = window.L.circleMarker(YM.toMap(s.lat, s.lon), { radius: 8, color: color, fillColor: color, fillOpacity: 0.8 });
        var label = document.createElement("a");
        label.href = s.url;
        label.textContent = s.name + " · " + (pct === null ? "—" : pct + "%") + " · " + s.visits;
        m.bindPopup(label);
        m.addTo(map);
      });
    }
  });
})();
