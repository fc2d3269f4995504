// Private messages. The "To" field of the New message page: as you type, fill its
// <datalist> with the usernames that start with what you typed (GET
// /messages/recipients/?q=); without this script the field is a plain text box and the
// server checks the name on sending. A conversation page opens at its newest message,
// just above the reply box, as chat apps do.
(function () {
  "use strict";

  var DELAY = 150; // milliseconds after the last key, so fast typing asks once

  function start(input) {
    var list = document.getElementById(input.getAttribute("list"));
    if (!list) { return; }
    var timer = null;
    var asked = "";
    var pending = null;

    function fill(usernames) {
      var options = usernames.map(function (username) {
        var option = document.createElement("option");
        option.value = username; // never innerHTML: names are data
        return option;
      });
      list.replaceChildren.apply(list, options);
    }

    function suggest() {
      var prefix = input.value.trim().replace(/^@/, "");
      if (prefix === asked) { return; }
      asked = prefix;
      if (pending) { pending.abort(); }
      if (!prefix) { fill([]); return; }
      pending = new AbortController();
      var url = new URL(input.dataset.suggestionsUrl, window.location.href);
      url.searchParams.set("q", prefix);
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", signal: pending.signal })
        .then(function (response) { return response.ok ? response.json() : { usernames: [] }; })
        .then(function (answer) {
          if (prefix === asked) { fill(answer.usernames || []); }
        })
        .catch(function () { /* aborted or offline: the field still takes any name */ });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(suggest, DELAY);
    });
  }

  document.querySelectorAll("input[data-suggestions-url][list]").forEach(start);

  // After sending, the address names the new message (#message-<id>, for pages without
  // this script); it is the last one, right above the box, so the same place shows it.
  var reply = document.querySelector("[data-conversation-reply]");
  if (reply) {
    reply.scrollIntoView({ block: "end" });
  }
})();
