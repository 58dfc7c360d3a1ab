/*
 * Team Inbox: the search page's results follow the mailboxes they come from.
 *
 * - The form asks htmx for the results alone (templates/inbox/search/page.html), also as soon
 *   as a filter is chosen; the address it pushes leaves out the filters left empty, and each
 *   new set of results is announced.
 * - When one of the searched mailboxes changes (a message arrived, the first sync of one not
 *   searched yet finished), the results are fetched again and morphed in, as live.js does for
 *   lists: live.js itself refreshes the page's own mailbox (the results are a
 *   `data-live-replace` part), this file the others, which live.js announces as
 *   `inbox:live-event`. Once the page's event stream first opens, the results are fetched
 *   once more: a change made between the page's rendering and that moment comes with no
 *   event of its own.
 *
 * Without this file the page works as a form that loads the whole page.
 */
(function () {
  "use strict";

  var RESULTS = "#search-results";
  var root = document.documentElement;

  function results() {
    return document.querySelector(RESULTS);
  }

  function announce() {
    var region = document.querySelector("[data-search-announce]");
    var shown = results();
    if (!region || !shown) {
      return;
    }
    var text = shown.getAttribute("data-search-summary") || "";
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 50);
  }

  // ------------------------------------------------------------------ the form (htmx)

  document.addEventListener("htmx:configRequest", function (event) {
    var form = event.detail.elt;
    if (!form || !form.matches || !form.matches("[data-search-form]")) {
      return;
    }
    var parameters = event.detail.parameters;
    ["q", "mailbox", "type", "direction", "start", "end", "assignee", "status"].forEach(
      function (name) {
        var value = parameters[name];
        if (value === "" || value === undefined || value === null) {
          delete parameters[name];
        }
      });
  });

  // a filter chosen searches at once; the text box waits for Enter or the button
  document.addEventListener("change", function (event) {
    var field = event.target;
    var form = field && field.closest ? field.closest("[data-search-form]") : null;
    if (form && field.matches("select, input[type=date]") && form.requestSubmit) {
      form.requestSubmit();
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "search-results" ||
        (event.detail.elt && event.detail.elt.matches &&
         event.detail.elt.matches("[data-search-form]"))) {
      announce();
    }
  });

  // ------------------------------------------------------------------ live

  var fetching = false;
  var again = false;

  function refresh() {
    // one fetch at a time; changes meanwhile make one more
    if (fetching) {
      again = true;
      return;
    }
    fetching = true;
    var asked = window.location.href;
    fetch(asked, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { "HX-Request": "true", "HX-Target": "search-results" },
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        if (window.location.href !== asked) {
          again = true;  // searched again meanwhile: these are the results of the search left
          return;
        }
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector(RESULTS);
        var current = results();
        if (!fresh || !current || current.contains(document.activeElement)) {
          return;  // the person is among the results: the next change brings them
        }
        var before = current.getAttribute("data-search-summary");
        if (window.Idiomorph) {
          window.Idiomorph.morph(current, fresh, { morphStyle: "outerHTML" });
        } else {
          current.replaceWith(document.importNode(fresh, true));
        }
        if (results() && results().getAttribute("data-search-summary") !== before) {
          announce();
        }
        root.setAttribute("data-search-refreshed",
          String((parseInt(root.getAttribute("data-search-refreshed"), 10) || 0) + 1));
      })
      .catch(function () { /* the next change tries again */ })
      .then(function () {
        fetching = false;
        if (again) {
          again = false;
          refresh();
        }
      });
  }

  function followed(extensionId) {
    var shown = results();
    var ids = shown ? (shown.getAttribute("data-search-followed") || "").split(" ") : [];
    return ids.indexOf(String(extensionId)) >= 0;
  }

  function ownMailbox() {
    var bar = document.querySelector("[data-live-url][data-extension-id]");
    return bar ? Number(bar.getAttribute("data-extension-id")) : null;
  }

  document.addEventListener("inbox:live-event", function (event) {
    var extensionId = Number(event.detail && event.detail.extension_id);
    if (extensionId !== ownMailbox() && followed(extensionId)) {
      refresh();
    }
  });

  // the first opening of the page's event stream (live.js marks it on <html>)
  if (window.MutationObserver && document.querySelector("[data-live-url]")) {
    var watch = new MutationObserver(function () {
      if (root.getAttribute("data-live-stream") === "open") {
        watch.disconnect();
        refresh();
      }
    });
    watch.observe(root, { attributes: true, attributeFilter: ["data-live-stream"] });
  }
})();
