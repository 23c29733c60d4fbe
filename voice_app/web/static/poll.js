/* Live fragments: every element with data-poll="URL" is replaced, every data-poll-seconds
   seconds, by the HTML that URL returns. A fragment holding [data-poll-stop] ends the
   polling (a closed round changes no more). A failed fetch keeps the last figures. */
(function () {
  "use strict";

  function start(element) {
    var seconds = Number(element.getAttribute("data-poll-seconds")) || 5;
    var timer = window.setInterval(function () {
      fetch(element.getAttribute("data-poll"), { credentials: "same-origin", cache: "no-store" })
        .then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.text();
        })
        .then(function (html) {
          element.innerHTML = html;
          if (element.querySelector("[data-poll-stop]")) { window.clearInterval(timer); }
        })
        .catch(function () { /* the next tick tries again */ });
    }, seconds * 1000);
  }

  document.querySelectorAll("[data-poll]").forEach(start);
})();
