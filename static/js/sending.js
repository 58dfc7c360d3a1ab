/*
 * Team Inbox, sending: the composers' live counter and limits, then the status of the
 * person's sends kept current without a reload (both do nothing on a page without them).
 *
 * The composers' counter and limits.
 *
 * The counter shows characters (UTF-16 units, as RingCentral counts them: an emoji is 2)
 * and, for SMS, the segments the text travels in (GSM-7: 160, or 153 each when split;
 * UCS-2: 70, or 67 each). inbox/sending/rules.py counts the same way; the server checks again.
 * Over the limit, or with files RingCentral will not take, the form is not sent and the
 * reason is shown. A submitted form keeps its idempotency key, so a double click sends once.
 */
(function () {
  "use strict";

  var BASIC = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var EXTENSION = "\f^{}\\[~]|€";
  var MMS_EXTENSIONS = ("jpg jpeg png bmp gif tif tiff svg webp 3gp mp4 mpeg mpg avi flv wmv " +
    "mov webm ogv mp3 m4a ogg oga wav amr vcf zip gz rtf pdf html htm txt csv ics").split(" ");
  var MAX_FILES = 10;
  var MAX_BYTES = 1500000;

  function characters(text) {
    return Array.from(text);  // code points: a surrogate pair stays one character
  }

  function segments(text) {
    var chars = characters(text);
    var gsm = chars.every(function (c) {
      return BASIC.indexOf(c) >= 0 || EXTENSION.indexOf(c) >= 0;
    });
    var widths = chars.map(function (c) {
      if (gsm) {
        return EXTENSION.indexOf(c) >= 0 ? 2 : 1;
      }
      return c.length;  // 2 for a character outside the BMP
    });
    var single = gsm ? 160 : 70;
    var multi = gsm ? 153 : 67;
    var units = widths.reduce(function (a, b) { return a + b; }, 0);
    var count = 0;
    if (units > 0 && units <= single) {
      count = 1;
    } else if (units > single) {
      var used = 0;
      count = 1;
      widths.forEach(function (w) {
        if (used + w > multi) {
          count += 1;
          used = 0;
        }
        used += w;
      });
    }
    return { encoding: gsm ? "GSM-7" : "UCS-2", units: units, segments: count };
  }

  function number(n) {
    return n.toLocaleString("en-US");
  }

  function tooLong(length, limit) {
    return "The text is " + number(length) + " characters long; RingCentral takes at most " +
      number(limit) + " (an emoji counts as 2). Shorten it by " + number(length - limit) + ".";
  }

  function show(element, text) {
    if (!element) {
      return;
    }
    element.textContent = text;
    element.hidden = !text;
  }

  function fileProblem(input) {
    var files = Array.prototype.slice.call(input.files || []);
    if (files.length > MAX_FILES) {
      return "Attach at most 10 files to one message; you chose " + files.length + ".";
    }
    var total = files.reduce(function (sum, f) { return sum + f.size; }, 0);
    if (total > MAX_BYTES) {
      return "The files are " + (total / 1000000).toFixed(1) + " MB together; a message " +
        "takes at most 1.5 MB. Remove a file or send smaller pictures.";
    }
    for (var i = 0; i < files.length; i += 1) {
      var name = files[i].name;
      var extension = name.indexOf(".") >= 0 ? name.split(".").pop().toLowerCase() : "";
      if (MMS_EXTENSIONS.indexOf(extension) < 0) {
        return "“" + name + "” cannot be sent by text message: send pictures, videos, audio, " +
          "PDF, text, vCard, calendar or ZIP files.";
      }
    }
    return "";
  }

  function setUp(form) {
    var area = form.querySelector("[data-sms-text]");
    var counter = form.querySelector("[data-counter]");
    var limitError = form.querySelector("[data-limit-error]");
    var filesInput = form.querySelector("[data-mms-files]");
    var filesError = form.querySelector("[data-files-error]");
    var pager = area && area.hasAttribute("data-pager");
    var limit = area ? parseInt(area.getAttribute("data-limit"), 10) : 0;
    var sending = false;

    function update() {
      if (!area) {
        return true;
      }
      var counted = segments(area.value);
      var length = area.value.length;  // UTF-16 units, like RingCentral's limit
      var text = number(length) + " / " + number(limit) + " characters";
      if (!pager) {
        text += " · " + counted.segments + " SMS (" + counted.encoding + ")";
      }
      counter.textContent = text;
      var over = length > limit;
      counter.classList.toggle("over", over);
      area.setAttribute("aria-invalid", over ? "true" : "false");
      show(limitError, over ? tooLong(length, limit) : "");
      return !over;
    }

    function checkFiles() {
      if (!filesInput) {
        return true;
      }
      var problem = fileProblem(filesInput);
      show(filesError, problem);
      filesInput.setAttribute("aria-invalid", problem ? "true" : "false");
      return !problem;
    }

    if (area) {
      area.addEventListener("input", update);
      update();
    }
    if (filesInput) {
      filesInput.addEventListener("change", checkFiles);
    }
    form.addEventListener("submit", function (event) {
      var fine = update() && checkFiles();
      if (!fine) {
        event.preventDefault();
        (area && area.getAttribute("aria-invalid") === "true" ? area : filesInput).focus();
        return;
      }
      if (sending) {
        event.preventDefault();  // the first post carries the same key: once is enough
        return;
      }
      sending = true;
      // the button pressed: "Send later" puts its own before Send
      var button = event.submitter || form.querySelector("button[type=submit]");
      if (button) {
        button.setAttribute("aria-disabled", "true");
        button.textContent = button.value === "later" ? "Scheduling…" : "Sending…";
      }
    });
  }

  function setUpWithin(root) {
    Array.prototype.forEach.call(root.querySelectorAll("form[data-composer]"), function (form) {
      if (!form.hasAttribute("data-composer-ready")) {
        form.setAttribute("data-composer-ready", "");
        setUp(form);
      }
    });
  }

  setUpWithin(document);
  // a conversation opened beside the list brings its composer with it
  document.addEventListener("htmx:load", function (event) {
    setUpWithin(event.detail.elt.parentNode || document);
  });
  window.TeamInboxCompose = { segments: segments };
})();

/*
 * The status of the person's sends, kept current without a reload.
 *
 * While any bubble on the page is unfinished, this asks the dashboard (never RingCentral:
 * the endpoint reads the database the send pipeline keeps current) every 1.5 seconds for
 * those sends, updates each bubble in place with textContent, and stops when all are final.
 */
(function () {
  "use strict";

  function statusUrl() {
    var holder = document.querySelector("[data-sends-status]");
    return holder ? holder.getAttribute("data-sends-status") : null;
  }
  var INTERVAL = 1500;
  var failures = 0;

  function unfinished() {
    return Array.prototype.slice.call(
      document.querySelectorAll("[data-send-id][data-final=false]"));
  }

  function apply(send) {
    var boxes = document.querySelectorAll("[data-send-id='" + String(Number(send.id)) + "']");
    Array.prototype.forEach.call(boxes, function (box) {
      var before = box.getAttribute("data-state");
      box.setAttribute("data-state", send.state);
      box.setAttribute("data-final", send.final ? "true" : "false");
      var line = box.querySelector(".delivery");
      if (line) {
        line.className = "delivery state-" + send.state + (send.state === "failed" ? " failed" : "");
      }
      box.querySelector("[data-send-label]").textContent = send.label;
      box.querySelector("[data-send-detail]").textContent = send.detail ? " · " + send.detail : "";
      box.querySelector("[data-send-retry]").hidden = !send.can_retry;
      box.querySelector("[data-send-cancel]").hidden = !send.can_cancel;
      if (send.needs_review && before !== "needs_review") {
        window.location.reload();  // the choices are forms the server renders
      }
    });
    var open = document.querySelector("[data-send-open]");
    if (open && send.rc_message_id) {
      var link = open.querySelector("a");
      link.setAttribute("href", open.getAttribute("data-send-open").replace(/0\/$/, String(Number(send.rc_message_id)) + "/"));
      open.hidden = false;
    }
  }

  var polling = false;

  function poll() {
    var url = statusUrl();
    var ids = unfinished().map(function (box) { return box.getAttribute("data-send-id"); });
    if (!url || !ids.length) {
      polling = false;
      return;
    }
    fetch(url + "?ids=" + encodeURIComponent(ids.join(",")), {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.json();
      })
      .then(function (body) {
        failures = 0;
        body.sends.forEach(apply);
        window.setTimeout(poll, INTERVAL);
      })
      .catch(function () {
        failures += 1;  // the dashboard is restarting or the network dropped: slow down
        window.setTimeout(poll, Math.min(30000, INTERVAL * Math.pow(2, failures)));
      });
  }

  function start() {
    if (!polling && statusUrl()) {
      polling = true;
      window.setTimeout(poll, INTERVAL);
    }
  }

  start();
  document.addEventListener("htmx:load", start);
})();
