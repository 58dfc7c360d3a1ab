/*
 * Team Inbox: mentions in notes.
 *
 * - a new mention of the person (the sidebar's `data-mention-latest` grew after a live
 *   refresh) is told in the page ("Alex Morgan mentioned you"), and on the desktop too while
 *   the tab is in the background, if the person turned desktop notifications on (the bell,
 *   static/js/workspace.js)
 * - a thread opened beside a list (htmx) that held mentions of the person: the sidebar's
 *   count is fetched again, and the thread leaves the Mentions list on the page
 *
 * Without JavaScript the Mentions view and its count are those of the last load.
 */
(function () {
  "use strict";

  var root = document.documentElement;
  var NOTIFY_KEY = "teamInbox.notifications";  // the bell's choice (workspace.js)

  function nav() {
    return document.querySelector("[data-sidebar-nav]");
  }

  function latestMention() {
    var found = nav();
    if (!found) {
      return null;
    }
    return {
      id: parseInt(found.getAttribute("data-mention-latest"), 10) || 0,
      author: found.getAttribute("data-mention-author") || "A teammate",
    };
  }

  function desktopOn() {
    try {
      return window.Notification && Notification.permission === "granted" &&
        window.localStorage.getItem(NOTIFY_KEY) === "on";
    } catch (ignored) {
      return false;
    }
  }

  function tell(author) {
    var text = author + " mentioned you";
    if (window.TeamInbox && window.TeamInbox.toast) {
      window.TeamInbox.toast(text);
    }
    root.setAttribute("data-mention-told",
      String((parseInt(root.getAttribute("data-mention-told"), 10) || 0) + 1));
    if (document.hidden && desktopOn()) {
      var note = new Notification("Team Inbox", { body: text, tag: "team-inbox-mention" });
      note.onclick = function () {
        window.focus();
        note.close();
      };
    }
  }

  var seen = latestMention();
  document.addEventListener("inbox:live-refreshed", function () {
    var now = latestMention();
    if (seen && now && now.id > seen.id) {
      tell(now.author);
    }
    seen = now || seen;
  });

  // ------------------------------------------------------------------ opened beside a list

  var fetching = false;

  function sidebarAgain() {
    var current = nav();
    if (!current || fetching || !window.fetch || !window.DOMParser) {
      return;
    }
    fetching = true;
    fetch(current.getAttribute("data-sidebar-url"), { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html")
          .querySelector("[data-sidebar-nav]");
        var shown = nav();
        if (!fresh || !shown || shown.contains(document.activeElement)) {
          return;
        }
        // which link is the current page stays this page's
        shown.querySelectorAll("a[aria-current]").forEach(function (link) {
          var same = fresh.querySelector('a[href="' + link.getAttribute("href") + '"]');
          if (same) {
            same.setAttribute("aria-current", link.getAttribute("aria-current"));
          }
        });
        shown.replaceWith(document.importNode(fresh, true));
        seen = latestMention();
        document.dispatchEvent(new CustomEvent("inbox:live-refreshed"));
      })
      .catch(function () { /* the next live refresh brings it */ })
      .then(function () {
        fetching = false;
      });
  }

  document.addEventListener("htmx:afterSwap", function () {
    var opened = document.querySelector("#thread-pane [data-mentions-opened]");
    if (!opened) {
      return;
    }
    opened.removeAttribute("data-mentions-opened");
    var row = document.querySelector('[data-mention-row="' + window.location.pathname + '"]');
    if (row) {
      row.remove();
    }
    sidebarAgain();
  });
})();
