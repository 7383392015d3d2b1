// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  function score(value) {
    var classes = 0;
    if (/[a-z]/.test(value)) classes++;
    if (/[A-Z]/.test(value)) classes++;
    if (/[0-9]/.test(value)) classes++;
    if (/[^A-Za-z0-9]/.test(value)) classes++;
    var points = value.length + classes * 2 + (value.split(" ").length - 1) * 3;
    if (value.length < 10) return "weak";
    if (points >= 22) return "strong";
    return points >= 15 ? "fair" : "weak";
  }
  document.addEventListener("DOMContentLoaded", function () {
    var input = document.querySelector("input[data-strength]");
    var output = document.getElementById("password-strength");
    if (input && output) {
      input.addEventListener("input", function () {
        output.textContent = input.value ? input.getAttribute("data-" + score(input.value)) : "";
        output.setAttribute("data-level", input.value ? score(input.value) : "");
      });
    }
    var summary = document.querySelector(".error-summary");
    if (summary) summary.focus();
  });
})();
