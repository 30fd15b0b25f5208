/* Draws every element with a data-figure (a plotly figure as JSON). No inline scripts.
   plotly.js (data-plotly on this script's tag) is fetched only when a figure is to be
   drawn: at once for a figure on show, on opening for one inside a closed <details>. */
(function () {
  "use strict";
  var me = document.currentScript;
  var plotlySrc = me ? me.getAttribute("data-plotly") : null;
  var waiting = null;

  function withPlotly(then) {
    if (window.Plotly) { then(); return; }
    if (waiting) { waiting.push(then); return; }
    if (!plotlySrc) { return; }
    waiting = [then];
    var s = document.createElement("script");
    s.src = plotlySrc;
    s.onload = function () {
      var queued = waiting;
      waiting = [];
      queued.forEach(function (f) { f(); });
    };
    document.head.appendChild(s);
  }

  function draw(el) {
    if (el.hasAttribute("data-drawing")) { return; }
    el.setAttribute("data-drawing", "true");
    withPlotly(function () {
      var fig = JSON.parse(el.getAttribute("data-figure"));
      window.Plotly.newPlot(el, fig.data, fig.layout, fig.config || {}).then(function () {
        el.setAttribute("data-rendered", "true");
      });
    });
  }

  function init() {
    document.querySelectorAll("[data-figure]").forEach(function (el) {
      var box = el.closest("details");
      if (box && !box.open) {
        box.addEventListener("toggle", function () { if (box.open) { draw(el); } });
      } else {
        draw(el);
      }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
