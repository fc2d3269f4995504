// Polls /notifications/ while the tab is visible (every NOTIFICATIONS_POLL_SECONDS, from
// the nav's data-poll-interval in milliseconds; 10 s by default), keeps the
// unread-messages and notifications badges current (every answer starts with the two
// counts read from the user row, the columns the server-rendered badges show) and hands
// other notifications to registered handlers:
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

  // Show `count` in the badges marked `badge` (the navbar's, and the phone's bottom bar's);
  // the screen-reader word "unread" after them (`label`) goes with it,
  // so a link reads "Messages 2 unread", or plain "Messages" when there are none.
  function showCount(badge, label, count) {
    document.querySelectorAll("[" + badge + "]").forEach(function (element) {
      element.textContent = count;
      element.hidden = !count;
    });
    document.querySelectorAll("[" + label + "]").forEach(function (element) { element.hidden = !count; });
  }

  on("unread_message_count", function (count) { showCount("data-unread-badge", "data-unread-label", count); });
  on("unread_activity_count", function (count) { showCount("data-activity-badge", "data-activity-label", count); });

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
