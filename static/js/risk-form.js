/* Risk forms, progressive enhancement (the forms work without it):
   - [data-live-value]: the risk value and band of the chosen likelihood and consequence;
   - [data-kind-select]: a new risk shows only the fields of the chosen kind
     (elements with data-kind="..."; without JavaScript all are shown, each labelled). */
(function () {
  "use strict";

  function liveValue(box) {
    var l = document.getElementById(box.getAttribute("data-likelihood"));
    var c = document.getElementById(box.getAttribute("data-consequence"));
    var bands = JSON.parse(box.getAttribute("data-bands"));
    var text = box.querySelector(".live-text");
    var rect = box.querySelector("svg.fill rect");
    if (!l || !c || !text) { return; }
    function update() {
      var li = parseInt(l.value, 10), co = parseInt(c.value, 10);
      if (!(li > 0 && co > 0)) {
        text.textContent = box.getAttribute("data-empty");
        if (rect) { rect.setAttribute("fill", "#ffffff"); }
        return;
      }
      var value = li * co, band = null;
      bands.forEach(function (b) { if (b.low <= value && value <= b.high) { band = b; } });
      text.textContent = li + " \u00d7 " + co + " = " + value + (band ? " \u2013 " + band.name : "");
      if (rect) { rect.setAttribute("fill", band ? band.colour : "#ffffff"); }
    }
    l.addEventListener("change", update);
    c.addEventListener("change", update);
    update();
  }

  function kindFields(select) {
    var form = select.form;
    function update() {
      form.querySelectorAll("[data-kind]").forEach(function (el) {
        el.hidden = el.getAttribute("data-kind") !== select.value;
      });
    }
    select.addEventListener("change", update);
    update();
  }

  function init() {
    document.querySelectorAll("[data-live-value]").forEach(liveValue);
    document.querySelectorAll("select[data-kind-select]").forEach(kindFields);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
