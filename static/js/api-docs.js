// Start Swagger UI on /api/docs with the schema URL the page names (no inline script), in
// the site's colour mode: Swagger UI's own dark styles hang on <html class="dark-mode">,
// which follows data-bs-theme (set by theme.js, and switched from the menu).
(function () {
  "use strict";
  var html = document.documentElement;
  function followTheme() { html.classList.toggle("dark-mode", html.getAttribute("data-bs-theme") === "dark"); }
  followTheme();
  new MutationObserver(followTheme).observe(html, { attributes: true, attributeFilter: ["data-bs-theme"] });

  var root = document.getElementById("swagger-ui");
  if (!root || !window.SwaggerUIBundle) { return; }
  window.SwaggerUIBundle({
    url: root.getAttribute("data-schema-url"),
    domNode: root,
    // Deep links would put a link inside each operation's toggle button (nested controls).
    deepLinking: false,
    persistAuthorization: false,
    // No calls to an outside validator: the page works offline and leaks nothing.
    validatorUrl: null
  });
})();
