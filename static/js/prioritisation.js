// Prioritisation scoring: say when an autosave is in flight, and say so plainly when one fails.
// htmx does the saving (hx-post on each criterion); this file only reports problems htmx does not show.
// Loaded with <script src>, so the strict CSP needs no inline script.
(function () {
  "use strict";

  function statusRegion() {
    return document.getElementById("autosave-status");
  }

  function inAutosaveForm(element) {
    return element && element.closest && element.closest("[data-autosave-form]");
  }

  function say(message, isError) {
    var region = statusRegion();
    if (!region) {
      return;
    }
    var text = document.createElement("span");
    if (isError) {
      text.className = "govuk-error-message govuk-!-margin-bottom-0";
    }
    text.textContent = message;
    region.replaceChildren(text);
  }

  document.body.addEventListener("htmx:beforeRequest", function (event) {
    if (inAutosaveForm(event.detail.elt)) {
      say("Saving…", false);
    }
  });

  document.body.addEventListener("htmx:responseError", function (event) {
    if (!inAutosaveForm(event.detail.elt)) {
      return;
    }
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (status === 403) {
      say("Error: your score was not saved because you cannot score this topic. Reload the page to see why.", true);
    } else {
      say("Error: your score was not saved. Use the ‘Save and continue’ button to save your scores.", true);
    }
  });

  document.body.addEventListener("htmx:sendError", function (event) {
    if (inAutosaveForm(event.detail.elt)) {
      say("Error: your score was not saved because the connection was lost. Use the ‘Save and continue’ button when you are back online.", true);
    }
  });
})();
