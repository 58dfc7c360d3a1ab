/*
 * Team Inbox, scheduled SMS: "Send later" reads the chosen time in the browser's time zone.
 * The zone goes in the composer's hidden field and in its label; a field the server already
 * filled (the zone of a time being corrected) is left alone. Without this script the time is
 * read in the site's zone, as the label then says.
 */
(function () {
  "use strict";

  function browserZone() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (e) {
      return "";  // an old browser: the server's zone applies, as the label says
    }
  }

  function setUpWithin(root) {
    var zone = browserZone();
    if (!zone) {
      return;
    }
    Array.prototype.forEach.call(root.querySelectorAll("[data-send-later]"), function (box) {
      var field = box.querySelector("[data-zone-field]");
      if (!field || field.value) {
        return;
      }
      field.value = zone;
      var name = box.querySelector("[data-zone-name]");
      if (name) {
        name.textContent = zone;
      }
    });
  }

  setUpWithin(document);
  // a conversation opened beside the list brings its composer with it
  document.addEventListener("htmx:load", function (event) {
    setUpWithin(event.detail.elt.parentNode || document);
  });
})();
