/* Wide tables scroll inside their own box, not the page (narrow windows, phones).
   Each table in <main> is wrapped in a div.table-scroll; a wrapper whose table is wider than
   it gets tabindex=0, role=region and the table's caption as its name, so that it can be
   scrolled with the keyboard and is announced. Without JavaScript, app.css lets the tables
   themselves scroll (html:not(.js)). */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var wrappers = [];

  function mark(wrap) {
    var table = wrap.firstElementChild;
    if (wrap.scrollWidth > wrap.clientWidth + 1) {
      var caption = table.querySelector("caption");
      wrap.setAttribute("tabindex", "0");
      wrap.setAttribute("role", "region");
      wrap.setAttribute("aria-label", caption ? caption.textContent.trim()
                                              : (wrap.getAttribute("data-label") || ""));
    } else {
      wrap.removeAttribute("tabindex");
      wrap.removeAttribute("role");
      wrap.removeAttribute("aria-label");
    }
  }

  function init() {
    document.querySelectorAll("main table").forEach(function (table) {
      var wrap = table.parentElement;
      if (!wrap.classList.contains("table-scroll")) {
        wrap = document.createElement("div");
        wrap.className = "table-scroll";
        table.parentNode.insertBefore(wrap, table);
        wrap.appendChild(table);
      }
      var heading = document.querySelector("main h1");
      wrap.setAttribute("data-label", heading ? heading.textContent.trim() : "");
      wrappers.push(wrap);
    });
    wrappers.forEach(mark);
  }

  var pending = null;
  window.addEventListener("resize", function () {
    if (pending) { window.cancelAnimationFrame(pending); }
    pending = window.requestAnimationFrame(function () { wrappers.forEach(mark); });
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
