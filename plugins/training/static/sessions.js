// "Add a session" on the event form without a round trip: copy the last session row with the
// next index and empty values. Without JavaScript the same button asks the server for one
// more row, so the form works either way.
(function () {
  "use strict";
  function renumber(row, index, label) {
    row.querySelectorAll("[id], [for], [name], [aria-describedby]").forEach(function (el) {
      ["id", "for", "name", "aria-describedby"].forEach(function (attr) {
        var value = el.getAttribute(attr);
        if (value) { el.setAttribute(attr, value.replace(/sessions-\d+-/g, "sessions-" + index + "-")); }
      });
    });
    var legend = row.querySelector("legend");
    if (legend) { legend.textContent = label + " " + (index + 1); }
  }
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.querySelector(".tr-sessions");
    if (!box) { return; }
    var button = box.querySelector("button[name=add_session]");
    button.addEventListener("click", function (event) {
      var rows = box.querySelectorAll(".tr-session");
      if (rows.length >= 60) { return; }
      event.preventDefault();
      var copy = rows[rows.length - 1].cloneNode(true);
      copy.querySelectorAll("input").forEach(function (input) { input.value = ""; input.removeAttribute("aria-invalid"); });
      copy.querySelectorAll(".tr-error").forEach(function (el) { el.remove(); });
      copy.querySelectorAll(".tr-invalid").forEach(function (el) { el.classList.remove("tr-invalid"); });
      renumber(copy, rows.length, box.getAttribute("data-session-label"));
      box.insertBefore(copy, button);
      var first = copy.querySelector("input");
      if (first) { first.focus(); }
    });
  });
})();
