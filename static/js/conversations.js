/*
 * Team Inbox: keyboard shortcuts of the conversation list.
 *
 *   j / k   next / previous conversation      Enter  open it
 *   u       mark it read or unread
 *
 * (/ focuses the sidebar's search box on every page: workspace.js)
 *
 * Everything also works without this file: rows are links, the read toggle is a form.
 * Shortcuts are ignored while typing in a field or with Ctrl, Alt or Meta held.
 */
(function () {
  "use strict";

  var current = -1;

  function list() {
    return document.querySelector("[data-conversations]");
  }

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-row]"));
  }

  function say(text) {
    // not [data-live]: live updates mark the whole document with that attribute
    var live = document.querySelector("[data-list-announce]");
    if (live) {
      live.textContent = "";
      window.setTimeout(function () { live.textContent = text; }, 50);
    }
  }

  function select(index) {
    var all = rows();
    if (!all.length) {
      return;
    }
    current = Math.max(0, Math.min(all.length - 1, index));
    all.forEach(function (row, i) {
      row.classList.toggle("is-current", i === current);
    });
    var link = all[current].querySelector("[data-open]");
    if (link) {
      link.focus();
      all[current].scrollIntoView({ block: "nearest" });
    }
  }

  function currentRow() {
    var all = rows();
    var focused = document.activeElement && document.activeElement.closest
      ? document.activeElement.closest("[data-row]")
      : null;
    if (focused) {
      current = all.indexOf(focused);
      return focused;
    }
    if (current < 0 || current >= all.length) {
      // beside an open conversation, j and k move on from it
      var open = document.querySelector("[data-row].is-open");
      current = open ? all.indexOf(open) : -1;
    }
    return current >= 0 ? all[current] : null;
  }

  function setUnreadCount(delta) {
    var counter = document.querySelector("[data-unread-count]");
    if (!counter) {
      return;
    }
    var count = Math.max(0, (parseInt(counter.textContent, 10) || 0) + delta);
    counter.textContent = String(count);
    if (window.inboxTitleCount) {
      window.inboxTitleCount(count); // static/js/workspace.js, loaded before this script
    }
  }

  function toggleRead(row) {
    var form = row.querySelector("[data-read-toggle]");
    if (!form) {
      return;
    }
    var field = form.querySelector("input[name=read_status]");
    var button = form.querySelector("button");
    var markingRead = field.value === "Read";
    var body = new FormData(form);
    fetch(form.action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.json().then(function (data) {
          if (!response.ok) {
            throw new Error(data.message || "That did not work. Try again.");
          }
          return data;
        });
      })
      .then(function (data) {
        row.classList.toggle("is-unread", !markingRead);
        field.value = markingRead ? "Unread" : "Read";
        var who = button.querySelector(".visually-hidden");
        button.firstChild.textContent = markingRead ? "Mark unread" : "Mark read";
        if (who) {
          button.appendChild(who);
        }
        var marker = row.querySelector("[data-unread-marker]");
        if (marker) {
          marker.hidden = markingRead;
        }
        setUnreadCount(markingRead ? -1 : 1);
        say(data.message);
      })
      .catch(function (error) {
        say(error.message);
      });
  }

  function typing(target) {
    if (!target || !target.tagName) {
      return false;
    }
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "select" || tag === "textarea" || target.isContentEditable;
  }

  document.documentElement.setAttribute("data-inbox-keys", "ready");

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.altKey || event.metaKey || typing(event.target)) {
      return;
    }
    if (!list()) {
      return;
    }
    var row;
    switch (event.key) {
      case "j":
        event.preventDefault();
        select(currentRow() ? current + 1 : 0);
        break;
      case "k":
        event.preventDefault();
        select(currentRow() ? current - 1 : 0);
        break;
      case "Enter":
        row = currentRow();
        if (row && (document.activeElement === document.body ||
                    document.activeElement === document.getElementById("main"))) {
          event.preventDefault();
          row.querySelector("[data-open]").click();
        }
        break;
      case "u":
        row = currentRow();
        if (row) {
          event.preventDefault();
          toggleRead(row);
        }
        break;
      default:
        break;
    }
  });
})();
