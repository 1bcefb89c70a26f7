// A table wider than the screen scrolls sideways inside its .table-wrap; a keyboard user
// can only scroll it if the wrapper takes focus (WCAG 2.1.1). Each wrapper that scrolls
// becomes a focusable region named after its caption or heading; one that fits does not
// (no extra tab stop on a desk). Checked again when the window changes size.
(function () {
  "use strict";
  function heading(wrap) {
    var caption = wrap.querySelector("caption");
    if (caption) return caption.textContent;
    for (var el = wrap.previousElementSibling; el; el = el.previousElementSibling) {
      if (/^H[1-6]$/.test(el.tagName)) return el.textContent;
    }
    var section = wrap.closest("[aria-labelledby]");
    var title = section && document.getElementById(section.getAttribute("aria-labelledby"));
    return title ? title.textContent : "";
  }
  function mark() {
    document.querySelectorAll(".table-wrap").forEach(function (wrap) {
      var scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
      if (scrolls && !wrap.hasAttribute("tabindex")) {
        wrap.tabIndex = 0;
        wrap.dataset.scrollFocus = "1";
        var name = heading(wrap).trim();
        if (name && !wrap.hasAttribute("role")) {
          wrap.setAttribute("role", "region");
          wrap.setAttribute("aria-label", name);
        }
      } else if (!scrolls && wrap.dataset.scrollFocus) {
        wrap.removeAttribute("tabindex");
        delete wrap.dataset.scrollFocus;
        if (wrap.getAttribute("role") === "region") {
          wrap.removeAttribute("role");
          wrap.removeAttribute("aria-label");
        }
      }
    });
  }
  mark();
  window.addEventListener("load", mark);
  window.addEventListener("resize", mark);
})();
