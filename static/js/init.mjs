// Start govuk-frontend's components (an ES module, so no inline script is needed under the CSP).
import { initAll } from "../govuk/govuk-frontend.min.js";

initAll();

// Components inside fragments swapped in by HTMX need starting too.
document.body.addEventListener("htmx:afterSettle", (event) => {
  initAll({ scope: event.detail.elt });
});
