// The Like, Boost and Bookmark buttons of posts/_post_actions.html: each submits the
// page's #actions-form to its own formaction. Here that form is sent with fetch
// (Accept: application/json) and the pressed state and the counts change in place.
// The button changes at once; if the server refuses or cannot be reached, it goes back
// and the post's status line (an aria-live region) says why. Without JavaScript the
// form posts and the page comes back as usual.
(function () {
  "use strict";

  // Named gettext/ngettext so that makemessages finds the strings below.
  var gettext = window.gettext || function (text) { return text; };
  var ngettext = window.ngettext || function (one, many, count) { return count === 1 ? one : many; };
  var interpolate = window.interpolate || function (format, values) { return format.replace("%s", values[0]); };

  // The plural text read out with each count (the digits themselves are aria-hidden).
  var countLabels = {
    like_count: function (count) { return interpolate(ngettext("%s like", "%s likes", count), [count]); },
    boost_count: function (count) { return interpolate(ngettext("%s boost", "%s boosts", count), [count]); }
  };
  // Which count each kind of button moves, for the immediate update before the answer.
  var countOf = { like: "like_count", boost: "boost_count" };
  // The JSON field that holds each button's state.
  var stateOf = { like: "liked", boost: "boosted", bookmark: "bookmarked" };

  function isPressed(button) {
    return button.getAttribute("aria-pressed") === "true";
  }

  // Every copy of this post's button on the page (a profile may show a post twice).
  function copiesOf(button) {
    return document.querySelectorAll('button[data-url-on="' + button.dataset.urlOn + '"]');
  }

  function showPressed(button, pressed) {
    var icon = button.querySelector("i");
    button.setAttribute("aria-pressed", String(pressed));
    button.title = pressed ? button.dataset.titleOn : button.dataset.titleOff;
    button.classList.toggle(button.dataset.classOn, pressed);
    button.classList.toggle("text-body-secondary", !pressed);
    icon.classList.remove(icon.dataset.iconOn, icon.dataset.iconOff);
    icon.classList.add(pressed ? icon.dataset.iconOn : icon.dataset.iconOff);
    button.setAttribute("formaction", pressed ? button.dataset.urlOff : button.dataset.urlOn);
  }

  function showCount(actions, field, count) {
    var link = actions.querySelector('[data-count="' + field + '"]');
    if (!link || typeof count !== "number") { return; }
    link.querySelector('[aria-hidden="true"]').textContent = String(count);
    link.querySelector(".visually-hidden").textContent = countLabels[field](count);
  }

  function readCount(actions, field) {
    var link = actions.querySelector('[data-count="' + field + '"]');
    return link ? parseInt(link.querySelector('[aria-hidden="true"]').textContent, 10) || 0 : null;
  }

  function showStatus(actions, message) {
    var status = actions.querySelector(".reaction-status");
    if (status) { status.textContent = message; }
  }

  // Put the page in a state: pressed or not, with these counts, on every copy of the post.
  function apply(button, pressed, counts) {
    copiesOf(button).forEach(function (copy) {
      showPressed(copy, pressed);
      var actions = copy.closest(".post-actions");
      Object.keys(counts).forEach(function (field) { showCount(actions, field, counts[field]); });
    });
  }

  function failureMessage(response, data) {
    if (data && typeof data.message === "string" && data.message) { return data.message; }
    if (response.status === 404) { return gettext("This post is no longer available."); }
    return gettext("Sorry, that did not work. Please try again.");
  }

  function send(form, button) {
    var kind = button.dataset.reaction;
    var actions = button.closest(".post-actions");
    var wasPressed = isPressed(button);
    var before = {};
    if (countOf[kind]) { before[countOf[kind]] = readCount(actions, countOf[kind]); }
    var guess = {};
    Object.keys(before).forEach(function (field) {
      if (before[field] !== null) { guess[field] = Math.max(before[field] + (wasPressed ? -1 : 1), 0); }
    });
    var url = button.formAction;

    button.dataset.busy = "1";
    showStatus(actions, "");
    apply(button, !wasPressed, guess);

    function undo(message) {
      apply(button, wasPressed, before);
      showStatus(actions, message);
    }

    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": form.querySelector("input[name=csrfmiddlewaretoken]").value },
      body: new FormData(form)
    })
      .then(function (response) {
        return response.json().catch(function () { return null; }).then(function (data) {
          if (response.ok && data && typeof data[stateOf[kind]] === "boolean") {
            apply(button, data[stateOf[kind]], { like_count: data.like_count, boost_count: data.boost_count });
          } else {
            undo(failureMessage(response, data));
          }
        });
      })
      .catch(function () {
        undo(gettext("Could not reach the server. Check your connection and try again."));
      })
      .then(function () { delete button.dataset.busy; });
  }

  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (!button || !button.dataset.reaction || !window.fetch) { return; }
    event.preventDefault();
    if (!button.dataset.busy) { send(event.target, button); } // a double click sends one request
  });
})();
