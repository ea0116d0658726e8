// Draw every Bokeh chart on the page: each <div data-bokeh-json="URL"> gets the json_item fetched from URL.
// Loaded with <script src> after bokeh.min.js, so the strict CSP needs no inline script.
(function () {
  "use strict";

  // On a page rendered without charts, BokehJS is not loaded up front: its URL waits here until a chart appears.
  var lazyBokehSrc = document.currentScript ? document.currentScript.dataset.bokehSrc : undefined;
  var bokehLoading = null;

  function loadBokeh() {
    if (window.Bokeh && window.Bokeh.embed) {
      return Promise.resolve();
    }
    if (!lazyBokehSrc) {
      return Promise.reject(new Error("BokehJS is not on this page"));
    }
    if (!bokehLoading) {
      bokehLoading = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = lazyBokehSrc;
        script.onload = function () { resolve(); };
        script.onerror = function () { reject(new Error("BokehJS did not load")); };
        document.head.appendChild(script);
      });
    }
    return bokehLoading;
  }

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
    loadBokeh()
      .then(function () {
        return fetch(element.dataset.bokehJson, { credentials: "same-origin", headers: { Accept: "application/json" } });
      })
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
