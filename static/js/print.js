/* The board view's print button (no inline handlers: the CSP forbids them). */
document.addEventListener("click", function (event) {
  var target = event.target.closest("[data-action='print']");
  if (target) { window.print(); }
});
