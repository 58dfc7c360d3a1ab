/*
 * Team Inbox: the views' counts stay current. After live updates refresh the page
 * (live.js's "inbox:live-refreshed"), or every 15 seconds where the page has no live updates
 * (the views across mailboxes), this reads the counts from the API with the page's session
 * and writes them into the navigation. Without JavaScript the counts are those of the last
 * load.
 */
(function () {
  "use strict";

  if (!window.fetch || !document.querySelector("[data-ownership-counts]")) {
    return;
  }
  var EVERY = 15000;

  function refresh() {
    var nav = document.querySelector("[data-ownership-counts]");
    if (!nav) {
      return;
    }
    fetch(nav.getAttribute("data-ownership-counts"), {
      credentials: "same-origin",
      cache: "no-store",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (body) {
        // a single mailbox not read yet shows "…" rather than counts that are not true yet
        if (!body || (body.syncing.length && nav.hasAttribute("data-ownership-single"))) {
          return;
        }
        body.views.forEach(function (view) {
          var shown = nav.querySelector('[data-view-count="' + view.name + '"]');
          if (shown) {
            shown.textContent = String(view.count);
          }
        });
      })
      .catch(function () { /* the dashboard is restarting: the next round tries again */ });
  }

  document.addEventListener("inbox:live-refreshed", refresh);
  if (!document.querySelector("[data-live-url]")) {
    window.setInterval(function () {
      if (!document.hidden) {
        refresh();
      }
    }, EVERY);
  }
})();
