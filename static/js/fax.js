// Fax pages: the browser's time zone for a scheduled fax, and a status page that follows the
// fax without a reload (it asks the dashboard, which reads its own database: no RingCentral
// call per poll). Text from the server is set with textContent, never as HTML.
(function () {
  "use strict";

  var form = document.querySelector("[data-fax-form]");
  if (form) {
    var zone = form.querySelector("input[name=timezone]");
    try {
      if (zone && !zone.value) zone.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (e) { /* an old browser: the server reads the time as UTC and says so */ }
  }

  var page = document.querySelector("[data-fax=status]");
  if (!page || page.hasAttribute("data-final")) return;
  var url = page.getAttribute("data-status-url");
  var delay = 1000;

  function show(selector, visible) {
    var element = page.querySelector(selector);
    if (element) element.hidden = !visible;
  }

  function update(data) {
    page.querySelector("[data-fax-label]").textContent = data.status_label;
    // the tab's title names the status too (the template's title block): keep it in step
    document.title = "Fax " + data.status_label + " · " + page.getAttribute("data-title-rest");
    var detail = page.querySelector("[data-fax-detail]");
    if (detail.textContent !== data.detail) detail.textContent = data.detail;
    detail.classList.toggle("failed", data.status === "failed" ||
      data.rc_status === "SendingFailed" || data.rc_status === "DeliveryFailed");
    data.recipients.forEach(function (r) {
      var rows = page.querySelectorAll("[data-recipient]");
      for (var i = 0; i < rows.length; i++) {
        if (rows[i].getAttribute("data-recipient") !== r.number) continue;
        rows[i].querySelector("[data-recipient-label]").textContent = r.status_label;
        rows[i].querySelector("[data-recipient-reason]").textContent = r.reason;
      }
    });
    show("[data-fax-cancel]", data.can_cancel);
    show("[data-fax-resend]", data.can_resend);
    show("[data-fax-forward]", data.final);
    return data.final;
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (data) {
        if (update(data)) {
          page.setAttribute("data-final", "");
          return;
        }
        delay = Math.min(delay * 1.3, 10000);
        setTimeout(poll, delay);
      })
      .catch(function () {
        delay = Math.min(delay * 2, 30000);
        setTimeout(poll, delay);
      });
  }

  setTimeout(poll, delay);
})();
