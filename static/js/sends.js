/*
 * Team Inbox: the status of the person's sends, kept current without a reload.
 *
 * While any bubble on the page is unfinished, this asks the dashboard (never RingCentral:
 * the endpoint reads the database the send pipeline keeps current) every 1.5 seconds for
 * those sends, updates each bubble in place with textContent, and stops when all are final.
 */
(function () {
  "use strict";

  var holder = document.querySelector("[data-sends-status]");
  if (!holder) {
    return;
  }
  var url = holder.getAttribute("data-sends-status");
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

  function poll() {
    var ids = unfinished().map(function (box) { return box.getAttribute("data-send-id"); });
    if (!ids.length) {
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

  window.setTimeout(poll, INTERVAL);
})();
