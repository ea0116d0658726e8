// Draw every Bokeh chart on the page: each <div data-bokeh-json="URL"> gets the json_item fetched from URL.
// Loaded with <script src> after bokeh.min.js, so the strict CSP needs no inline script.
(function () {
  "use strict";

  function showProblem(element) {
    element.removeAttribute("role");
    element.removeAttribute("aria-label");
    element.classList.add("portal-chart--failed");
    var message = document.createElement("p");
    message.className = "govuk-body";
    message.textContent = "The chart could not be drawn. The same data is in the table below.";
    element.replaceChildren(message);
  }

  // The chart's table is open for people without JavaScript; once the chart is drawn it folds away.
  function closeTable(element) {
    var table = document.querySelector('details[data-chart-table="' + element.id + '"]');
    if (table) {
      table.removeAttribute("open");
    }
  }

  function draw(element) {
    if (element.dataset.bokehState) {
      return;
    }
    element.dataset.bokehState = "loading";
    element.setAttribute("role", "img");
    element.setAttribute("aria-label", element.dataset.chartLabel || "Chart");
    if (!window.Bokeh || !window.Bokeh.embed) {
      element.dataset.bokehState = "failed";
      showProblem(element);
      return;
    }
    fetch(element.dataset.bokehJson, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (item) {
        return window.Bokeh.embed.embed_item(item, element.id);
      })
      .then(function () {
        element.dataset.bokehState = "rendered";
        closeTable(element);
      })
      .catch(function () {
        element.dataset.bokehState = "failed";
        showProblem(element);
      });
  }

  function drawAll(scope) {
    var root = scope || document;
    if (root.matches && root.matches("[data-bokeh-json]")) {
      draw(root);
    }
    root.querySelectorAll("[data-bokeh-json]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  } else {
    drawAll(document);
  }
  // Charts inside fragments swapped in by HTMX.
  document.body.addEventListener("htmx:afterSettle", function (event) {
    drawAll(event.detail && event.detail.elt ? event.detail.elt : document);
  });
})();
