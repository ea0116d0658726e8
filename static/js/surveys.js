// Survey pages: show a question whose display condition is on the same page only when that condition is met.
// Without JavaScript every such question stays visible with its condition written in its hint, and the server
// ignores answers to questions whose condition is not met, so the page works either way.
(function () {
  "use strict";

  function chosenValues(form, name) {
    var values = [];
    form.querySelectorAll('input[name="' + name + '"]').forEach(function (input) {
      if ((input.type === "radio" || input.type === "checkbox") && input.checked) {
        values.push(input.value);
      }
    });
    return values;
  }

  function update(root) {
    root.querySelectorAll("[data-condition-field]").forEach(function (block) {
      var name = block.getAttribute("data-condition-field");
      var scope = block.closest("form") || document;
      if (!scope.querySelector('input[name="' + name + '"]')) {
        return; // the condition's question is on another page: the server has already decided
      }
      var wanted = [];
      try {
        wanted = JSON.parse(block.getAttribute("data-condition-values") || "[]");
      } catch (error) {
        return;
      }
      var shown = chosenValues(scope, name).some(function (value) { return wanted.indexOf(value) !== -1; });
      block.hidden = !shown;
    });
  }

  document.addEventListener("change", function (event) {
    if (event.target && event.target.name) {
      update(document);
    }
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { update(document); });
  } else {
    update(document);
  }
})();
