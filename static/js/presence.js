/*
 * Team Inbox, presence: who else has the open conversation, and who is typing a reply in it.
 *
 * While a thread is open and the tab is visible, the page tells the dashboard it is there
 * (a heartbeat every 3 s; the server forgets it 10 s after the last one) and asks every
 * second who else is (`[data-presence]`, a polite status line: "Riley is viewing",
 * "Riley is typing…"). Typing in the composer says so (the server forgets it 4 s after the
 * last keystroke). Leaving the thread, the page or the tab says goodbye at once, so the
 * others see the person gone within a second or two rather than at the expiry.
 *
 * Before the reply composer sends, it asks whether someone else replied in the conversation
 * since typing started (the composer's `typing_since`, this browser's clock; the server is
 * told how long ago, so the two clocks need not agree). If so, it asks "Riley replied 20 s
 * ago — send anyway?" with Send anyway and Cancel; Cancel keeps the text. Without JavaScript
 * the composer sends without asking.
 */
(function () {
  "use strict";

  if (!window.fetch || !window.FormData) {
    return;
  }
  // after each answer: a change is seen within this plus two answers; at 1 s, arrival's p95
  // was just over the 1 s aim (docs/benchmarks.md, "Presence")
  var POLL_EVERY = 600;
  var HEARTBEAT_EVERY = 3000;
  var TYPING_EVERY = 1500;

  var current = null;  // the open thread: {element, url, leaveUrl, csrf, timer, beat, typed}

  function post(state, url, fields) {
    var body = new FormData();
    Object.keys(fields).forEach(function (name) {
      body.append(name, fields[name]);
    });
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      cache: "no-store",
      headers: { Accept: "application/json", "X-CSRFToken": state.csrf },
      body: body,
    });
  }

  function show(state, body) {
    if (state !== current || !body) {
      return;
    }
    var text = body.text || "";
    // a live region speaks on every change: only real changes are made
    if (state.element.textContent !== text) {
      state.element.textContent = text;
    }
  }

  function answered(state, request) {
    return request
      .then(function (response) {
        if (response.status === 404 && state === current) {
          current = null;  // not a mailbox this person may open: nothing to follow
        }
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.json();
      })
      .then(function (body) {
        show(state, body);
      });
  }

  function tick(state) {
    if (state !== current || document.visibilityState === "hidden") {
      return;
    }
    var now = Date.now();
    var request;
    if (now - state.beat >= HEARTBEAT_EVERY) {
      state.beat = now;
      request = post(state, state.url, { kind: "viewing" });
    } else {
      request = fetch(state.url, {
        credentials: "same-origin",
        cache: "no-store",
        headers: { Accept: "application/json" },
      });
    }
    answered(state, request)
      .catch(function () { /* the next tick tries again */ })
      .then(function () {
        if (state === current) {
          window.clearTimeout(state.timer);
          state.timer = window.setTimeout(function () { tick(state); }, POLL_EVERY);
        }
      });
  }

  function goodbye(state) {
    window.clearTimeout(state.timer);
    state.beat = 0;
    var body = new FormData();
    body.append("csrfmiddlewaretoken", state.csrf);
    // a beacon outlives the page that sends it
    if (!(navigator.sendBeacon && navigator.sendBeacon(state.leaveUrl, body))) {
      fetch(state.leaveUrl, {
        method: "POST", credentials: "same-origin", body: body, keepalive: true,
      }).catch(function () { /* it expires by itself */ });
    }
  }

  function sync() {
    var element = document.querySelector("[data-presence]");
    var url = element && element.getAttribute("data-presence-url");
    if (current && current.url === url) {
      if (current.element !== element) {
        // the same thread drawn again: keep what is known
        element.textContent = current.element.textContent;
        current.element = element;
      }
      return;
    }
    if (current) {
      goodbye(current);
      current = null;
    }
    if (element) {
      current = {
        element: element,
        url: url,
        leaveUrl: element.getAttribute("data-presence-leave-url"),
        csrf: element.getAttribute("data-csrf"),
        timer: null,
        beat: 0,
        typed: 0,
      };
      tick(current);
    }
  }

  document.addEventListener("visibilitychange", function () {
    if (!current) {
      return;
    }
    if (document.visibilityState === "hidden") {
      goodbye(current);
    } else {
      tick(current);
    }
  });
  window.addEventListener("pagehide", function () {
    if (current) {
      goodbye(current);
      current = null;
    }
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      sync();  // back from the browser's page cache
    }
  });
  // a conversation opened beside the list, or Back and Forward between them
  document.addEventListener("htmx:load", sync);
  document.addEventListener("htmx:historyRestore", sync);
  window.addEventListener("popstate", function () { window.setTimeout(sync, 0); });

  // ------------------------------------------------------------------ typing

  function composerParts(form) {
    return {
      since: form.querySelector("[data-typing-since]"),
      box: form.querySelector("[data-collision]"),
      area: form.querySelector("[data-sms-text]"),
    };
  }

  document.addEventListener("input", function (event) {
    var area = event.target;
    var form = area && area.closest && area.closest("form[data-composer]");
    if (!form || !area.hasAttribute("data-sms-text")) {
      return;
    }
    var parts = composerParts(form);
    if (parts.since) {
      if (!area.value) {
        parts.since.value = "";  // an emptied composer starts afresh
      } else if (!parts.since.value) {
        parts.since.value = String(Date.now());
      }
    }
    var state = current;
    if (!state || !area.value || Date.now() - state.typed < TYPING_EVERY) {
      return;
    }
    state.typed = Date.now();
    answered(state, post(state, state.url, { kind: "typing" }))
      .catch(function () { /* typing shows again with the next keystroke */ });
  });

  // ------------------------------------------------------------------ the collision check

  var confirmed = [];  // forms whose next submit goes out without asking

  function sendNow(form, submitter) {
    confirmed.push(form);
    if (form.requestSubmit) {
      form.requestSubmit(submitter && submitter.form === form ? submitter : undefined);
    } else {
      form.submit();
    }
  }

  function ask(form, parts, question, submitter) {
    var text = parts.box.querySelector("[data-collision-text]");
    var anyway = parts.box.querySelector("[data-collision-send]");
    var cancel = parts.box.querySelector("[data-collision-cancel]");
    text.textContent = question;
    parts.box.hidden = false;
    anyway.focus();
    function close() {
      parts.box.hidden = true;
      anyway.removeEventListener("click", onAnyway);
      cancel.removeEventListener("click", onCancel);
    }
    function onAnyway() {
      close();
      sendNow(form, submitter);
    }
    function onCancel() {
      close();
      // the reply is seen now: the next Send asks only about newer ones
      parts.since.value = String(Date.now());
      if (parts.area) {
        parts.area.focus();
      }
    }
    anyway.addEventListener("click", onAnyway);
    cancel.addEventListener("click", onCancel);
  }

  // capturing, so the question comes before the composer's own handlers see the submit
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var waiting = confirmed.indexOf(form);
    if (waiting >= 0) {
      confirmed.splice(waiting, 1);
      return;
    }
    var parts = composerParts(form);
    if (!parts.since || !parts.box || !parts.since.value) {
      return;
    }
    event.preventDefault();
    event.stopImmediatePropagation();
    if (form.hasAttribute("data-collision-asking") || !parts.box.hidden) {
      return;
    }
    form.setAttribute("data-collision-asking", "");
    var submitter = event.submitter;
    var typingFor = Math.min(86400000, Math.max(0, Date.now() - Number(parts.since.value)));
    var url = parts.box.getAttribute("data-replies-url") + "?typing_for=" +
      encodeURIComponent(String(Math.round(typingFor)));
    fetch(url, { credentials: "same-origin", cache: "no-store",
                 headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.json();
      })
      .then(function (body) {
        form.removeAttribute("data-collision-asking");
        if (body.reply) {
          ask(form, parts, body.reply.question, submitter);
        } else {
          sendNow(form, submitter);
        }
      })
      .catch(function () {
        // a question that cannot be asked must not keep the reply from going out
        form.removeAttribute("data-collision-asking");
        sendNow(form, submitter);
      });
  }, true);

  sync();
})();
