/*
 * Team Inbox, saved replies in the SMS composer.
 *
 * "/" typed at the start of the message or after a space (not inside a web address), or the
 * "Insert a saved reply" button, opens a list of the person's saved replies, filled in on the
 * server for this conversation. A search box above it is the WAI-ARIA combobox: typing
 * filters, the arrow keys choose (aria-activedescendant), Enter or a tap inserts, Escape goes
 * back to the message. The inserted text takes the place of the "/"; an `input` event then
 * tells the composer's counter (sending.js) to count it.
 *
 * Everything shown or inserted goes in as text (textContent, value): a reply holding markup
 * stays markup-looking text.
 */
(function () {
  "use strict";

  var serial = 0;

  function setUp(picker) {
    var form = picker.closest("form");
    var area = form && form.querySelector("[data-sms-text]");
    if (!area) {
      return;
    }
    var opener = picker.querySelector("[data-replies-open]");
    var popup = picker.querySelector("[data-replies-popup]");
    var search = picker.querySelector("[data-replies-search]");
    var list = picker.querySelector("[data-replies-list]");
    var status = picker.querySelector("[data-replies-status]");
    var url = picker.getAttribute("data-url");
    var prefix = "saved-reply-" + (serial += 1) + "-";
    var replies = null;  // as last loaded
    var matches = [];
    var active = -1;
    var slashAt = -1;  // where the "/" that opened the list is in the message, or -1
    var caret = 0;  // where to insert when the button opened it
    var request = 0;  // the latest load: an older answer arriving late is dropped

    // beside the message it fills, not below the files
    var field = area.closest(".field");
    if (field && field.nextElementSibling !== picker) {
      field.after(picker);
    }
    picker.hidden = false;
    var described = (area.getAttribute("aria-describedby") || "").split(" ");
    if (described.indexOf("saved-replies-hint") < 0) {
      described.push("saved-replies-hint");
      area.setAttribute("aria-describedby", described.join(" ").trim());
    }

    function isOpen() {
      return !popup.hidden;
    }

    function say(text) {
      status.textContent = text;
      status.hidden = !text;
    }

    function setActive(index) {
      active = index;
      Array.prototype.forEach.call(list.children, function (option, i) {
        option.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      var option = index >= 0 ? list.children[index] : null;
      if (option) {
        search.setAttribute("aria-activedescendant", option.id);
        if (option.scrollIntoView) {
          option.scrollIntoView({ block: "nearest" });
        }
      } else {
        search.removeAttribute("aria-activedescendant");
      }
    }

    function render() {
      if (replies === null) {
        return;
      }
      var query = search.value.trim().toLowerCase();
      var byName = [];
      var byText = [];
      replies.forEach(function (reply) {
        if (!query || reply.name.toLowerCase().indexOf(query) >= 0) {
          byName.push(reply);
        } else if (reply.text.toLowerCase().indexOf(query) >= 0) {
          byText.push(reply);
        }
      });
      matches = byName.concat(byText);
      list.textContent = "";
      matches.forEach(function (reply, i) {
        var option = document.createElement("li");
        option.id = prefix + i;
        option.className = "replies-option";
        option.setAttribute("role", "option");
        // named by what it shows: the reply's name, then its text
        var name = document.createElement("span");
        name.className = "replies-option-name";
        name.textContent = reply.name;
        var colon = document.createElement("span");
        colon.className = "visually-hidden";
        colon.textContent = ": ";
        var scope = document.createElement("span");
        scope.className = "badge";
        scope.setAttribute("aria-hidden", "true");
        scope.textContent = reply.team_wide ? "Team" : "Yours";
        var text = document.createElement("span");
        text.className = "replies-option-text";
        text.textContent = reply.text;
        option.append(name, colon, scope, text);
        list.appendChild(option);
      });
      list.hidden = matches.length === 0;
      search.setAttribute("aria-expanded", matches.length ? "true" : "false");
      if (!replies.length) {
        say("You have no saved replies yet.");
      } else if (!matches.length) {
        say("No saved reply matches “" + search.value.trim() + "”.");
      } else {
        say(matches.length === 1 ? "1 saved reply." : matches.length + " saved replies.");
      }
      setActive(matches.length ? 0 : -1);
    }

    function load() {
      var mine = (request += 1);
      say("Loading saved replies…");
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) {
            throw new Error(String(response.status));
          }
          return response.json();
        })
        .then(function (body) {
          if (mine === request) {
            replies = body.replies;
            render();
          }
        })
        .catch(function () {
          if (mine === request) {
            replies = null;
            list.hidden = true;
            say("Your saved replies could not be loaded. Press Escape and try again.");
          }
        });
    }

    function open(at) {
      slashAt = at;
      caret = area.selectionStart;
      popup.hidden = false;
      opener.setAttribute("aria-expanded", "true");
      search.value = "";
      if (replies !== null) {
        render();  // what was loaded before, at once; the fresh list follows
      }
      load();
      search.focus();
    }

    function close(backToMessage) {
      if (!isOpen()) {
        return;
      }
      popup.hidden = true;
      request += 1;
      opener.setAttribute("aria-expanded", "false");
      search.setAttribute("aria-expanded", "false");
      search.removeAttribute("aria-activedescendant");
      if (backToMessage) {
        area.focus();
      }
    }

    function insert(reply) {
      var value = area.value;
      var start = caret;
      var end = caret;
      if (slashAt >= 0 && value.charAt(slashAt) === "/") {
        start = slashAt;
        end = slashAt + 1;
      }
      area.value = value.slice(0, start) + reply.text + value.slice(end);
      close(true);
      var after = start + reply.text.length;
      area.setSelectionRange(after, after);
      // the counter listens for input: it counts what was inserted
      area.dispatchEvent(new Event("input", { bubbles: true }));
    }

    area.addEventListener("input", function (event) {
      if (event.inputType !== "insertText" || event.data !== "/") {
        return;
      }
      var at = area.selectionStart - 1;
      var before = at > 0 ? area.value.charAt(at - 1) : "";
      if (before === "" || /\s/.test(before)) {
        open(at);
      }
    });

    opener.addEventListener("click", function () {
      if (isOpen()) {
        close(true);
      } else {
        open(-1);
      }
    });

    search.addEventListener("input", render);

    search.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (matches.length) {
          var step = event.key === "ArrowDown" ? 1 : -1;
          setActive((active + step + matches.length) % matches.length);
        }
      } else if (event.key === "Enter") {
        event.preventDefault();  // never the composer's submit
        if (active >= 0 && matches[active]) {
          insert(matches[active]);
        }
      } else if (event.key === "Escape") {
        event.preventDefault();
        event.stopPropagation();
        close(true);
      } else if (event.key === "Tab") {
        close(false);
      }
    });

    // keep the focus in the search box while an option is pressed, so the list stays open
    list.addEventListener("mousedown", function (event) {
      event.preventDefault();
    });
    list.addEventListener("click", function (event) {
      var option = event.target.closest("[role=option]");
      if (option) {
        var index = Array.prototype.indexOf.call(list.children, option);
        if (matches[index]) {
          insert(matches[index]);
        }
      }
    });

    picker.addEventListener("focusout", function (event) {
      if (isOpen() && !(event.relatedTarget && picker.contains(event.relatedTarget))) {
        close(false);
      }
    });
  }

  function setUpWithin(root) {
    Array.prototype.forEach.call(root.querySelectorAll("[data-saved-replies]"), function (picker) {
      if (!picker.hasAttribute("data-saved-replies-ready")) {
        picker.setAttribute("data-saved-replies-ready", "");
        setUp(picker);
      }
    });
  }

  setUpWithin(document);
  // a conversation opened beside the list brings its composer with it
  document.addEventListener("htmx:load", function (event) {
    setUpWithin(event.detail.elt.parentNode || document);
  });
})();
