// The "Translate" buttons of posts/_post.html: ask POST /translate/ and put the answer
// where the button was, without a reload. Strings come from Django's JavaScript catalog.
(function () {
  "use strict";

  // Named gettext so that makemessages finds the strings below.
  var gettext = window.gettext || function (text) { return text; };

  // Django's CSRF token: the csrftoken cookie, or a form's hidden field as a fallback
  // (a site may make the cookie HttpOnly).
  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) { return decodeURIComponent(match[1]); }
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function show(button, text, options) {
    var result = document.createElement("span");
    result.textContent = text; // never innerHTML: the translation is untrusted text
    if (options.lang) { result.lang = options.lang; }
    if (options.error) { result.className = "text-danger"; }
    button.replaceWith(result);
  }

  function translate(button) {
    button.disabled = true;
    button.textContent = gettext("Translating…");
    fetch(button.dataset.translateUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({
        text: button.dataset.text,
        source_language: button.dataset.sourceLanguage,
        dest_language: button.dataset.destLanguage
      })
    })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          if (response.ok && typeof data.text === "string") {
            show(button, data.text, { lang: button.dataset.destLanguage });
          } else {
            show(button, data.message || gettext("Sorry, the translation failed. Please try again later."), { error: true });
          }
        });
      })
      .catch(function () {
        show(button, gettext("Could not reach the server. Check your connection and try again."), { error: true });
      });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-translate-url]");
    if (button && !button.disabled) { translate(button); }
  });
})();
