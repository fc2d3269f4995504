// Microblog's own behaviour: relative times, user popups, the character counter,
// confirmations, the language switch (the colour mode is theme.js's), and the two helpers of
// the buttons that act in place (microblog.send, .announce, .showCounts). No inline scripts.
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

  // --- User popups: load the card once per element, when the pointer or the focus rests. ---
  // The card is appended to <body>, far from its link in the tab order, so the keyboard is
  // led through it as if it came right after the link: Tab from the link enters the card
  // (its profile link, counts and Follow button), Shift+Tab from its first control goes back
  // to the link, Tab from its last control closes it and goes on to what follows the link,
  // and Escape closes it and gives the focus back to the link.
  var FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

  function tabStops(root) {
    return Array.prototype.filter.call(root.querySelectorAll(FOCUSABLE), function (element) {
      return element.getClientRects().length > 0;
    });
  }

  function openCard(link) {
    var id = link.getAttribute("aria-describedby"); // set by Bootstrap while the card is shown
    return id ? document.getElementById(id) : null;
  }

  // Give the focus back to the link without reopening the card it has just closed.
  function returnFocus(link) {
    link.dataset.popupQuiet = "1";
    link.focus();
    delete link.dataset.popupQuiet;
  }

  function setUpPopup(link) {
    var timer = null, popover = null, loading = false, card = null;
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
          // A DOM node is not sanitized, so the follow form and button keep working. The card
          // holds controls, so it is a (non-modal) dialog named after the user, not a tooltip.
          popover = new bootstrap.Popover(link, {
            content: content, html: true, trigger: "manual", placement: "auto", sanitize: false,
            template: '<div class="popover" role="dialog"><div class="popover-arrow"></div><div class="popover-body"></div></div>'
          });
          link.addEventListener("inserted.bs.popover", function () {
            var tip = popover.tip;
            if (tip && !tip.dataset.watched) {
              tip.dataset.watched = "1";
              tip.setAttribute("aria-label", link.textContent.trim());
              // The pointer may move onto the card (to press Follow) without closing it.
              tip.addEventListener("mouseenter", function () { clearTimeout(timer); });
              tip.addEventListener("mouseleave", hideSoon);
              tip.addEventListener("keydown", function (event) { keyInCard(event, tip); });
              tip.addEventListener("focusout", function (event) {
                if (!(event.relatedTarget && (tip.contains(event.relatedTarget) || event.relatedTarget === link))) { hideSoon(); }
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
    function keyInCard(event, tip) {
      if (event.key !== "Tab") { return; }
      var stops = tabStops(tip);
      if (event.shiftKey && event.target === stops[0]) {
        event.preventDefault();
        link.focus();
      } else if (!event.shiftKey && event.target === stops[stops.length - 1]) {
        event.preventDefault();
        var page = tabStops(document).filter(function (element) { return !tip.contains(element); });
        var next = page[page.indexOf(link) + 1];
        popover.hide();
        if (next) { next.focus(); } else { returnFocus(link); }
      }
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
      if (!link.dataset.popupQuiet && !openCard(link)) { timer = setTimeout(show, 400); }
    });
    // Tab from the link goes into its open card, the next thing in the reading order.
    link.addEventListener("keydown", function (event) {
      var tip = openCard(link);
      if (event.key !== "Tab" || event.shiftKey || !tip) { return; }
      var first = tabStops(tip)[0];
      if (first) {
        event.preventDefault();
        clearTimeout(timer);
        first.focus();
      }
    });
    // A card opened by focus goes when focus moves on, unless it moves into the card.
    link.addEventListener("blur", function (event) {
      var tip = openCard(link);
      if (!(tip && event.relatedTarget && tip.contains(event.relatedTarget))) { hideSoon(); }
    });
  }

  // Escape closes any open card, wherever focus or the pointer is (WCAG 1.4.13); focus that
  // was in the card goes back to its link.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || !window.bootstrap) { return; }
    document.querySelectorAll("a.user-popup[aria-describedby]").forEach(function (link) {
      var popover = bootstrap.Popover.getInstance(link);
      var tip = openCard(link);
      if (tip && tip.contains(document.activeElement)) { returnFocus(link); }
      if (popover) { popover.hide(); }
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
  });

  window.microblog = window.microblog || {};
  window.microblog.refreshTimes = refreshTimes;
  window.microblog.send = send;
  window.microblog.announce = announce;
  window.microblog.showCounts = showCounts;
})();
