// The report's "Print this report" button: hidden without JavaScript (the browser's own print still works).
(function () {
  "use strict";
  document.querySelectorAll("[data-portal-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });
})();
