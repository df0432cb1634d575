// A feedback item's "What processing found" while processing is still to come: the page asks
// for itself again every few seconds and, once the item is processed, swaps in that section
// alone, so nothing typed elsewhere on the page is lost. Without JS a reload shows the same.
(function () {
  "use strict";
  var INTERVAL_MS = 3000;
  var TRIES = 60;  // three minutes; a reload after that still works
  var tries = 0;

  function pending() {
    return document.querySelector("section#processing[data-pending]");
  }

  function check() {
    var section = pending();
    if (!section || tries++ >= TRIES) return;
    if (section.contains(document.activeElement)) {
      window.setTimeout(check, INTERVAL_MS);  // someone is using the section's forms: not now
      return;
    }
    fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) {
        var fresh = html && new DOMParser().parseFromString(html, "text/html")
          .querySelector("section#processing");
        if (fresh && !fresh.hasAttribute("data-pending")) {
          section.replaceWith(document.importNode(fresh, true));
          return;
        }
        window.setTimeout(check, INTERVAL_MS);
      })
      .catch(function () { window.setTimeout(check, INTERVAL_MS); });
  }

  if (pending()) window.setTimeout(check, INTERVAL_MS);
})();
