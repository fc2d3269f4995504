// Start Swagger UI on /api/docs with the schema URL the page names (no inline script).
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  if (!root || !window.SwaggerUIBundle) { return; }
  window.SwaggerUIBundle({
    url: root.getAttribute("data-schema-url"),
    domNode: root,
    deepLinking: true,
    persistAuthorization: false,
    // No calls to an outside validator: the page works offline and leaks nothing.
    validatorUrl: null
  });
})();
