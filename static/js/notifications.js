// Polls /notifications/ while the tab is visible (every NOTIFICATIONS_POLL_SECONDS, from
// the nav's data-poll-interval in milliseconds; 10 s by default), keeps the
// unread-messages badge current (every answer starts with the count read from the user
// row, the column the server-rendered badge shows) and hands other notifications to
// registered handlers:
//   microblog.notifications.on("task_progress", function (data) { ... });
(function () {
  "use strict";

  var nav = document.querySelector("nav[data-notifications-url]");
  var url = nav && nav.dataset.notificationsUrl;
  var handlers = {};
  var since = 0;
  var timer = null;
  var INTERVAL = (nav && parseInt(nav.dataset.pollInterval, 10)) || 10000;

  function on(name, handler) { (handlers[name] = handlers[name] || []).push(handler); }

  on("unread_message_count", function (count) {
    // The navbar's badge, and the phone-size one beside the folded menu.
    document.querySelectorAll("[data-unread-badge]").forEach(function (badge) {
      badge.textContent = count;
      badge.hidden = !count;
    });
    // "Messages 2 unread" to a screen reader, plain "Messages" when there are none.
    document.querySelectorAll("[data-unread-label]").forEach(function (label) { label.hidden = !count; });
  });

  function poll() {
    fetch(url + "?since=" + encodeURIComponent(since), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : []; })
      .then(function (notifications) {
        notifications.forEach(function (notification) {
          since = Math.max(since, notification.timestamp);
          (handlers[notification.name] || []).forEach(function (handler) { handler(notification.data); });
        });
      })
      .catch(function () { /* offline for a moment: the next poll catches up */ })
      .then(schedule);
  }

  function schedule() {
    clearTimeout(timer);
    if (!document.hidden) { timer = setTimeout(poll, INTERVAL); }
  }

  window.microblog = window.microblog || {};
  window.microblog.notifications = { on: on, poll: poll };

  if (url) {
    document.addEventListener("visibilitychange", function () {
      if (document.hidden) { clearTimeout(timer); } else { poll(); }
    });
    document.addEventListener("DOMContentLoaded", poll);
  }
})();
