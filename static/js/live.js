/*
 * Team Inbox: open lists and threads follow the mailbox without a reload.
 *
 * The page listens to the dashboard's event stream (server-sent events, `data-stream-url`):
 * one stream for every mailbox the person follows, which says "changed" with a mailbox's new
 * change counter within moments of RingCentral's notification. When the open page's mailbox
 * (`data-extension-id`) changed, the page fetches itself again and morphs what changed into
 * the open one with Idiomorph (static/vendor/idiomorph): the conversation list, the thread,
 * the parts marked `data-live-replace`, the unread count and the tab title. Rows and bubbles
 * are matched by their ids; what the person is typing (the composer and the filters are
 * outside what is morphed, and a focused field keeps its value), the focus, the keyboard's
 * current row and a playing voicemail stay as they are.
 *
 * Every event, for any mailbox, is also told to other scripts as an `inbox:live-event` on the
 * document (detail: {extension_id, counter}); each refresh ends with `inbox:live-refreshed`.
 *
 * When the stream is down (the server restarting, a proxy cutting it, a browser without
 * EventSource), and while the page is out of sight, the page asks for its mailbox's counter
 * every 2 seconds instead (`data-live-url`, a cache read on the server) until the stream opens
 * again.
 *
 * `data-live="on"` on <html> says the page follows its mailbox; `data-live-stream` says whether
 * its stream is "open", "down" (then it polls) or "off" (the page is out of sight: it polls).
 *
 * An optional sound (off by default; kept in localStorage) plays when a new message arrives.
 */
(function () {
  "use strict";

  var bar = document.querySelector("[data-live-url]");
  if (!bar || !window.fetch || !window.DOMParser) {
    return;
  }
  var pollUrl = bar.getAttribute("data-live-url");
  var streamUrl = bar.getAttribute("data-stream-url");
  var mailbox = Number(bar.getAttribute("data-extension-id") ||
                       (pollUrl.match(/\/inbox\/(\d+)\/live\//) || [])[1]);
  var POLL_EVERY = 2000;
  var STREAM_GRACE = 4000;   // a stream that reconnects by itself within this needs no poll
  var STREAM_AGAIN = 15000;  // a stream the browser gave up on is tried again after this
  var SOUND_KEY = "teamInbox.liveSound";
  var counters = {};  // extension id: the last counter seen
  var audio = null;

  // ------------------------------------------------------------------ the sound toggle

  var toggle = bar.querySelector("[data-live-sound]");
  bar.hidden = false;
  try {
    toggle.checked = window.localStorage.getItem(SOUND_KEY) === "on";
  } catch (ignored) {
    toggle.checked = false;
  }
  toggle.addEventListener("change", function () {
    try {
      window.localStorage.setItem(SOUND_KEY, toggle.checked ? "on" : "off");
    } catch (ignored) { /* private mode: the choice lasts for this page */ }
    if (toggle.checked) {
      unlockAudio();
    }
  });

  function unlockAudio() {
    // browsers let a page make sound only after a gesture: the click on the toggle is one
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!audio && Context) {
      audio = new Context();
    }
  }

  function ding() {
    if (!toggle.checked) {
      return;
    }
    unlockAudio();
    if (!audio) {
      return;
    }
    var tone = audio.createOscillator();
    var volume = audio.createGain();
    tone.frequency.value = 880;
    volume.gain.setValueAtTime(0.15, audio.currentTime);
    volume.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.3);
    tone.connect(volume);
    volume.connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + 0.3);
    document.documentElement.setAttribute("data-live-dings",
      String((parseInt(document.documentElement.getAttribute("data-live-dings"), 10) || 0) + 1));
  }

  // ------------------------------------------------------------------ morphing a fresh page

  function keyOf(node) {
    if (node.id) {
      return node.id;
    }
    var link = node.querySelector && node.querySelector("[data-open]");
    return link ? link.getAttribute("href").split("?")[0] : null;
  }

  function keysOf(container) {
    var keys = {};
    if (container) {
      Array.prototype.forEach.call(container.children, function (child) {
        var key = keyOf(child);
        if (key) {
          keys[key] = true;
        }
      });
    }
    return keys;
  }

  function newChildren(container, before, wanted) {
    if (!container) {
      return [];
    }
    return Array.prototype.filter.call(container.children, function (child) {
      var key = keyOf(child);
      return key && !before[key] && wanted(child);
    });
  }

  function focusIn(part) {
    // where the focus is, to put it back should the morph have lost it
    var active = document.activeElement;
    if (!active || active === document.body || !part.contains(active)) {
      return null;
    }
    var holder = active.id ? active : active.parentElement && active.parentElement.closest("[id]");
    if (!holder || !part.contains(holder)) {
      return null;
    }
    return { id: holder.id, open: holder !== active && active.hasAttribute("data-open") };
  }

  function focusAgain(focus) {
    if (!focus || (document.activeElement && document.activeElement !== document.body)) {
      return;
    }
    var holder = document.getElementById(focus.id);
    var target = holder && (focus.open ? holder.querySelector("[data-open]") : holder);
    if (target && target.focus) {
      target.focus({ preventScroll: true });
    }
  }

  function stillPlaying(node) {
    // a voicemail being listened to is left alone
    return !(node instanceof HTMLMediaElement && !node.paused);
  }

  function morph(current, fresh) {
    if (!current || !fresh) {
      return;
    }
    var focus = focusIn(current);
    var chosen = Array.prototype.map.call(current.querySelectorAll(".is-current[id]"),
      function (node) { return node.id; });
    if (window.Idiomorph) {
      window.Idiomorph.morph(current, fresh, {
        morphStyle: "outerHTML",
        ignoreActiveValue: true,
        callbacks: { beforeNodeMorphed: stillPlaying },
      });
    } else {
      current.replaceWith(document.importNode(fresh, true));
    }
    // the keyboard's current row is the page's own state, not the server's
    chosen.forEach(function (id) {
      var node = document.getElementById(id);
      if (node) {
        node.classList.add("is-current");
      }
    });
    focusAgain(focus);
  }

  /* Morph the part `selector` names into its fresh version; the children it gained that
     `counts` picks (what the sound rings for), or null when the page or `doc` lacks it. */
  function morphPart(doc, selector, counts) {
    var current = document.querySelector(selector);
    var fresh = doc.querySelector(selector);
    if (!current || !fresh) {
      return null;
    }
    var before = keysOf(current);
    morph(current, fresh);
    return newChildren(document.querySelector(selector), before, counts);
  }

  function unreadOf(root) {
    var counted = root.querySelector("[data-unread-count]");
    return counted ? parseInt(counted.textContent, 10) || 0 : null;
  }

  function apply(doc) {
    var before = unreadOf(document);
    var arrived = [];

    var rows = morphPart(doc, "[data-conversations]", function (row) {
      return row.classList.contains("is-unread");
    });
    if (rows) {
      arrived = arrived.concat(rows);
    } else if (document.querySelector("[data-conversations]") ||
               doc.querySelector("[data-conversations]")) {
      // the list appeared or emptied: the part around it changes
      morph(document.querySelector("[data-inbox=list]"), doc.querySelector("[data-inbox=list]"));
    }
    var bubbles = morphPart(doc, "ol.thread", function (bubble) {
      return bubble.classList.contains("inbound");
    });
    if (bubbles) {
      arrived = arrived.concat(bubbles);
    }

    // parts that follow the page as a whole (a thread's owner and status), unless the person
    // is using them right now
    document.querySelectorAll("[data-live-replace]").forEach(function (current) {
      var name = current.getAttribute("data-live-replace");
      var fresh = doc.querySelector('[data-live-replace="' + name + '"]');
      if (fresh && !current.contains(document.activeElement)) {
        morph(current, fresh);
      }
    });

    var freshCounts = doc.querySelectorAll("[data-unread-count]");
    document.querySelectorAll("[data-unread-count]").forEach(function (shown, index) {
      if (freshCounts[index]) {
        shown.textContent = freshCounts[index].textContent;
      }
    });
    if (doc.title) {
      document.title = doc.title;
    }
    var after = unreadOf(doc);
    if (arrived.length || (before !== null && after !== null && after > before)) {
      ding();
    }
    document.dispatchEvent(new CustomEvent("inbox:live-refreshed"));
  }

  var refreshing = false;
  var refreshAgain = false;

  function refresh() {
    // one fetch at a time; changes meanwhile make one more
    if (refreshing) {
      refreshAgain = true;
      return;
    }
    refreshing = true;
    var asked = window.location.href;
    fetch(asked, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { "X-Live-Refresh": "1" },
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        if (window.location.href !== asked) {
          // the person went on meanwhile (another search, conversation or page in place):
          // this answer is of the page they left, and would morph it back over the new one
          refreshAgain = true;
          return;
        }
        apply(new DOMParser().parseFromString(html, "text/html"));
      })
      .catch(function () { /* the next change, or the next poll, tries again */ })
      .then(function () {
        refreshing = false;
        if (refreshAgain) {
          refreshAgain = false;
          refresh();
        }
      });
  }

  var sidebarFetching = false;

  /* Another of the person's mailboxes changed: only the sidebar's counts move. It comes
     alone (inbox:sidebar); which of its links is the current page stays this page's. */
  function sidebarRefresh() {
    var nav = document.querySelector("[data-sidebar-nav]");
    if (!nav || sidebarFetching) {
      return;
    }
    sidebarFetching = true;
    fetch(nav.getAttribute("data-sidebar-url"), { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html")
          .querySelector("[data-sidebar-nav]");
        var current = document.querySelector("[data-sidebar-nav]");
        if (!fresh || !current || current.contains(document.activeElement)) {
          return;
        }
        var marked = Array.prototype.map.call(current.querySelectorAll("a[aria-current]"),
          function (link) { return link.getAttribute("href"); });
        morph(current, fresh);
        marked.forEach(function (href) {
          var link = document.querySelector('[data-sidebar-nav] a[href="' + href + '"]');
          if (link) {
            link.setAttribute("aria-current", "page");
          }
        });
        document.dispatchEvent(new CustomEvent("inbox:live-refreshed"));
      })
      .catch(function () { /* the next change tries again */ })
      .then(function () {
        sidebarFetching = false;
      });
  }

  // ------------------------------------------------------------------ counters

  function seen(extensionId, counter, pushed) {
    var before = counters[extensionId];
    counters[extensionId] = counter;
    if (before === counter || (before === undefined && !pushed)) {
      return;  // nothing new, or the first counter of this page
    }
    document.dispatchEvent(new CustomEvent("inbox:live-event", {
      detail: { extension_id: extensionId, counter: counter },
    }));
    // the open mailbox's page changes; another mailbox's change moves the sidebar's counts
    if (extensionId === mailbox) {
      refresh();
    } else {
      sidebarRefresh();
    }
  }

  // ------------------------------------------------------------------ the poll (fallback)

  var polling = false;
  var pollTimer = null;
  var failures = 0;

  function poll() {
    fetch(pollUrl, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.json();
      })
      .then(function (body) {
        failures = 0;
        if (polling) {
          seen(mailbox, body.counter, false);
        }
      })
      .catch(function () {
        failures += 1;  // the dashboard is restarting or the network dropped: slow down
      })
      .then(function () {
        if (polling) {
          pollTimer = window.setTimeout(poll,
            failures ? Math.min(30000, POLL_EVERY * Math.pow(2, failures)) : POLL_EVERY);
        }
      });
  }

  function pollStart() {
    if (!polling) {
      polling = true;
      poll();
    }
  }

  function pollStop() {
    polling = false;
    window.clearTimeout(pollTimer);
  }

  // ------------------------------------------------------------------ the event stream

  var source = null;
  var graceTimer = null;
  var againTimer = null;

  function streamState(state) {
    document.documentElement.setAttribute("data-live-stream", state);
  }

  function streamClose() {
    window.clearTimeout(graceTimer);
    window.clearTimeout(againTimer);
    graceTimer = againTimer = null;
    if (source) {
      source.close();
      source = null;
    }
  }

  function streamOpen() {
    streamClose();
    var current = source = new window.EventSource(streamUrl);
    var open = false;
    current.addEventListener("open", function () {
      open = true;
      streamState("open");
      window.clearTimeout(graceTimer);
      graceTimer = null;
      pollStop();
    });
    current.addEventListener("counters", function (event) {
      JSON.parse(event.data).forEach(function (found) {
        seen(found.extension_id, found.counter, false);
      });
    });
    current.addEventListener("changed", function (event) {
      var found = JSON.parse(event.data);
      seen(found.extension_id, found.counter, true);
    });
    current.addEventListener("error", function () {
      if (current !== source) {
        return;  // closed on purpose
      }
      open = false;
      streamState("down");
      if (current.readyState === window.EventSource.CLOSED) {
        // refused (signed out, or an answer that is not a stream): poll, and try later
        streamClose();
        pollStart();
        againTimer = window.setTimeout(streamOpen, STREAM_AGAIN);
      } else if (!graceTimer) {
        // the browser connects again by itself (the server's `retry`): poll only if that
        // takes long
        graceTimer = window.setTimeout(function () {
          graceTimer = null;
          if (!open) {
            pollStart();
          }
        }, STREAM_GRACE);
      }
    });
  }

  // A stream holds a connection, and over HTTP/1.1 a browser keeps at most six per site for
  // all its tabs: a page out of sight gives its stream up and polls until it is seen again
  // (its sound and other scripts' events still come, a poll later).
  function followVisibility() {
    if (document.hidden) {
      streamClose();
      streamState("off");
      pollStart();
    } else if (!source && !againTimer) {
      streamOpen();
    }
  }

  document.documentElement.setAttribute("data-live", "on");
  if (streamUrl && window.EventSource) {
    document.addEventListener("visibilitychange", followVisibility);
    followVisibility();
  } else {
    pollStart();
  }
})();
