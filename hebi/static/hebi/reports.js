// Draws the report charts. Each chart is a <div data-chart="ID" hidden> whose ECharts option
// the server embedded as <script id="ID" type="application/json"> (Django's json_script).
// Without JavaScript, or if ECharts failed to load, the divs stay hidden and the tables beside
// them carry the same figures.
(function () {
  "use strict";

  function draw() {
    if (typeof window.echarts === "undefined") {
      return;
    }
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (box) {
      var source = document.getElementById(box.getAttribute("data-chart"));
      if (!source) {
        return;
      }
      var option;
      try {
        option = JSON.parse(source.textContent);
      } catch (error) {
        return;
      }
      box.hidden = false;
      var chart = window.echarts.init(box, null, { renderer: "svg" });
      chart.setOption(option);
      charts.push(chart);
    });
    var pending = null;
    window.addEventListener("resize", function () {
      window.clearTimeout(pending);
      pending = window.setTimeout(function () {
        charts.forEach(function (chart) {
          chart.resize();
        });
      }, 150);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
