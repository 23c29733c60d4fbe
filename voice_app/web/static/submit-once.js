/* Forms marked data-submit-once send once: their buttons are disabled as soon as the form
   leaves, so a second tap on a slow phone does not post it again (the server also takes a
   repeat for what it is). Back on the page from the browser's history, they work again.
   An error summary ([data-error-summary]) gets the focus: a phone scrolls to it. */
(function () {
  "use strict";

  function buttons(form) {
    return form.querySelectorAll("button[type=submit], button:not([type])");
  }

  document.querySelectorAll("form[data-submit-once]").forEach(function (form) {
    form.addEventListener("submit", function () {
      // After this tick: the form is already on its way when its button goes grey.
      window.setTimeout(function () {
        buttons(form).forEach(function (button) { button.disabled = true; });
      }, 0);
    });
  });

  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-submit-once]").forEach(function (form) {
      buttons(form).forEach(function (button) { button.disabled = false; });
    });
  });

  var summary = document.querySelector("[data-error-summary]");
  if (summary) { summary.focus(); }
})();
