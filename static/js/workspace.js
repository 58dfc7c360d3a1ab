/*
 * Team Inbox: the workspace around every signed-in page.
 *
 * - the theme switch (remembered in a cookie the server reads, so pages render in it)
 * - the sidebar's menu button on narrow screens
 * - a conversation opened beside the list (htmx fills #thread-pane): the open row is marked,
 *   the thread scrolls to its newest message (or, opened at one message by its #message-…
 *   address, as a search hit opens it, to that one), narrow screens show the thread pane alone
 * - keyboard: / the sidebar's search box, r reply, e done, a assign to me, s snooze, Esc back /
 *   close, ? the shortcuts (j, k, Enter and u are the list's: conversations.js)
 * - desktop notifications (asked once, off by default) for new received messages in Mine,
 *   Unassigned and one's own inbox, the unread count in the tab's title and as a badge on the
 *   favicon
 * - toasts: what an action did, for a few seconds
 *
 * Everything here is an enhancement: without JavaScript every page works by links and forms.
 */
(function () {
  "use strict";

  var root = document.documentElement;
  root.classList.add("js");

  // ------------------------------------------------------------------ toasts

  var toasts = document.querySelector("[data-toasts]");

  function toast(text, kind) {
    if (!toasts || !text) {
      return;
    }
    var item = document.createElement("li");
    item.className = "toast" + (kind === "error" ? " error" : "");
    item.textContent = text;
    toasts.appendChild(item);
    window.setTimeout(function () {
      item.remove();
    }, kind === "error" ? 8000 : 4000);
  }

  window.TeamInbox = window.TeamInbox || {};
  window.TeamInbox.toast = toast;

  // ------------------------------------------------------------------ theme

  var THEME_COOKIE = "theme";
  var darkQuery = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;

  function themeNow() {
    var chosen = root.getAttribute("data-theme");
    if (chosen === "light" || chosen === "dark") {
      return chosen;
    }
    return darkQuery && darkQuery.matches ? "dark" : "light";
  }

  function themeSwitchShow() {
    var now = themeNow();
    document.querySelectorAll("[data-theme-switch]").forEach(function (form) {
      var button = form.querySelector("[data-theme-button]");
      var next = now === "dark" ? "light" : "dark";
      button.value = next;
      form.querySelector("[data-theme-label]").textContent = "Switch to the " + next + " theme";
      form.querySelectorAll("[data-theme-icon]").forEach(function (icon) {
        // the moon offers the dark theme, the sun the light one
        icon.hidden = icon.getAttribute("data-theme-icon") !== next;
      });
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target.closest && event.target.closest("[data-theme-switch]");
    if (!form) {
      return;
    }
    event.preventDefault();
    var next = form.querySelector("[data-theme-button]").value;
    document.cookie = THEME_COOKIE + "=" + next + "; path=/; max-age=31536000; samesite=lax" +
      (window.location.protocol === "https:" ? "; secure" : "");
    root.setAttribute("data-theme", next);
    themeSwitchShow();
    toast(next === "dark" ? "Dark theme on" : "Light theme on");
  });
  themeSwitchShow();
  if (darkQuery && darkQuery.addEventListener) {
    darkQuery.addEventListener("change", themeSwitchShow);
  }

  // ------------------------------------------------------------------ sidebar on narrow screens

  var sidebar = document.querySelector("[data-sidebar]");
  var sidebarToggle = document.querySelector("[data-sidebar-toggle]");
  if (sidebar && sidebarToggle) {
    sidebarToggle.hidden = false;
    sidebarToggle.addEventListener("click", function () {
      var open = !sidebar.classList.contains("is-open");
      sidebar.classList.toggle("is-open", open);
      sidebarToggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  // ------------------------------------------------------------------ the open conversation

  function threadPane() {
    return document.querySelector("[data-thread-pane]");
  }

  function targetMessage() {
    // the message the address names (#message-<id>: a search hit), when this page shows it
    var hash = window.location.hash;
    if (!/^#message-\d+$/.test(hash)) {
      return null;
    }
    var found = document.getElementById(hash.slice(1));
    return found && found.closest("ol.thread") ? found : null;
  }

  function scrollThreadToNewest() {
    // the newest message in sight, whichever element scrolls in this layout; where the
    // composer stays at the foot of the screen (narrower screens), above it, not under it
    var pane = threadPane();
    var composer = pane ? pane.querySelector(".composer") : null;
    if (composer) {
      var sticky = window.getComputedStyle(composer).position === "sticky";
      pane.style.setProperty("--composer-height", sticky ? composer.offsetHeight + "px" : "0px");
    }
    var target = targetMessage();
    if (target) {
      // opened at one message: that one in sight (its :target style marks it), not the newest
      if (target.scrollIntoView) {
        target.scrollIntoView({ block: "center" });
      }
      return;
    }
    var bubbles = document.querySelectorAll("ol.thread > li");
    var newest = bubbles.length ? bubbles[bubbles.length - 1] : null;
    if (newest && newest.scrollIntoView) {
      newest.scrollIntoView({ block: "end" });
    }
  }

  function markOpenRow() {
    var path = window.location.pathname;
    document.querySelectorAll("[data-row]").forEach(function (row) {
      var link = row.querySelector("[data-open]");
      var open = !!link && link.getAttribute("href").split("?")[0] === path;
      row.classList.toggle("is-open", open);
      if (open) {
        link.setAttribute("aria-current", "true");
      } else if (link) {
        link.removeAttribute("aria-current");
      }
    });
    var workspace = document.querySelector("[data-workspace]");
    if (workspace) {
      workspace.classList.toggle("has-thread", !!threadPane());
    }
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    markOpenRow();
    if (event.detail.target && event.detail.target.id === "thread-pane" ||
        (event.detail.elt && event.detail.elt.id === "thread-pane")) {
      scrollThreadToNewest();
      var heading = document.getElementById("thread-title");
      if (heading && window.matchMedia("(max-width: 767.98px)").matches) {
        // one pane at a time: the person is now in the thread
        heading.setAttribute("tabindex", "-1");
        heading.focus({ preventScroll: true });
      }
    }
  });

  // a failed partial load: say so rather than leave the click without effect
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (status === 404) {
      toast("That conversation is not there any more.", "error");
    } else {
      toast("That did not load. Try again in a moment.", "error");
    }
  });
  document.addEventListener("htmx:sendError", function () {
    toast("The dashboard cannot be reached. Check the connection and try again.", "error");
  });

  scrollThreadToNewest();
  // and again at load: the first call comes before the page's final layout (pictures, the
  // icons' sprite), which can leave the newest message out of sight
  window.addEventListener("load", scrollThreadToNewest);

  // ------------------------------------------------------------------ keyboard

  var sheet = document.querySelector("[data-shortcuts]");
  var sheetOpen = document.querySelector("[data-shortcuts-open]");

  function showShortcuts() {
    if (sheet && sheet.showModal && !sheet.open) {
      sheet.showModal();
    }
  }

  if (sheet) {
    if (sheetOpen) {
      sheetOpen.hidden = false;
      sheetOpen.addEventListener("click", showShortcuts);
    }
    sheet.querySelector("[data-shortcuts-close]").addEventListener("click", function () {
      sheet.close();
    });
  }

  function typing(target) {
    if (!target || !target.tagName) {
      return false;
    }
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "select" || tag === "textarea" || target.isContentEditable;
  }

  function searchBox() {
    // the sidebar's search box; on a narrow screen its menu opens first, where the box is
    var box = document.querySelector("[data-search-box]");
    if (box && sidebar && sidebarToggle && !sidebar.classList.contains("is-open") &&
        !box.offsetParent) {
      sidebarToggle.click();
    }
    return box;
  }

  function threadButton(selector) {
    var pane = threadPane();
    return pane ? pane.querySelector(selector) : null;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.altKey || event.metaKey) {
      return;
    }
    if (event.key === "Escape") {
      if (sheet && sheet.open) {
        return;  // the dialog closes itself
      }
      if (typing(event.target)) {
        event.target.blur();
        return;
      }
      var back = threadButton("[data-back]");
      if (back && window.matchMedia("(max-width: 767.98px)").matches) {
        event.preventDefault();
        back.click();
      }
      return;
    }
    if (typing(event.target)) {
      return;
    }
    var target;
    switch (event.key) {
      case "?":
        event.preventDefault();
        showShortcuts();
        break;
      case "/":
        // (in the SMS composer, a text field, / opens the saved replies instead: replies.js)
        target = searchBox();
        if (target) {
          event.preventDefault();
          target.focus();
          target.select();
        }
        break;
      case "r":
        target = threadButton("[data-composer] textarea");
        if (target) {
          event.preventDefault();
          target.focus();
        }
        break;
      case "e":
        target = threadButton('button[name="action"][value="close"]');
        if (target) {
          event.preventDefault();
          target.click();
        }
        break;
      case "a":
        target = threadButton("[data-assign-me]");
        if (target) {
          event.preventDefault();
          target.click();
        }
        break;
      case "s":
        target = threadButton("#ownership-snooze");
        if (target) {
          event.preventDefault();
          target.focus();
        }
        break;
      default:
        break;
    }
  });

  // ------------------------------------------------------------------ unread: title and favicon

  var favicon = document.querySelector('link[rel="icon"]');
  var plainIcon = favicon ? favicon.getAttribute("href") : null;

  function unreadTotal() {
    var total = 0;
    var any = false;
    document.querySelectorAll("[data-mailbox-unread]").forEach(function (count) {
      any = true;
      total += parseInt(count.textContent, 10) || 0;
    });
    if (!any) {
      var shown = document.querySelector("[data-unread-count]");
      if (shown) {
        total = parseInt(shown.textContent, 10) || 0;
      }
    }
    return total;
  }

  function badgeFavicon(count) {
    if (!favicon) {
      return;
    }
    if (!count) {
      favicon.setAttribute("href", plainIcon);
      return;
    }
    var canvas = document.createElement("canvas");
    canvas.width = 32;
    canvas.height = 32;
    var context = canvas.getContext("2d");
    if (!context) {
      return;
    }
    var image = new Image();
    image.onload = function () {
      context.drawImage(image, 0, 0, 32, 32);
      context.fillStyle = "#d92d20";
      context.beginPath();
      context.arc(23, 9, 9, 0, 2 * Math.PI);
      context.fill();
      context.fillStyle = "#ffffff";
      context.font = "bold 13px system-ui, sans-serif";
      context.textAlign = "center";
      context.textBaseline = "middle";
      context.fillText(count > 9 ? "9+" : String(count), 23, 10);
      favicon.setAttribute("href", canvas.toDataURL("image/png"));
    };
    image.src = plainIcon;
  }

  // the tab title with `count` in front; the count it had goes, not a customer's area code:
  // "(209) 571-3522 · Inbox" keeps its "(209)". The list's own script counts with it too.
  function titleCount(count) {
    var title = document.title.replace(/^\(\d+\+?\)\s+(?!\d{3}-\d{4})/, "");
    document.title = count > 0 ? "(" + count + ") " + title : title;
  }
  window.inboxTitleCount = titleCount;

  function unreadShow() {
    var count = unreadTotal();
    titleCount(count);
    root.setAttribute("data-unread-total", String(count));
    badgeFavicon(count);
  }

  unreadShow();
  document.addEventListener("inbox:live-refreshed", unreadShow);
  document.addEventListener("htmx:afterSettle", unreadShow);

  // ------------------------------------------------------------------ desktop notifications

  var NOTIFY_KEY = "teamInbox.notifications";
  var notifyToggle = document.querySelector("[data-notifications-toggle]");

  function notificationsOn() {
    try {
      return window.Notification && Notification.permission === "granted" &&
        window.localStorage.getItem(NOTIFY_KEY) === "on";
    } catch (ignored) {
      return false;
    }
  }

  function notifyToggleShow() {
    if (!notifyToggle) {
      return;
    }
    var on = notificationsOn();
    notifyToggle.setAttribute("aria-pressed", on ? "true" : "false");
    var icon = notifyToggle.querySelector("use");
    if (icon) {
      icon.setAttribute("href", icon.getAttribute("href").replace(/#.*$/, on ? "#bell" : "#bell-off"));
    }
  }

  if (notifyToggle && window.Notification) {
    notifyToggle.hidden = false;
    notifyToggleShow();
    notifyToggle.addEventListener("click", function () {
      if (notificationsOn()) {
        window.localStorage.setItem(NOTIFY_KEY, "off");
        notifyToggleShow();
        toast("Desktop notifications off");
        return;
      }
      // asked once: a refusal is the browser's to keep, and the button then says so
      Notification.requestPermission().then(function (permission) {
        if (permission === "granted") {
          window.localStorage.setItem(NOTIFY_KEY, "on");
          toast("Desktop notifications on for new messages in Mine, Unassigned and your inbox");
        } else {
          toast("The browser blocks notifications for this site: allow them in its settings.", "error");
        }
        notifyToggleShow();
      });
    });
  }

  // what the sidebar says is waiting in Mine and in Unassigned (threads with an unread
  // received message); a live refresh that raises either is something new for the person
  function unreadInViews() {
    var nav = document.querySelector("[data-sidebar-nav]");
    if (!nav) {
      return null;
    }
    var own = nav.querySelector("[data-own-unread]");
    return {
      mine: parseInt(nav.getAttribute("data-unread-mine"), 10) || 0,
      unassigned: parseInt(nav.getAttribute("data-unread-unassigned"), 10) || 0,
      own: own ? parseInt(own.getAttribute("data-own-unread"), 10) || 0 : 0,
    };
  }

  var waiting = unreadInViews();
  document.addEventListener("inbox:live-refreshed", function () {
    var before = waiting;
    var after = unreadInViews();
    waiting = after;
    if (!before || !after || !notificationsOn() || !document.hidden) {
      return;
    }
    var where = after.mine > before.mine ? "Mine"
      : after.unassigned > before.unassigned ? "Unassigned"
        : after.own > before.own ? "your inbox" : "";
    if (!where) {
      return;
    }
    root.setAttribute("data-notified", where);
    var note = new Notification("Team Inbox", {
      body: "New message in " + where,
      tag: "team-inbox-new",
    });
    note.onclick = function () {
      window.focus();
      note.close();
    };
  });

  // ------------------------------------------------------------------ messages after actions

  document.querySelectorAll(".notices .notice").forEach(function (notice) {
    // the server's confirmations stay on the page; a toast repeats the latest where the
    // notice is out of sight (a long list scrolled away)
    var rect = notice.getBoundingClientRect();
    if (rect.bottom < 0 || rect.top > window.innerHeight) {
      toast(notice.textContent.trim(), notice.classList.contains("error") ? "error" : "");
    }
  });
})();
