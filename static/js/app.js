// Microblog's own behaviour: relative times, user popups, the character counter,
// confirmations, the language switch, the colour-mode toggle, and the two helpers of the
// buttons that act in place (microblog.send, .announce, .showCounts). No inline scripts.
(function () {
  "use strict";

  var lang = document.documentElement.lang || "en";

  // --- Relative times: the server renders "3 minutes ago", or the date past a week; we keep it fresh. ---
  var week = 604800; // posts/rendering.py SHOW_DATE_AFTER
  var units = [["year", 31536000], ["month", 2592000], ["week", 604800], ["day", 86400],
               ["hour", 3600], ["minute", 60], ["second", 1]];
  var relative = window.Intl && Intl.RelativeTimeFormat ? new Intl.RelativeTimeFormat(lang, { numeric: "auto" }) : null;
  var absolute = window.Intl ? new Intl.DateTimeFormat(lang, { dateStyle: "full", timeStyle: "short" }) : null;

  function refreshTimes(root) {
    if (!relative) { return; }
    (root || document).querySelectorAll("time[data-relative]").forEach(function (el) {
      var when = new Date(el.getAttribute("datetime"));
      if (isNaN(when)) { return; }
      if (absolute) { el.title = absolute.format(when); } // the viewer's own time zone
      var seconds = Math.round((when - Date.now()) / 1000);
      // Past a week, the date the server wrote ("20 Nov"), as reltime() shows it.
      if (seconds <= -week && el.dataset.date) {
        el.textContent = el.dataset.date;
        return;
      }
      for (var i = 0; i < units.length; i++) {
        if (Math.abs(seconds) >= units[i][1] || units[i][0] === "second") {
          el.textContent = Math.abs(seconds) < 45 && units[i][0] !== "year"
            ? relative.format(0, "second")
            : relative.format(Math.round(seconds / units[i][1]), units[i][0]);
          break;
        }
      }
    });
  }

  // --- User popups: load the card once per element, when the pointer rests. ---
  function setUpPopup(link) {
    var timer = null, popover = null, loading = false, card = null, holder = null;
    function show() {
      if (popover) { popover.show(); return; }
      if (loading) { return; }
      loading = true;
      fetch(link.dataset.popupUrl, { credentials: "same-origin" })
        .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.text(); })
        .then(function (html) {
          var content = document.createElement("div");
          content.innerHTML = html; // our own server-escaped fragment
          refreshTimes(content);
          // The fragment's forms come back here, not to the fragment's own URL.
          content.querySelectorAll('input[name="next"]').forEach(function (input) {
            input.value = window.location.pathname + window.location.search;
          });
          card = content;
          // The card sits in the page right after the name (not at the end of <body>),
          // so Tab goes from the name into the card, to its links and follow button.
          if (!holder) {
            holder = document.createElement("span");
            holder.className = "user-popup-holder";
            link.after(holder);
          }
          // A DOM node is not sanitized, so the follow form and button keep working.
          popover = new bootstrap.Popover(link, { content: content, html: true, trigger: "manual", placement: "auto", sanitize: false, container: holder });
          // The pointer may move onto the card (to press Follow) without closing it.
          link.addEventListener("inserted.bs.popover", function () {
            var tip = popover.tip;
            if (tip && !tip.dataset.watched) {
              tip.dataset.watched = "1";
              tip.addEventListener("mouseenter", function () { clearTimeout(timer); });
              tip.addEventListener("mouseleave", hideSoon);
              // Focus leaving the card (past its last button, or back before the name) closes it.
              tip.addEventListener("focusin", function () { clearTimeout(timer); });
              tip.addEventListener("focusout", function (event) {
                var to = event.relatedTarget;
                if (!(to && (tip.contains(to) || to === link))) { hideSoon(); }
              });
            }
          });
          // The pointer or focus may have left while the card loaded.
          if (link.matches(":hover") || document.activeElement === link) { popover.show(); }
        })
        .catch(function () { loading = false; });
    }
    function hideSoon() {
      clearTimeout(timer);
      timer = setTimeout(function () { if (popover) { popover.hide(); } }, 300);
    }
    // A follow elsewhere on the page makes a closed card stale (its button, its counts):
    // drop it, and the next hover loads it again. An open card was changed in place.
    document.addEventListener("microblog:follow", function (event) {
      if (!popover || link.getAttribute("aria-describedby")) { return; }
      if (card.querySelector('form[data-follow-for="' + CSS.escape(event.detail.username) + '"]')) {
        popover.dispose();
        popover = card = null;
        loading = false;
      }
    });
    link.addEventListener("mouseenter", function () { clearTimeout(timer); timer = setTimeout(show, 400); });
    link.addEventListener("mouseleave", hideSoon);
    link.addEventListener("focus", function () {
      clearTimeout(timer);
      if (link.dataset.popupDismissed) { delete link.dataset.popupDismissed; return; }
      timer = setTimeout(show, 400);
    });
    // A card opened by focus goes when focus moves on, unless it moves into the card.
    link.addEventListener("blur", function (event) {
      var tip = document.getElementById(link.getAttribute("aria-describedby"));
      if (!(tip && event.relatedTarget && tip.contains(event.relatedTarget))) { hideSoon(); }
    });
  }

  // Escape closes any open card, wherever focus or the pointer is (WCAG 1.4.13).
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || !window.bootstrap) { return; }
    document.querySelectorAll("a.user-popup[aria-describedby]").forEach(function (link) {
      var popover = bootstrap.Popover.getInstance(link);
      if (!popover) { return; }
      // Focus inside the card goes back to the name, rather than to nowhere.
      popover.hide();
      if (popover.tip && popover.tip.contains(document.activeElement)) {
        link.dataset.popupDismissed = "1"; // this focus must not open the card again
        link.focus();
      }
    });
  });

  // --- Character counter for textareas with data-char-counter="<max>". ---
  // The rule of posts/body.py: line breaks count as one, whitespace and invisible format
  // characters (Unicode Cf) at the ends do not count, and the unit is the code point
  // ([...text]), so an emoji family is 7 here as on the server, not 11 UTF-16 units.
  var blank = /^[\s\x1c-\x1f\x85\p{Cf}]$/u; // Python's str.isspace(), or category Cf

  function bodyLength(text) {
    var chars = [...text.replace(/\r\n?/g, "\n")];
    var start = 0, end = chars.length;
    while (start < end && blank.test(chars[start])) { start++; }
    while (end > start && blank.test(chars[end - 1])) { end--; }
    return end - start;
  }

  function setUpCounter(field) {
    var output = document.querySelector('[data-char-counter-for="' + field.id + '"]');
    var max = parseInt(field.getAttribute("data-char-counter"), 10);
    if (!output || !max) { return; }
    function update() {
      var length = bodyLength(field.value);
      var left = max - length;
      // Past the limit the count goes negative and red; nothing is cut, so a long paste
      // can be trimmed by hand (the server refuses it and keeps the text).
      output.textContent = interpolate(ngettext("%s character left", "%s characters left", Math.abs(left)), [left]);
      output.classList.toggle("text-danger", left < 0);
      output.classList.toggle("text-body-secondary", left >= 0);
      // Forms that validate in the browser then refuse to submit and say why.
      if (left < 0) {
        field.setCustomValidity(output.textContent);
      } else if (field.value && !length) {
        field.setCustomValidity(gettext("Write something first: it cannot be empty."));
      } else {
        field.setCustomValidity("");
      }
    }
    field.addEventListener("input", update);
    update();
  }

  // A field's error is about what it held: typing in it takes the error away.
  document.addEventListener("input", function (event) {
    var field = event.target;
    if (!field.classList || !field.classList.contains("is-invalid")) { return; }
    field.classList.remove("is-invalid");
    field.removeAttribute("aria-invalid");
    var error = document.getElementById(field.id + "_error");
    if (error) { error.remove(); }
    var described = (field.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
      return id && id !== field.id + "_error";
    });
    if (described.length) { field.setAttribute("aria-describedby", described.join(" ")); } else { field.removeAttribute("aria-describedby"); }
  });

  // --- In-place actions (reactions.js, follow.js): one way to send, one place to say what happened. ---
  // The page's one live region (templates/base.html): a short sentence, read out politely
  // and shown at the foot of the window for a few seconds.
  var statusTimer = null;

  function announce(message) {
    var region = document.getElementById("page-status");
    if (!region || !message) { return; }
    clearTimeout(statusTimer);
    // Emptied first and filled a moment later, so the same sentence twice is read twice.
    region.textContent = "";
    statusTimer = setTimeout(function () {
      region.textContent = message;
      statusTimer = setTimeout(function () { region.textContent = ""; }, 8000);
    }, 100);
  }

  function failureMessage(status, data, missing) {
    if (data && typeof data.message === "string" && data.message) { return data.message; }
    if (status === 404 && missing) { return missing; }
    if (status === 403) { return gettext("Your session has expired. Reload the page and try again."); }
    if (status === 429) { return gettext("Too many clicks in a short time. Please wait a moment and try again."); }
    return gettext("Sorry, that did not work. Please try again.");
  }

  // POST `form` to `url` asking for JSON (microblog/fetch.py answers). Resolves with the
  // answer's object; rejects with an Error whose message says why, for announce().
  // `missing` is the sentence for a 404 that carries none.
  function send(form, url, missing) {
    var token = form.querySelector("input[name=csrfmiddlewaretoken]");
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": token ? token.value : "" },
      body: new FormData(form)
    })
      .catch(function () {
        throw new Error(gettext("Could not reach the server. Check your connection and try again."));
      })
      .then(function (response) {
        return response.json().catch(function () { return null; }).then(function (data) {
          if (response.ok && data) { return data; }
          throw new Error(failureMessage(response.status, data, missing));
        });
      });
  }

  // Replace each count block on the page with the server's fresh one: `counts` is
  // {username: {block name: HTML}} (accounts/fragments.py), each block marked
  // data-count-for and data-count-block.
  function showCounts(counts) {
    Object.keys(counts || {}).forEach(function (username) {
      Object.keys(counts[username]).forEach(function (name) {
        var selector = '[data-count-for="' + CSS.escape(username) + '"][data-count-block="' + CSS.escape(name) + '"]';
        document.querySelectorAll(selector).forEach(function (block) {
          var holder = document.createElement("div");
          holder.innerHTML = counts[username][name]; // our own server-escaped fragment
          if (holder.firstElementChild) { block.replaceWith(holder.firstElementChild); }
        });
      });
    });
  }

  // A button with data-confirm (a post's Delete) asks first; it submits the page's
  // #actions-form, so the question is read from the button that sent it.
  document.addEventListener("submit", function (event) {
    var question = event.submitter && event.submitter.dataset.confirm;
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });

  document.addEventListener("DOMContentLoaded", function () {
    refreshTimes();
    setInterval(refreshTimes, 60000);
    document.querySelectorAll("a.user-popup[data-popup-url]").forEach(setUpPopup);
    document.querySelectorAll("textarea[data-char-counter]").forEach(setUpCounter);


    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      var fallback = select.form.querySelector("[data-autosubmit-fallback]");
      if (fallback) { fallback.hidden = true; } // not visually-hidden: that stays a tab stop
      select.addEventListener("change", function () { select.form.submit(); });
    });

    var toggle = document.getElementById("theme-toggle");
    if (toggle) {
      // A toggle button: screen readers announce "pressed" while dark mode is on.
      var isDark = function () { return document.documentElement.getAttribute("data-bs-theme") === "dark"; };
      toggle.setAttribute("aria-pressed", String(isDark()));
      toggle.addEventListener("click", function () {
        var next = isDark() ? "light" : "dark";
        document.documentElement.setAttribute("data-bs-theme", next);
        toggle.setAttribute("aria-pressed", String(next === "dark"));
        try { localStorage.setItem("theme", next); } catch (e) { /* private mode */ }
      });
    }
  });

  window.microblog = window.microblog || {};
  window.microblog.refreshTimes = refreshTimes;
  window.microblog.send = send;
  window.microblog.announce = announce;
  window.microblog.showCounts = showCounts;
})();
