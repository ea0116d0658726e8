// Site-wide accessibility behaviour (issue 14 items 12 and 14), loaded on every page with <script src> (strict CSP).
//
// 1. Table regions (templates/components/tables.html): while a table is wider than its region, show the written
//    "scroll sideways" hint, keep its first column in view and keep the region in the tab order (so the arrow keys
//    scroll it); when the table fits, the region leaves the tab order and the hint hides.
// 2. After every HTMX swap, one polite live region (#portal-announcer) says what changed, and focus goes somewhere
//    sensible:
//    - a form submitted or a button pressed: focus moves to the new content's error summary, status or heading;
//    - typing in a search box, changing a filter, or a timed refresh: focus stays where the user is (moving it would
//      be a change of context on input, WCAG 3.2.2), unless the focused element was itself replaced, in which case
//      focus goes to its replacement (same id, or same link) or else to the new content's heading.
//    Containers that HTMX fills lose their own aria-live (the announcer says the one line that matters instead of
//    reading out a whole table); small status regions (role="status") keep theirs and are not repeated.
(function () {
  "use strict";

  var HINT = "Scroll sideways to see the whole table, or use the arrow keys after selecting it.";

  // ---- 1. Table regions ------------------------------------------------------------------------------------------

  function hintFor(region) {
    var hint = region.previousElementSibling;
    if (hint && hint.classList.contains("portal-table-scroll__hint")) {
      return hint;
    }
    hint = document.createElement("p");
    hint.className = "govuk-body-s portal-table-scroll__hint";
    hint.textContent = HINT;
    hint.hidden = true;
    region.parentNode.insertBefore(hint, region);
    return hint;
  }

  function updateRegion(region) {
    var overflowing = region.scrollWidth > region.clientWidth + 1;
    region.classList.toggle("portal-table-scroll--overflowing", overflowing);
    if (overflowing) {
      region.setAttribute("tabindex", "0");
    } else if (document.activeElement !== region) {
      region.removeAttribute("tabindex");
    }
    hintFor(region).hidden = !overflowing;
  }

  function updateRegions(scope) {
    var root = scope && scope.querySelectorAll ? scope : document;
    root.querySelectorAll("[data-table-region]").forEach(updateRegion);
    if (root.matches && root.matches("[data-table-region]")) {
      updateRegion(root);
    }
  }

  var resizeQueued = false;
  window.addEventListener("resize", function () {
    if (!resizeQueued) {
      resizeQueued = true;
      window.requestAnimationFrame(function () {
        resizeQueued = false;
        updateRegions(document);
      });
    }
  });
  // A table inside a closed <details> (a chart's data) has no width until it opens.
  document.addEventListener("toggle", function (event) { updateRegions(event.target); }, true);

  // ---- 2. HTMX swaps: announce and place focus ---------------------------------------------------------------------

  var announcer = null;

  function ensureAnnouncer() {
    if (!announcer) {
      announcer = document.createElement("div");
      announcer.id = "portal-announcer";
      announcer.className = "govuk-visually-hidden";
      announcer.setAttribute("role", "status");
      announcer.setAttribute("aria-live", "polite");
      announcer.setAttribute("aria-atomic", "true");
      document.body.appendChild(announcer);
    }
    return announcer;
  }

  function announce(message) {
    var region = ensureAnnouncer();
    // Clear first, then set on the next frame: screen readers announce a change, even to the same words.
    region.textContent = "";
    window.setTimeout(function () { region.textContent = message; }, 50);
  }

  function squash(text) {
    return (text || "").replace(/\s+/g, " ").trim();
  }

  function isLive(element) {
    return element.getAttribute("role") === "status" || element.getAttribute("role") === "alert";
  }

  // HTMX targets are announced by #portal-announcer; their own aria-live would read out their whole new content.
  function quietTargets(scope) {
    (scope || document).querySelectorAll("[hx-target]").forEach(function (element) {
      var selector = element.getAttribute("hx-target");
      if (!/^#[\w-]+$/.test(selector)) {
        return;
      }
      var target = document.querySelector(selector);
      if (target && target.hasAttribute("aria-live") && !isLive(target)) {
        target.removeAttribute("aria-live");
      }
    });
  }

  function visible(element) {
    return !!(element && element.getClientRects().length);
  }

  function first(scope, selector) {
    var found = scope.querySelectorAll(selector);
    for (var i = 0; i < found.length; i += 1) {
      if (visible(found[i])) {
        return found[i];
      }
    }
    return null;
  }

  function focusOn(element) {
    if (!element) {
      return;
    }
    if (!element.matches("a[href], button, input, select, textarea, [tabindex]")) {
      element.setAttribute("tabindex", "-1");
      element.classList.add("portal-swap-focus");
      element.addEventListener("blur", function () {
        element.removeAttribute("tabindex");
        element.classList.remove("portal-swap-focus");
      }, { once: true });
    }
    element.focus();
  }

  function focusKey(element) {
    if (!element || element === document.body) {
      return null;
    }
    return {
      id: element.id,
      tag: element.tagName,
      name: element.getAttribute("name"),
      href: element.getAttribute("href"),
      text: squash(element.textContent),
    };
  }

  function replacementFor(key, scope) {
    if (!key) {
      return null;
    }
    if (key.id) {
      var byId = document.getElementById(key.id);
      if (byId && scope.contains(byId)) {
        return byId;
      }
    }
    var candidates = scope.querySelectorAll(key.tag.toLowerCase());
    for (var i = 0; i < candidates.length; i += 1) {
      var candidate = candidates[i];
      if ((key.href && candidate.getAttribute("href") === key.href) ||
          (key.name && candidate.getAttribute("name") === key.name) ||
          (!key.href && !key.name && squash(candidate.textContent) === key.text)) {
        return candidate;
      }
    }
    return null;
  }

  function messageFor(scope, liveStatus) {
    var chosen = first(scope, "[data-announce]") || liveStatus || first(scope, "[role='status'], [role='alert']");
    if (chosen) {
      return squash(chosen.textContent);
    }
    var heading = first(scope, "h1, h2, h3, h4, caption");
    var paragraph = first(scope, "p");
    var parts = [];
    if (heading) {
      parts.push(squash(heading.textContent));
    }
    if (paragraph && !(heading && heading.contains(paragraph))) {
      parts.push(squash(paragraph.textContent));
    }
    var message = parts.join(". ");
    if (message.length > 240) {
      message = message.slice(0, 237) + "…";
    }
    return message || "The page has been updated.";
  }

  // What we know about each response, from its swap to its settle. Two responses can overlap: a second one can be
  // swapped in before the first has settled (Enter in a search box sends "submit" and then "search"), so each
  // request keeps its own state, found again by its XMLHttpRequest. `swapping` is the one being swapped in now: the
  // out-of-band events that fire during a swap do not carry the request.
  var byRequest = new WeakMap();
  var swapping = null;

  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    var active = document.activeElement;
    swapping = {
      handled: false,
      focusInside: !!(target && active && target.contains(active)),
      key: focusKey(active),
      liveStatus: null,
    };
    if (event.detail.xhr) {
      byRequest.set(event.detail.xhr, swapping);
    }
  });

  // An out-of-band status (search's "3 results for …") speaks for itself and is the right place for focus.
  document.addEventListener("htmx:oobAfterSwap", function (event) {
    var swapped = event.target; // the new element (detail.target is the one it replaced)
    if (swapping && swapped && swapped.nodeType === 1 && (isLive(swapped) || swapped.hasAttribute("aria-live"))) {
      swapping.liveStatus = swapped;
    }
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    // htmx fires this on each settled element (out-of-band ones too): act once, on the request's own target, or on
    // its replacement when an outerHTML swap took the target out of the page.
    var target = event.detail.target;
    if (target && target.isConnected) {
      if (event.target !== target) {
        return;
      }
    } else {
      target = event.target;
    }
    var state = (event.detail.xhr && byRequest.get(event.detail.xhr)) || swapping ||
        { handled: false, focusInside: false, key: null, liveStatus: null };
    if (!target || target.nodeType !== 1 || !target.isConnected || state.handled) {
      return;
    }
    state.handled = true;
    if (state.liveStatus && !state.liveStatus.isConnected) {
      // A later response has already swapped in its own status: this one's lives on as that.
      state.liveStatus = state.liveStatus.id ? document.getElementById(state.liveStatus.id) : null;
    }
    updateRegions(target);
    quietTargets(target);

    var config = event.detail.requestConfig || {};
    var trigger = config.triggeringEvent ? config.triggeringEvent.type : "";
    var deliberate = trigger === "submit" || trigger === "click";
    var active = document.activeElement;
    var focusLost = !active || active === document.body || !active.isConnected;
    var errorSummary = first(target, ".govuk-error-summary");
    var status = state.liveStatus || first(target, "[role='status'], [role='alert']");
    // The focused element was outside the target and was replaced out of band (the search status that a first
    // response focused, swapped again by a second): focus goes to the element that took its place.
    var replacedOutOfBand = focusLost && !state.focusInside && state.key && state.key.id ?
        document.getElementById(state.key.id) : null;

    if (replacedOutOfBand && !deliberate) {
      focusOn(replacedOutOfBand);
    } else if (deliberate || (focusLost && state.focusInside)) {
      if (errorSummary && deliberate) {
        focusOn(errorSummary);
      } else if (!deliberate && replacementFor(state.key, target)) {
        focusOn(replacementFor(state.key, target));
      } else {
        focusOn(first(target, "[data-swap-focus]") || state.liveStatus ||
                first(target, "h1, h2, h3, h4") || status || target);
      }
    }

    // A live region that was already on the page (an autosave status) says its own news, and an error summary's
    // role="alert" is read out when it appears; everything else is said once by the announcer, and not again when
    // a timed refresh brings back the same words.
    if (isLive(target) || target.hasAttribute("aria-live") || (errorSummary && deliberate)) {
      return;
    }
    var message = messageFor(target, state.liveStatus);
    if (trigger === "" && target.getAttribute("data-announced") === message) {
      return;
    }
    target.setAttribute("data-announced", message);
    announce(message);
  });

  function start() {
    ensureAnnouncer();
    quietTargets(document);
    updateRegions(document);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
