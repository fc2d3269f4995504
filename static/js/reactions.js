// The buttons of posts/_post_actions.html: each submits the page's #actions-form to its
// own formaction. Here that form is sent with microblog.send (app.js) instead.
// Like, Boost and Bookmark change their pressed state and the counts in place: the button
// changes at once, and if the server refuses or cannot be reached it goes back and the
// page's live region says why. Delete (after its data-confirm question, app.js) takes
// the post off the page once the server has deleted it, and says so in the live region;
// on failure the post stays and the live region says why. Without JavaScript the form
// posts and the page comes back as usual.
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

  // Put the page in a state: pressed or not, with these counts, on every copy of the post.
  function apply(button, pressed, counts) {
    copiesOf(button).forEach(function (copy) {
      showPressed(copy, pressed);
      var actions = copy.closest(".post-actions");
      Object.keys(counts).forEach(function (field) { showCount(actions, field, counts[field]); });
    });
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
    apply(button, !wasPressed, guess);

    window.microblog.send(form, url, gettext("This post is no longer available."))
      .then(function (data) {
        if (typeof data[stateOf[kind]] !== "boolean") { throw new Error(gettext("Sorry, that did not work. Please try again.")); }
        apply(button, data[stateOf[kind]], { like_count: data.like_count, boost_count: data.boost_count });
      })
      .catch(function (error) {
        apply(button, wasPressed, before);
        window.microblog.announce(error.message);
      })
      .then(function () { delete button.dataset.busy; });
  }

  // Take every copy of a deleted post off the page (a profile may show a post twice),
  // and put the focus on the post that followed it, or on the page's heading.
  function removePost(id) {
    var copies = document.querySelectorAll('article.post[id="post-' + id + '"]');
    var active = document.activeElement;
    var next = null;
    copies.forEach(function (article) {
      if (article.contains(active)) {
        var sibling = article.nextElementSibling;
        while (sibling && sibling.matches('[id="post-' + id + '"]')) { sibling = sibling.nextElementSibling; }
        next = sibling && sibling.matches("article.post") ? sibling : null;
      }
    });
    copies.forEach(function (article) { article.remove(); });
    var target = next || document.querySelector("main h1");
    if (target && !document.body.contains(active)) {
      target.setAttribute("tabindex", "-1");
      target.focus();
    }
  }

  function deletePost(form, button) {
    button.dataset.busy = "1";
    window.microblog.send(form, button.formAction, gettext("This post is no longer available."))
      .then(function (data) {
        removePost(data.id);
        window.microblog.showCounts(data.counts);
        window.microblog.announce(data.message);
      }, function (error) {
        window.microblog.announce(error.message);
      })
      .then(function () { delete button.dataset.busy; });
  }

  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    // A Delete whose question was answered "Cancel" (app.js) stops here.
    if (event.defaultPrevented || !button || !window.fetch || !window.microblog) { return; }
    if (button.dataset.reaction) {
      event.preventDefault();
      if (!button.dataset.busy) { send(event.target, button); } // a double click sends one request
    } else if (button.dataset.postAction === "delete") {
      event.preventDefault();
      if (!button.dataset.busy) { deletePost(event.target, button); }
    }
  });
})();
