// Draw every Bokeh chart on the page: each <div data-bokeh-json="URL"> gets the json_item fetched from URL.
// Loaded with <script src defer>, so the strict CSP needs no inline script.
//
// BokehJS (about 1.3 MB) is never in the page up front: this script loads it (from its data-bokeh-src) the first
// time a chart is to be drawn, and a chart is drawn only when it is near the screen:
// - charts on screen when the page loads are drawn once the page has loaded and the browser is idle, so BokehJS
//   never holds up the first paint or the largest contentful paint;
// - once the reader scrolls (or otherwise interacts), charts are drawn as they come within LOOK_AHEAD of the
//   screen, so they are usually ready before they are scrolled to;
// - charts swapped in by HTMX are watched in the same way.
// Each chart's table is open without JavaScript. Where this script will run, the stylesheet hides a table whose chart
// will be drawn from the first paint (details[data-chart-fold], see portal.css) and this script closes it, so
// nothing moves when the chart is drawn; the table opens again if its chart cannot be drawn.
(function () {
  "use strict";

  var LOOK_AHEAD = "150% 0px 150% 0px";
  var bokehSrc = document.currentScript ? document.currentScript.dataset.bokehSrc : undefined;
  var bokehLoading = null;
  var pageLoaded = document.readyState === "complete";
  var readerActive = false;
  var waitingForLoad = [];
  var onScreen = null;
  var ahead = null;

  function loadBokeh() {
    if (window.Bokeh && window.Bokeh.embed) {
      return Promise.resolve();
    }
    if (!bokehSrc) {
      return Promise.reject(new Error("BokehJS is not on this page"));
    }
    if (!bokehLoading) {
      bokehLoading = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = bokehSrc;
        script.onload = function () { resolve(); };
        script.onerror = function () {
          bokehLoading = null;
          reject(new Error("BokehJS did not load"));
        };
        document.head.appendChild(script);
      });
    }
    return bokehLoading;
  }

  function tableOf(element) {
    return document.querySelector('details[data-chart-table="' + element.id + '"]');
  }

  // The table stays open for the reader who has followed a link into it (a page of a long table, say).
  function fold(table) {
    table.removeAttribute("data-chart-fold");
    var target = null;
    try {
      target = location.hash ? document.getElementById(decodeURIComponent(location.hash.slice(1))) : null;
    } catch (error) {
      target = null;
    }
    if (target && table.contains(target)) {
      target.scrollIntoView();
      return;
    }
    table.removeAttribute("open");
  }

  function foldAll(root) {
    if (root.matches && root.matches("details[data-chart-fold]")) {
      fold(root);
    }
    root.querySelectorAll("details[data-chart-fold]").forEach(fold);
  }

  function showProblem(element) {
    element.removeAttribute("role");
    element.removeAttribute("aria-label");
    element.classList.add("portal-chart--failed");
    var message = document.createElement("p");
    message.className = "govuk-body";
    message.textContent = "The chart could not be drawn. The same data is in the table below.";
    element.replaceChildren(message);
    var table = tableOf(element);
    if (table) {
      table.removeAttribute("data-chart-fold");
      table.setAttribute("open", "");
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
      })
      .catch(function () {
        element.dataset.bokehState = "failed";
        showProblem(element);
      });
  }

  function whenIdle(callback) {
    if (window.requestIdleCallback) {
      window.requestIdleCallback(callback, { timeout: 1000 });
    } else {
      window.setTimeout(callback, 1);
    }
  }

  // A chart on screen before the reader has done anything: draw it after the page has loaded.
  function drawSoon(element) {
    if (pageLoaded) {
      whenIdle(function () { draw(element); });
    } else {
      waitingForLoad.push(element);
    }
  }

  function seen(entries, observer) {
    entries.forEach(function (entry) {
      if (entry.isIntersecting) {
        observer.unobserve(entry.target);
        if (observer === ahead) {
          draw(entry.target);
        } else {
          drawSoon(entry.target);
        }
      }
    });
  }

  function watch(element) {
    if (element.dataset.bokehState) {
      return;
    }
    if (!("IntersectionObserver" in window)) {
      drawSoon(element);
      return;
    }
    if (readerActive) {
      ahead = ahead || new IntersectionObserver(seen, { rootMargin: LOOK_AHEAD });
      ahead.observe(element);
    } else {
      onScreen = onScreen || new IntersectionObserver(seen);
      onScreen.observe(element);
    }
  }

  function watchAll(root) {
    if (root.matches && root.matches("[data-bokeh-json]")) {
      watch(root);
    }
    root.querySelectorAll("[data-bokeh-json]").forEach(watch);
  }

  var activity = ["scroll", "wheel", "touchstart", "pointerdown", "keydown"];

  // The reader has started to use the page: from now on, draw the charts they are heading towards.
  function readerStarted() {
    if (readerActive) {
      return;
    }
    readerActive = true;
    activity.forEach(function (name) { window.removeEventListener(name, readerStarted, true); });
    if (onScreen) {
      onScreen.disconnect();
      onScreen = null;
    }
    watchAll(document);
  }

  activity.forEach(function (name) { window.addEventListener(name, readerStarted, { capture: true, passive: true }); });
  if (!pageLoaded) {
    window.addEventListener("load", function () {
      pageLoaded = true;
      waitingForLoad.splice(0).forEach(drawSoon);
    });
  }

  foldAll(document);
  watchAll(document);
  // Charts inside fragments swapped in by HTMX (the reader asked for them, so they are drawn as they near the screen).
  document.body.addEventListener("htmx:afterSettle", function (event) {
    var root = event.detail && event.detail.elt ? event.detail.elt : document;
    foldAll(root);
    readerStarted();
    watchAll(root);
  });
})();
