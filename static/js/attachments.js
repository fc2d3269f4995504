// Pictures: the post box's previews and the full view of a post's pictures.
//
// The post box (posts/_attachments_field.html, [data-attachments]): the files chosen in
// the file input, or dropped on the box, show as previews, each with a Remove button and
// its description field (alt_text_1 to alt_text_4, moved out of the "Describe your
// pictures" <details> that serves without JavaScript). The input's files are rewritten
// (DataTransfer) whenever one is removed or added, so the form posts exactly what the
// previews show. Previews are data: URLs, which the page's CSP allows for images.
//
// The full view (posts/_attachments.html, a[data-full-view]): a click, Enter or Space
// on a picture opens its large size in a <dialog> with its description and a Close
// button; Escape or Close shuts it and the focus goes back to the picture. Without
// JavaScript the link opens the large file itself.
(function () {
  "use strict";

  var gettext = window.gettext || function (text) { return text; };
  var interpolate = window.interpolate || function (format, values) { return format.replace("%s", values[0]); };

  function setUpBox(box) {
    var input = box.querySelector("input[type=file]");
    var previews = box.querySelector("[data-attachment-previews]");
    var altDetails = box.querySelector("[data-alt-fields]");
    var altFields = Array.prototype.slice.call(box.querySelectorAll("[data-alt-field]"));
    var max = parseInt(box.getAttribute("data-max-files"), 10) || 4;
    var form = box.closest("form");
    if (!input || !previews || typeof DataTransfer === "undefined") { return; }
    var items = [];  // {file, url}
    var dropHint = box.querySelector(".attachments-drop-hint");
    if (dropHint) { dropHint.hidden = false; }

    function altInput(index) {
      return altFields[index].querySelector("textarea");
    }

    function syncInput() {
      var transfer = new DataTransfer();
      items.forEach(function (item) { transfer.items.add(item.file); });
      input.files = transfer.files;
    }

    function render() {
      previews.textContent = "";
      previews.hidden = items.length === 0;
      altDetails.hidden = true;
      altFields.forEach(function (field, index) {
        field.hidden = index >= items.length;
        if (index >= items.length) { altDetails.appendChild(field); }
      });
      items.forEach(function (item, index) {
        var card = document.createElement("li");
        card.className = "attachment-preview";
        var figure = document.createElement("div");
        figure.className = "attachment-preview-image";
        var image = document.createElement("img");
        image.src = item.url;
        image.alt = "";
        figure.appendChild(image);
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "btn btn-sm btn-dark attachment-remove";
        remove.innerHTML = '<i class="bi bi-x-lg" aria-hidden="true"></i>';
        remove.setAttribute("aria-label", interpolate(gettext("Remove picture %s"), [index + 1]));
        remove.addEventListener("click", function () { removeAt(index); });
        figure.appendChild(remove);
        card.appendChild(figure);
        card.appendChild(altFields[index]);
        previews.appendChild(card);
      });
    }

    function removeAt(index) {
      // The descriptions follow their pictures up the list.
      var texts = items.map(function (_item, position) { return altInput(position).value; });
      texts.splice(index, 1);
      items.splice(index, 1);
      texts.forEach(function (text, position) { altInput(position).value = text; });
      for (var rest = texts.length; rest < altFields.length; rest++) { altInput(rest).value = ""; }
      syncInput();
      render();
      var next = previews.querySelectorAll(".attachment-remove")[Math.min(index, items.length - 1)];
      (next || input).focus();
    }

    function add(files) {
      var added = Array.prototype.filter.call(files, function (file) { return /^image\//.test(file.type); });
      added.slice(0, Math.max(0, max - items.length)).forEach(function (file) {
        var item = { file: file, url: "" };
        items.push(item);
        var reader = new FileReader();
        reader.onload = function () {
          item.url = reader.result;
          var position = items.indexOf(item);
          var shown = previews.querySelectorAll(".attachment-preview-image img")[position];
          if (shown) { shown.src = item.url; }
        };
        reader.readAsDataURL(file);
      });
      syncInput();
      render();
    }

    render();  // the descriptions wait for their pictures' previews

    input.addEventListener("change", function () {
      // The picker replaces the input's files with its new choice: add it to the earlier ones.
      add(Array.prototype.slice.call(input.files));
    });

    if (form) {
      form.addEventListener("dragover", function (event) {
        if (event.dataTransfer && Array.prototype.indexOf.call(event.dataTransfer.types, "Files") !== -1) {
          event.preventDefault();
          form.classList.add("attachments-dragging");
        }
      });
      form.addEventListener("dragleave", function (event) {
        if (!form.contains(event.relatedTarget)) { form.classList.remove("attachments-dragging"); }
      });
      form.addEventListener("drop", function (event) {
        if (!event.dataTransfer || !event.dataTransfer.files.length) { return; }
        event.preventDefault();
        form.classList.remove("attachments-dragging");
        add(event.dataTransfer.files);
      });
    }
  }

  var dialog = null;
  var opener = null;

  function fullView() {
    if (dialog) { return dialog; }
    dialog = document.createElement("dialog");
    dialog.className = "media-full-view";
    dialog.setAttribute("aria-label", gettext("Picture"));
    dialog.innerHTML =
      '<button type="button" class="btn btn-light btn-sm media-full-close"><i class="bi bi-x-lg" aria-hidden="true"></i> </button>' +
      '<img alt=""><p class="media-full-alt small mb-0"></p>';
    var close = dialog.querySelector(".media-full-close");
    close.appendChild(document.createTextNode(gettext("Close")));
    close.addEventListener("click", function () { dialog.close(); });
    dialog.addEventListener("click", function (event) {
      if (event.target === dialog) { dialog.close(); }  // the backdrop
    });
    dialog.addEventListener("close", function () {
      dialog.querySelector("img").removeAttribute("src");
      if (opener) { opener.focus(); }
    });
    document.body.appendChild(dialog);
    return dialog;
  }

  function open(link) {
    var view = fullView();
    var image = view.querySelector("img");
    var alt = link.getAttribute("data-alt") || "";
    image.src = link.href;
    image.width = parseInt(link.getAttribute("data-full-width"), 10);
    image.height = parseInt(link.getAttribute("data-full-height"), 10);
    image.alt = alt;
    view.querySelector(".media-full-alt").textContent = alt;
    view.querySelector(".media-full-alt").hidden = !alt;
    opener = link;
    view.showModal();
    view.querySelector(".media-full-close").focus();
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-full-view]");
    if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) { return; }
    event.preventDefault();
    open(link);
  });
  document.addEventListener("keydown", function (event) {
    var link = event.target.closest && event.target.closest("a[data-full-view]");
    if (link && (event.key === " " || event.key === "Spacebar")) {
      event.preventDefault();
      open(link);
    }
  });

  document.querySelectorAll("[data-attachments]").forEach(setUpBox);
})();
