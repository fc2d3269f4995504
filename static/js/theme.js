// The colour mode: the saved choice, or the system's, applied before the page paints (no
// flash); then every [data-theme-toggle] button (the user menu's, or the footer's for a
// visitor) is shown and switches it, and the choice is remembered in localStorage.
(function () {
  "use strict";
  var root = document.documentElement;
  var stored = null;
  try { stored = localStorage.getItem("theme"); } catch (e) { /* private mode */ }
  var dark = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
  root.setAttribute("data-bs-theme", stored || (dark ? "dark" : "light"));

  function isDark() { return root.getAttribute("data-bs-theme") === "dark"; }

  document.addEventListener("DOMContentLoaded", function () {
    var toggles = document.querySelectorAll("[data-theme-toggle]");
    // A toggle button: screen readers announce "pressed" while dark mode is on.
    function mark() {
      toggles.forEach(function (toggle) { toggle.setAttribute("aria-pressed", String(isDark())); });
    }
    toggles.forEach(function (toggle) {
      toggle.hidden = false;
      toggle.addEventListener("click", function () {
        var next = isDark() ? "light" : "dark";
        root.setAttribute("data-bs-theme", next);
        mark();
        try { localStorage.setItem("theme", next); } catch (e) { /* private mode */ }
      });
    });
    mark();
  });
})();
