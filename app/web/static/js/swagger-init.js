/* Starts Swagger UI for /docs (an external file: the Content-Security-Policy forbids inline
   scripts). Calls made from "Try it out" use the session cookie; unsafe methods carry the
   session's CSRF token from the page's meta tag. */
(function () {
  "use strict";
  if (typeof SwaggerUIBundle === "undefined") return;
  var meta = document.querySelector("meta[name=csrf-token]");
  var csrf = meta ? meta.getAttribute("content") : "";
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    validatorUrl: null,
    tryItOutEnabled: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
    requestInterceptor: function (req) {
      if (csrf && req.method && req.method.toUpperCase() !== "GET") req.headers["X-CSRF-Token"] = csrf;
      return req;
    }
  });
})();
