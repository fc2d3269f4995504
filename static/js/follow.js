// The follow buttons of accounts/_follow_button.html (profile header, user popups, follow
// lists, search results, suggestions): the form is sent with microblog.send (app.js) and
// every button for that person changes in place, with the count blocks that show them
// (accounts/_counts.html, _follower_count.html, fresh from the server) and one sentence in the page's live
// region ("You follow @ana"). The button changes at once; if the server refuses or
// cannot be reached it goes back and the live region says why. Without JavaScript the
// form posts and the page comes back with a message, as before.
(function () {
  "use strict";

  // Named gettext so that makemessages finds the strings below.
  var gettext = window.gettext || function (text) { return text; };

  function selectorFor(attribute, username) {
    return "[" + attribute + '="' + CSS.escape(username) + '"]';
  }

  // Every follow form for `username` shows `following`, and posts to the other URL next.
  function showFollowing(username, following) {
    document.querySelectorAll("form.follow-form" + selectorFor("data-follow-for", username)).forEach(function (form) {
      var button = form.querySelector(".follow-button");
      form.setAttribute("action", following ? form.dataset.unfollowUrl : form.dataset.followUrl);
      button.classList.toggle("is-following", following);
      button.classList.toggle("btn-outline-secondary", following);
      button.classList.toggle("btn-primary", !following);
    });
  }

  // Just pressed: the button reads "Following" (not "Unfollow") until the pointer or the
  // focus leaves it, so the click's own hover does not offer to undo it at once.
  function markFresh(button) {
    button.dataset.fresh = "1";
    function clear() {
      delete button.dataset.fresh;
      button.removeEventListener("mouseleave", clear);
      button.removeEventListener("blur", clear);
    }
    button.addEventListener("mouseleave", clear);
    button.addEventListener("blur", clear);
  }

  function send(form) {
    var username = form.dataset.followFor;
    var button = form.querySelector(".follow-button");
    var wasFollowing = button.classList.contains("is-following");
    var url = wasFollowing ? form.dataset.unfollowUrl : form.dataset.followUrl;

    form.dataset.busy = "1";
    showFollowing(username, !wasFollowing);
    if (!wasFollowing) { markFresh(button); }

    window.microblog.send(form, url, gettext("This account is no longer available."))
      .then(function (data) {
        var following = data.following === true;
        showFollowing(username, following);
        window.microblog.showCounts(data.counts);
        window.microblog.announce(data.message);
        document.dispatchEvent(new CustomEvent("microblog:follow", { detail: { username: username, following: following } }));
      }, function (error) {
        showFollowing(username, wasFollowing);
        window.microblog.announce(error.message);
      })
      .then(function () { delete form.dataset.busy; });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !form.matches("form.follow-form") || !window.fetch || !window.microblog) { return; }
    event.preventDefault();
    if (!form.dataset.busy) { send(form); } // a double click sends one request
  });
})();
