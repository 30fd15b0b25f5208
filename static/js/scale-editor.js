/* The scale editor's matrix, redrawn as the fields change (progressive enhancement: without
   JavaScript the Preview button asks the server for the same matrix). Builds DOM nodes, no
   inline styles (CSP): a band's colour is an SVG rect's fill, as in the server's table. */
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";

  function val(id) {
    var el = document.getElementById(id);
    return el ? el.value.trim() : "";
  }

  function bands(form) {
    var out = [];
    for (var i = 0; document.getElementById("bands-" + i + "-name"); i++) {
      var name = val("bands-" + i + "-name");
      var low = parseInt(val("bands-" + i + "-low"), 10);
      var high = parseInt(val("bands-" + i + "-high"), 10);
      if (name && low > 0 && high >= low) {
        out.push({name: name, low: low, high: high, colour: val("bands-" + i + "-colour")});
      }
    }
    return out;
  }

  function fill(colour) {
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("class", "fill");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.setAttribute("viewBox", "0 0 1 1");
    svg.setAttribute("preserveAspectRatio", "none");
    var rect = document.createElementNS(SVG, "rect");
    rect.setAttribute("width", "1");
    rect.setAttribute("height", "1");
    rect.setAttribute("fill", /^#[0-9a-fA-F]{6}$/.test(colour) ? colour : "#ffffff");
    svg.appendChild(rect);
    return svg;
  }

  function cellText(tag, text, scope) {
    var el = document.createElement(tag);
    el.textContent = text;
    if (scope) { el.setAttribute("scope", scope); el.className = "axis"; }
    return el;
  }

  function draw(box, form) {
    var size = parseInt(val("size"), 10);
    var table = box.querySelector("table");
    var body = table.querySelector("tbody"), head = table.querySelector("thead tr");
    body.textContent = "";
    head.textContent = "";
    if (!(size >= 2 && size <= 10)) { return; }
    var bs = bands(form);
    var corner = document.createElement("td");
    corner.className = "corner";
    head.appendChild(corner);
    for (var c = 1; c <= size; c++) {
      head.appendChild(cellText("th", c + " " + val("steps-" + (c - 1) + "-consequence"), "col"));
    }
    for (var l = size; l >= 1; l--) {
      var tr = document.createElement("tr");
      tr.appendChild(cellText("th", l + " " + val("steps-" + (l - 1) + "-likelihood"), "row"));
      for (c = 1; c <= size; c++) {
        var v = l * c, band = null;
        bs.forEach(function (b) { if (b.low <= v && v <= b.high) { band = b; } });
        var td = cellText("td", v + " \u2013 " + (band ? band.name : box.getAttribute("data-none")));
        td.className = "cell filled";
        td.appendChild(fill(band ? band.colour : ""));
        tr.appendChild(td);
      }
      body.appendChild(tr);
    }
    // tables.js makes a box that now scrolls reachable by keyboard
    window.dispatchEvent(new Event("resize"));
  }

  function init() {
    var box = document.querySelector("[data-live-scale]");
    if (!box) { return; }
    var form = box.closest("form");
    box.hidden = false;
    var pending = null;
    form.addEventListener("input", function () {
      if (pending) { window.clearTimeout(pending); }
      pending = window.setTimeout(function () { draw(box, form); }, 150);
    });
    draw(box, form);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
