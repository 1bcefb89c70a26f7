// Evaluation pages: follow a run's progress until it finishes (then show the results),
// and draw a station's score over the months. Everything reads without it.
(function () {
  "use strict";
  function poll(li) {
    var bar = li.querySelector("progress");
    var label = li.querySelector(".run-status");
    fetch(li.dataset.progress, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (p) {
        if (bar) bar.value = p.percent;
        if (label) label.textContent = p.status_label + (p.status === "running" ? " " + p.percent + "%" : "");
        if (p.status === "done" || p.status === "failed") { window.location.reload(); return; }
        window.setTimeout(function () { poll(li); }, 2000);
      })
      .catch(function () { window.setTimeout(function () { poll(li); }, 5000); });
  }
  document.querySelectorAll(".run[data-progress]").forEach(function (li) {
    if (li.dataset.status === "queued" || li.dataset.status === "running") poll(li);
  });
  window.addEventListener("load", function () {
    var el = document.getElementById("ev-history");
    var src = document.getElementById("ev-history-data");
    if (!el || !src || !window.echarts) return;
    var data = JSON.parse(src.textContent);
    var c = window.echarts.init(el, null, { renderer: "svg" });
    c.setOption({
      grid: { left: 36, right: 12, top: 24, bottom: 24 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: data.months },
      yAxis: { type: "value", min: 0, max: 100 },
      series: [{ name: data.label, type: "line", data: data.scores, itemStyle: { color: "#7a1a14" },
        markLine: { silent: true, symbol: "none", data: [{ yAxis: 60 }], lineStyle: { color: "#a1110a", type: "dashed" } } }]
    });
    window.addEventListener("resize", function () { c.resize(); });
  });
})();
