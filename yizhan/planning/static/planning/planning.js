// Planning pages: follow a run until it finishes; draw a scenario's map (gap hexagons,
// stations, recommended sites, upgrades, overlaps, mobile stops) and its 168-hour chart;
// pick two scenarios to compare. Every name is set as text, never as HTML.
(function () {
  "use strict";
  var box = document.querySelector(".status[data-progress]");
  function poll() {
    fetch(box.dataset.progress, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (p) {
        var bar = box.querySelector("progress");
        var label = box.querySelector(".sc-status");
        if (bar) bar.value = p.percent;
        if (label) label.textContent = p.status_label + (p.status === "running" ? " " + p.percent + "%" : "");
        if (p.status !== "queued" && p.status !== "running") { window.location.reload(); return; }
        window.setTimeout(poll, 1500);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  if (box && (box.dataset.status === "queued" || box.dataset.status === "running")) poll();

  var form = document.getElementById("compare-form");
  if (form) {
    form.addEventListener("submit", function (e) {
      var picked = Array.prototype.slice.call(document.querySelectorAll("input[name=pick]:checked"));
      if (picked.length !== 2) { e.preventDefault(); window.alert(form.dataset.need || "请选择两个方案"); return; }
      form.querySelector("[name=a]").value = picked[0].value;
      form.querySelector("[name=b]").value = picked[1].value;
    });
  }

  function text(s) { var el = document.createElement("span"); el.textContent = s; return el; }
  function pct(x) { return (100 * x).toFixed(1) + "%"; }

  function drawMap(el, data) {
    var L = window.L, YM = window.YizhanMap;
    if (!L || !YM || !el) return null;
    // The data is WGS-84; every point goes through YM.toMap onto the tiles (GCJ-02 on Amap).
    function at(lat, lon) { return YM.toMap(lat, lon); }
    function ring(r) { return r.map(function (p) { return at(p[0], p[1]); }); }
    var map = L.map(el);
    // The view first: Leaflet places nothing on a map without one.
    var bounds = [];
    data.gaps.forEach(function (g) { ring(g.ring).forEach(function (p) { bounds.push(p); }); });
    data.stations.forEach(function (s) { bounds.push(at(s.lat, s.lon)); });
    data.sites.forEach(function (x) { bounds.push(at(x.lat, x.lon)); });
    if (bounds.length) map.fitBounds(bounds, { padding: [12, 12] });
    else map.setView(at(45.77, 126.62), 12);
    YM.addBase(map, { streets: data.streets });
    var top = data.gaps.reduce(function (m, g) { return Math.max(m, g.uncovered_share); }, 0) || 1;
    data.gaps.forEach(function (g) {
      var t = Math.min(1, g.uncovered_share / top);
      L.polygon(ring(g.ring), { stroke: false, fillColor: "#c0392b", fillOpacity: 0.12 + 0.6 * t })
        .bindTooltip(text(data.labels.gap + " " + pct(g.uncovered_share))).addTo(map);
    });
    data.overlaps.forEach(function (o) {
      L.polyline([at(o.a_lonlat[1], o.a_lonlat[0]), at(o.b_lonlat[1], o.b_lonlat[0])], { color: "#8e44ad", weight: 3, dashArray: "4 4" })
        .bindTooltip(text(data.labels.overlap + " " + o.a_name + " · " + o.b_name + " " + pct(o.share))).addTo(map);
    });
    data.stations.forEach(function (s) {
      L.circleMarker(at(s.lat, s.lon), { radius: 5, color: "#fff", weight: 1, fillColor: s.always ? "#0b6b2e" : "#1f4e99", fillOpacity: 1 })
        .bindTooltip(text(s.name + (s.always ? " · " + data.labels.always : ""))).addTo(map);
    });
    data.upgrades.forEach(function (u) {
      L.circleMarker(at(u.lonlat[1], u.lonlat[0]), { radius: 10, color: "#e67e22", weight: 3, fill: false })
        .bindTooltip(text(data.labels.upgrade + " · " + u.name)).addTo(map);
    });
    data.sites.forEach(function (x) {
      var icon = L.divIcon({ className: "pl-num", html: "", iconSize: [22, 22] });
      var m = L.marker(at(x.lat, x.lon), { icon: icon, keyboard: false }).addTo(map);
      m.getElement().textContent = String(x.rank);
      m.bindTooltip(text(data.labels.new + " #" + x.rank + " +" + pct(x.gain_share) + (x.place ? " · " + x.place : "")));
    });
    (data.bands || []).forEach(function (b) {
      b.sites.forEach(function (x) {
        L.circleMarker(at(x.lat, x.lon), { radius: 4, color: "#d4a017", weight: 2, fillOpacity: 0 })
          .bindTooltip(text(data.labels.mobile + " · " + b.label + (x.place ? " · " + x.place : ""))).addTo(map);
      });
    });
    return map;
  }

  function drawHours(el, data) {
    if (!window.echarts || !el || !data.by_hour.length) return;
    var x = [];
    for (var h = 0; h < 168; h++) x.push(data.labels.days[Math.floor(h / 24)] + " " + (h % 24) + ":00");
    var c = window.echarts.init(el, null, { renderer: "svg" });
    c.setOption({
      grid: { left: 44, right: 44, top: 30, bottom: 40 },
      legend: { top: 0 },
      tooltip: { trigger: "axis", valueFormatter: function (v) { return (100 * v).toFixed(1) + "%"; } },
      xAxis: { type: "category", data: x, axisLabel: { interval: 23 } },
      yAxis: [{ type: "value", min: 0, max: 1, axisLabel: { formatter: function (v) { return 100 * v + "%"; } } },
              { type: "value", axisLabel: { show: false }, splitLine: { show: false } }],
      series: [
        { name: data.labels.share, type: "line", data: data.by_hour, showSymbol: false, itemStyle: { color: "#7a1a14" }, areaStyle: { opacity: 0.08 } },
        { name: data.labels.demand, type: "bar", yAxisIndex: 1, data: data.demand_by_hour, itemStyle: { color: "#c8c8c8" } }
      ]
    });
    window.addEventListener("resize", function () { c.resize(); });
  }

  window.addEventListener("load", function () {
    var one = document.getElementById("pl-data");
    if (one) {
      var data = JSON.parse(one.textContent);
      drawMap(document.getElementById("pl-map"), data);
      drawHours(document.getElementById("pl-hours"), data);
    }
    var two = document.getElementById("pl-compare");
    if (two) {
      var maps = JSON.parse(two.textContent);
      document.querySelectorAll("[data-map]").forEach(function (el) { drawMap(el, maps[el.dataset.map]); });
    }
  });
})();
