// Draws each dashboard section's bar chart from the JSON beside it (the table next to it has the same figures).
(function () {
  "use strict";
  if (typeof Chart === "undefined") { return; }
  var colours = ["#0d6efd", "#6c757d", "#adb5bd"];
  document.querySelectorAll("canvas[id^='chart-']").forEach(function (canvas) {
    var source = document.getElementById(canvas.id.replace("chart-", "chart-data-"));
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    if (!data.labels.length) { canvas.remove(); return; }
    data.datasets.forEach(function (set, i) { set.backgroundColor = colours[i % colours.length]; });
    new Chart(canvas, {
      type: "bar",
      data: data,
      options: { responsive: true, animation: false, plugins: { legend: { position: "bottom" } } }
    });
  });
})();
