// Shows the "export my posts" job in the navbar from its task_progress notifications:
// waiting for a worker, a progress bar while running, then a message with the link.
(function () {
  "use strict";

  var SEEN_KEY = "microblog.export.seen";
  var FULL_BAR_MS = 4000;
  var hideTimer = null;
  // "42 %" in Spanish, "42%" in English: the number's format is the locale's, not the catalogue's.
  var percent = window.Intl ? new Intl.NumberFormat(document.documentElement.lang || "en", { style: "percent" }) : null;

  function seen(jobId) {
    try { return localStorage.getItem(SEEN_KEY) === String(jobId); } catch (e) { return false; }
  }
  function markSeen(jobId) {
    try { localStorage.setItem(SEEN_KEY, String(jobId)); } catch (e) { /* private mode */ }
  }

  function alertBox(kind, text, link) {
    var box = document.createElement("div");
    box.className = "alert alert-" + kind + " alert-dismissible fade show";
    box.setAttribute("role", "alert");
    box.appendChild(document.createTextNode(text + " "));
    if (link) {
      var a = document.createElement("a");
      a.href = link;
      a.className = "alert-link";
      a.textContent = gettext("Download posts.json");
      box.appendChild(a);
    }
    var close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close";
    close.setAttribute("data-bs-dismiss", "alert");
    close.setAttribute("aria-label", gettext("Close"));
    box.appendChild(close);
    document.getElementById("main").prepend(box);
  }

  function show(data) {
    var item = document.getElementById("export-progress");
    if (!item || !data || !data.job_id) { return; }
    var label = item.querySelector("[data-export-label]");
    var bar = item.querySelector("[data-export-bar]");
    var meter = item.querySelector("[role=progressbar]");
    clearTimeout(hideTimer);
    if (data.state === "queued" || data.state === "running") {
      item.hidden = false;
      label.textContent = data.state === "queued"
        ? gettext("Export queued, waiting for a worker…")
        : interpolate(gettext("Exporting posts… %s"), [percent ? percent.format(data.progress / 100) : data.progress + "%"]);
      bar.style.width = data.progress + "%";
      meter.setAttribute("aria-valuenow", data.progress);
      return;
    }
    item.hidden = true;
    if (seen(data.job_id)) { return; }
    markSeen(data.job_id);
    if (data.state === "done") {
      // Let the bar be seen full for a moment; the alert below stays.
      item.hidden = false;
      label.textContent = interpolate(gettext("Exporting posts… %s"), [percent ? percent.format(1) : "100%"]);
      bar.style.width = "100%";
      meter.setAttribute("aria-valuenow", 100);
      hideTimer = setTimeout(function () { item.hidden = true; }, FULL_BAR_MS);
      alertBox("success", gettext("Your posts have been exported and emailed to you."), data.download_url);
    } else if (data.state === "failed") {
      alertBox("danger", data.error || gettext("The export failed. Please try again."), null);
    }
  }

  if (window.microblog && window.microblog.notifications) {
    window.microblog.notifications.on("task_progress", show);
  }
})();
