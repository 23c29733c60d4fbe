/* Live fragments: every element with data-poll="URL" is replaced, every data-poll-seconds
   seconds, by the HTML that URL returns. A fragment holding [data-poll-stop] ends the
   polling (a closed round changes no more) and its text is read out through the live region
   named by data-poll-announce (a region inserted with the fragment would not be announced).
   Focus inside the fragment stays on the same link or control; an unchanged fragment is left
   alone. A failed fetch keeps the last figures. */
(function () {
  "use strict";

  function focusKey(element) {
    var active = document.activeElement;
    if (!active || active === element || !element.contains(active)) { return null; }
    if (active.id) { return "#" + CSS.escape(active.id); }
    var href = active.getAttribute("href");
    return href ? '[href="' + CSS.escape(href) + '"]' : null;
  }

  function replace(element, html) {
    var key = focusKey(element);
    element.innerHTML = html;
    var again = key && element.querySelector(key);
    if (again) { again.focus(); }
  }

  function announce(element, stop) {
    var region = document.getElementById(element.getAttribute("data-poll-announce") || "");
    if (region) { region.textContent = stop.textContent; }
  }

  function start(element) {
    var seconds = Number(element.getAttribute("data-poll-seconds")) || 5;
    var last = null;
    var timer = window.setInterval(function () {
      fetch(element.getAttribute("data-poll"), { credentials: "same-origin", cache: "no-store" })
        .then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.text();
        })
        .then(function (html) {
          if (html === last) { return; }
          last = html;
          replace(element, html);
          var stop = element.querySelector("[data-poll-stop]");
          if (stop) {
            window.clearInterval(timer);
            announce(element, stop);
          }
        })
        .catch(function () { /* the next tick tries again */ });
    }, seconds * 1000);
  }

  document.querySelectorAll("[data-poll]").forEach(start);
})();
