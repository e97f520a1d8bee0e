// Single keys for the review page: each key clicks the button (or opens the menu) that carries it
// in data-key, so a key does exactly what its button does. Arrow keys, Page Up/Down, Home and End
// are left to the browser: they scroll and never decide.
(function () {
  "use strict";
  var form = document.getElementById("review");
  if (!form) { return; }
  var sent = false;
  form.addEventListener("submit", function (event) {
    if (sent) { event.preventDefault(); return; }  // one decision per page: a second key press waits
    sent = true;
  });

  function openMenu() {
    return document.querySelector("details.menu-open");
  }
  function closeMenus() {
    document.querySelectorAll("details[data-key]").forEach(function (d) {
      d.open = false;
      d.classList.remove("menu-open");
    });
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing) { return; }
    var target = event.target;
    if (target && (target.tagName === "TEXTAREA" || target.tagName === "INPUT")) {
      if (event.key === "Escape") { target.blur(); }
      return;
    }
    var key = event.key;
    var menu = openMenu();
    if (menu && key.length === 1) {  // as in the terminal: m or a, then a digit; any other key cancels
      event.preventDefault();
      var choice = /^[1-9]$/.test(key) ? menu.querySelectorAll("button")[Number(key) - 1] : null;
      if (choice) { choice.click(); } else { closeMenus(); }
      return;
    }
    if (key === "Escape") { closeMenus(); return; }
    if (key.length !== 1) { return; }
    key = key === "?" ? key : key.toLowerCase();
    var details = document.querySelector('details[data-key="' + CSS.escape(key) + '"]');
    if (details) {
      event.preventDefault();
      var wasOpen = details.open;
      closeMenus();
      details.open = !wasOpen;
      if (details.open && details.id !== "help") { details.classList.add("menu-open"); }
      if (details.open) { details.scrollIntoView({block: "nearest"}); }  // below the fold in a short window
      return;
    }
    if (key === "n") {
      var note = document.getElementById("note");
      if (note) { event.preventDefault(); note.focus(); }
      return;
    }
    var button = document.querySelector('button[data-key="' + CSS.escape(key) + '"]');
    if (button) { event.preventDefault(); button.click(); }
  });

  // a click on the PDF page shows it at the pane's full width, scrolled to the passage; another click fits it again
  var pdf = document.getElementById("pdf");
  var pageImage = document.getElementById("page");
  if (pdf && pageImage) {
    pageImage.addEventListener("click", function () {
      pdf.classList.toggle("zoomed");
      var mark = pageImage.querySelector("rect.hl");
      if (pdf.classList.contains("zoomed") && mark) { mark.scrollIntoView({block: "center", inline: "nearest"}); }
    });
  }

  // a menu opened with the mouse also takes the digit keys
  document.querySelectorAll("details[data-key]").forEach(function (d) {
    d.addEventListener("toggle", function () {
      if (d.open && d.id !== "help") {
        document.querySelectorAll("details.menu-open").forEach(function (o) {
          if (o !== d) { o.open = false; o.classList.remove("menu-open"); }
        });
        d.classList.add("menu-open");
      } else {
        d.classList.remove("menu-open");
      }
    });
  });
})();
