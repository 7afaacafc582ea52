// Sizes of tiers and segments over the last runs (data from the page's json_script).
(function () {
  const source = document.getElementById("size-history");
  if (!source || typeof Chart === "undefined") return;
  const history = JSON.parse(source.textContent);
  function draw(id, series, title) {
    const canvas = document.getElementById(id);
    if (!canvas) return;
    new Chart(canvas, {
      type: "line",
      data: { labels: history.labels, datasets: series.map((s) => ({ label: s.label, data: s.data, tension: 0.2, spanGaps: true })) },
      options: { responsive: true, plugins: { title: { display: true, text: title } }, scales: { y: { beginAtZero: true } } },
    });
  }
  draw("chart-tiers", history.tiers, canvasTitle("chart-tiers"));
  draw("chart-segments", history.segments, canvasTitle("chart-segments"));
  function canvasTitle(id) { return document.getElementById(id).getAttribute("aria-label"); }
})();
