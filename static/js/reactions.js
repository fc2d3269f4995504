// The Like, Boost and Bookmark buttons of posts/_post_actions.html: send the form with
// fetch (Accept: application/json) and update the pressed state and the counts in place.
// The button changes at once; if the server refuses or cannot be reached, it goes back
// and the post's status line (an aria-live region) says why. Without JavaScript the
// forms post and redirect back as usual.
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

  function isPressed(form) {
    return form.querySelector("button").getAttribute("aria-pressed") === "true";
  }

  // Every copy of this post's button on the page (a profile may show a post twice).
  function copiesOf(form) {
    return document.querySelectorAll('form[data-url-on="' + form.dataset.urlOn + '"]');
  }

  function showPressed(form, pressed) {
    var button = form.querySelector("button");
    var icon = button.querySelector("i");
    button.setAttribute("aria-pressed", String(pressed));
    button.title = pressed ? button.dataset.titleOn : button.dataset.titleOff;
    button.classList.toggle(button.dataset.classOn, pressed);
    button.classList.toggle("text-body-secondary", !pressed);
    icon.classList.remove(icon.dataset.iconOn, icon.dataset.iconOff);
    icon.classList.add(pressed ? icon.dataset.iconOn : icon.dataset.iconOff);
    form.action = pressed ? form.dataset.urlOff : form.dataset.urlOn;
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
  function apply(form, pressed, counts) {
    copiesOf(form).forEach(function (copy) {
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

  function send(form) {
    var kind = form.dataset.reaction;
    var actions = form.closest(".post-actions");
    var wasPressed = isPressed(form);
    var before = {};
    if (countOf[kind]) { before[countOf[kind]] = readCount(actions, countOf[kind]); }
    var guess = {};
    Object.keys(before).forEach(function (field) {
      if (before[field] !== null) { guess[field] = Math.max(before[field] + (wasPressed ? -1 : 1), 0); }
    });
    var url = form.action;

    form.dataset.busy = "1";
    showStatus(actions, "");
    apply(form, !wasPressed, guess);

    function undo(message) {
      apply(form, wasPressed, before);
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
            apply(form, data[stateOf[kind]], { like_count: data.like_count, boost_count: data.boost_count });
          } else {
            undo(failureMessage(response, data));
          }
        });
      })
      .catch(function () {
        undo(gettext("Could not reach the server. Check your connection and try again."));
      })
      .then(function () { delete form.dataset.busy; });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-reaction]");
    if (!form || !window.fetch) { return; }
    event.preventDefault();
    if (!form.dataset.busy) { send(form); } // a double click sends one request
  });
})();
