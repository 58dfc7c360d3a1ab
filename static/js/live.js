/*
 * Team Inbox: open lists and threads follow the mailbox without a reload.
 *
 * Every 2 seconds this asks the dashboard for the mailbox's change counter (a cache read on
 * the server, never a RingCentral call). When the counter moves, it fetches this same page
 * and merges what changed into the open one: rows and bubbles are matched by their link or
 * id, untouched ones stay as they are (focus, a playing voicemail, the composer's text and the
 * filters are outside what is merged or kept), changed ones are replaced. The unread count
 * and the tab title follow. An optional sound (off by default; kept in localStorage) plays
 * when a new message arrives.
 */
(function () {
  "use strict";

  var bar = document.querySelector("[data-live-url]");
  if (!bar || !window.fetch || !window.DOMParser) {
    return;
  }
  var url = bar.getAttribute("data-live-url");
  var INTERVAL = 2000;
  var SOUND_KEY = "teamInbox.liveSound";
  var counter = null;
  var failures = 0;
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

  // ------------------------------------------------------------------ merging a fresh page

  function signature(node) {
    // CSRF tokens are masked anew on every render, and is-current is the keyboard's
    return node.outerHTML
      .replace(/name="csrfmiddlewaretoken" value="[^"]*"/g, "")
      .replace(/ ?\bis-current\b/g, "");
  }

  function rowKey(node) {
    var link = node.querySelector && node.querySelector("[data-open]");
    return link ? link.getAttribute("href").split("?")[0] : null;
  }

  function bubbleKey(node) {
    return node.id || null;
  }

  function focusPath(container, keyOf) {
    var active = document.activeElement;
    if (!active || !container.contains(active)) {
      return null;
    }
    var child = active;
    while (child && child.parentNode !== container) {
      child = child.parentNode;
    }
    if (!child) {
      return null;
    }
    var path = active.hasAttribute("data-open") ? "[data-open]" : null;
    return { key: keyOf(child), selector: path };
  }

  /* Make `current`'s children those of `fresh`, reusing unchanged ones; the keys of the
     children that are new. */
  function merge(current, fresh, keyOf) {
    var focus = focusPath(current, keyOf);
    var old = {};
    Array.prototype.forEach.call(current.children, function (child) {
      var key = keyOf(child);
      if (key) {
        old[key] = child;
      }
    });
    var added = [];
    var wanted = Array.prototype.map.call(fresh.children, function (child) {
      var key = keyOf(child);
      var before = key ? old[key] : null;
      if (key) {
        delete old[key];
      }
      if (before && signature(before) === signature(child)) {
        return before;
      }
      if (!before && key) {
        added.push(child);
      }
      var node = document.importNode(child, true);
      if (before && before.classList.contains("is-current")) {
        node.classList.add("is-current");
      }
      return node;
    });
    Array.prototype.slice.call(current.children).forEach(function (child) {
      if (wanted.indexOf(child) < 0) {
        current.removeChild(child);
      }
    });
    wanted.forEach(function (node, index) {
      if (current.children[index] !== node) {
        current.insertBefore(node, current.children[index] || null);
      }
    });
    if (focus && focus.key && document.activeElement === document.body) {
      var again = wanted.filter(function (node) { return keyOf(node) === focus.key; })[0];
      var target = again && (focus.selector ? again.querySelector(focus.selector) : again);
      if (target && target.focus) {
        target.focus({ preventScroll: true });
      }
    }
    return added;
  }

  function swapPart(doc, selector, keyOf) {
    var current = document.querySelector(selector);
    var fresh = doc.querySelector(selector);
    if (current && fresh) {
      return merge(current, fresh, keyOf);
    }
    return null;
  }

  function swapWhole(doc, selector) {
    // the list appeared or emptied: its element itself changes
    var current = document.querySelector(selector);
    var fresh = doc.querySelector(selector);
    if (current && fresh) {
      current.replaceWith(document.importNode(fresh, true));
    }
  }

  function swapChanged(doc) {
    // parts that follow the page as a whole (a thread's owner and status): replaced when they
    // changed, unless the person is using them right now
    document.querySelectorAll("[data-live-replace]").forEach(function (current) {
      var name = current.getAttribute("data-live-replace");
      var fresh = doc.querySelector('[data-live-replace="' + name + '"]');
      if (!fresh || current.contains(document.activeElement)) {
        return;
      }
      if (signature(current) !== signature(fresh)) {
        current.replaceWith(document.importNode(fresh, true));
      }
    });
  }

  function unreadOf(root) {
    var counted = root.querySelector("[data-unread-count]");
    return counted ? parseInt(counted.textContent, 10) || 0 : null;
  }

  function apply(doc) {
    var before = unreadOf(document);
    var added = [];
    var list = swapPart(doc, "[data-conversations]", rowKey);
    if (list === null && (document.querySelector("[data-conversations]") ||
                          doc.querySelector("[data-conversations]"))) {
      swapWhole(doc, "[data-inbox=list]");
    } else if (list) {
      added = added.concat(list.filter(function (row) {
        return row.classList.contains("is-unread");
      }));
    }
    var bubbles = swapPart(doc, "ol.thread", bubbleKey);
    if (bubbles) {
      added = added.concat(bubbles.filter(function (bubble) {
        return bubble.classList.contains("inbound");
      }));
    }
    swapChanged(doc);
    var after = unreadOf(doc);
    var shown = document.querySelector("[data-unread-count]");
    if (shown && after !== null) {
      shown.textContent = String(after);
    }
    if (doc.title) {
      document.title = doc.title;
    }
    if (added.length || (before !== null && after !== null && after > before)) {
      ding();
    }
    document.dispatchEvent(new CustomEvent("inbox:live-refreshed"));
  }

  function refresh() {
    return fetch(window.location.href, {
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
        apply(new DOMParser().parseFromString(html, "text/html"));
      });
  }

  // ------------------------------------------------------------------ the counter

  function poll() {
    fetch(url, {
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
        var moved = counter !== null && body.counter !== counter;
        counter = body.counter;
        return moved ? refresh() : null;
      })
      .catch(function () {
        failures += 1;  // the dashboard is restarting or the network dropped: slow down
      })
      .then(function () {
        window.setTimeout(poll, failures ? Math.min(30000, INTERVAL * Math.pow(2, failures)) : INTERVAL);
      });
  }

  document.documentElement.setAttribute("data-live", "on");
  poll();
})();
