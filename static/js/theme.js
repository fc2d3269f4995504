// Apply the saved or preferred colour mode before the page paints (no flash).
(function () {
  "use strict";
  var stored = null;
  try { stored = localStorage.getItem("theme"); } catch (e) { /* private mode */ }
  var dark = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
  document.documentElement.setAttribute("data-bs-theme", stored || (dark ? "dark" : "light"));
})();
