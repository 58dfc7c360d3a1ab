/*
 * Team Inbox: a bulk job's page follows its progress without reloading.
 *
 * It asks the progress endpoint (database only, no RingCentral call) once a second while
 * the job runs, moves the bar, and reloads the page once when the job has ended, to show
 * the report. Without this file the page shows the same figures on every reload.
 */
(function () {
  "use strict";

  var job = document.querySelector("[data-bulk-job]");
  if (!job) { return; }
  var url = job.getAttribute("data-progress-url");
  var running = ["queued", "running", "cancelling"];
  if (running.indexOf(job.getAttribute("data-status")) < 0) { return; }

  function set(selector, text) {
    var node = job.querySelector(selector);
    if (node) { node.textContent = text; }
  }

  function show(p) {
    var bar = job.querySelector("[data-progress-bar]");
    if (bar) {
      bar.max = p.total;
      bar.value = p.done + p.failed;
      bar.textContent = p.percent + "%";
    }
    // the sentences come worded by the server, the same as on the page it rendered
    set("[data-heading]", p.heading);
    set("[data-counts]", p.counts);
    set("[data-pace]", p.pace);
    var pace = job.querySelector("[data-pace]");
    if (pace) { pace.hidden = !p.pace; }
  }

  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (p) {
        if (!p) { window.setTimeout(poll, 3000); return; }
        show(p);
        if (p.finished) { window.location.reload(); return; }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }

  window.setTimeout(poll, 500);
}());
