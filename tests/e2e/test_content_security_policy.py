"""The content security policy in real Chromium: an admin goes through the dashboard's pages
with their scripts at work (the composer's counter, a live refresh of the open thread, the fax
form, a bulk delete's preview, the API's documentation) and the browser refuses nothing: not
one `securitypolicyviolation`.

Playwright's init script is not subject to the page's policy: it listens for violations in
every document and tells the console. Before a page is left, a probe makes one violation of
its own and waits for its report: the browser reports violations in the order they happen, so
by then every earlier one of that page has been reported too. The probe's own reports show
that a violation would be seen.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from accounts.models import User
from inbox.live.sync import mailbox_counter_bump
from inbox.models import BulkDeleteItem, BulkDeleteJob
from tests.e2e.support import cache_of_its_own, sign_in
from tests.emulator.factories import conversation_of, make_fax, make_sms, unique_number
from tests.support.emulator import RunningEmulator

ADMIN = "admin"
REPORTED = "csp-violation "
LISTEN = """
document.addEventListener("securitypolicyviolation", (event) => {
  const probe = Boolean(event.target && event.target.dataset && event.target.dataset.cspProbe);
  console.error("csp-violation " + JSON.stringify({
    probe: probe,
    page: document.location.pathname,
    directive: event.effectiveDirective,
    blocked: event.blockedURI,
    source: event.sourceFile,
    line: event.lineNumber,
  }));
}, true);
"""
PROBE = """() => {
  const element = document.createElement("span");
  element.dataset.cspProbe = "1";
  document.body.append(element);
  element.setAttribute("style", "color: red");
}"""


@pytest.fixture(autouse=True)
def own_cache(settings: Any) -> None:
    cache_of_its_own(settings, "csp-e2e")


class Violations:
    """The violations the pages' documents report on the console."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.seen: list[dict[str, Any]] = []
        page.add_init_script(LISTEN)
        page.on("console", self._on_console)

    def _on_console(self, message: Any) -> None:
        if message.text.startswith(REPORTED):
            self.seen.append(json.loads(message.text.removeprefix(REPORTED)))

    def of_the_pages(self) -> list[dict[str, Any]]:
        return [violation for violation in self.seen if not violation["probe"]]

    def flush(self) -> None:
        """Make the probe's violation and wait for its report (see the module's docstring)."""
        with self.page.expect_console_message(is_the_probes_report):
            self.page.evaluate(PROBE)


def is_the_probes_report(message: Any) -> bool:
    if not message.text.startswith(REPORTED):
        return False
    report = json.loads(message.text.removeprefix(REPORTED))
    return bool(report["probe"]) and report["directive"] == "style-src-attr"


def visit(page: Any, violations: Violations, url: str, shown: Callable[[Any], Any]) -> None:
    """Open `url`, wait for what `shown` picks out of it, then for the page's reports."""
    page.goto(url)
    expect(shown(page)).to_be_visible()
    violations.flush()


def heading(name: str) -> Callable[[Any], Any]:
    return lambda page: page.get_by_role("heading", name=name, exact=True)


def test_no_page_breaks_the_content_security_policy(
    page: Any, live_server: Any, ringcentral: RunningEmulator
) -> None:
    violations = Violations(page)
    admin = ringcentral.user(ADMIN)
    extension = int(admin["extension_id"])
    customer = unique_number()
    first = make_sms(ringcentral.db_path, extension, other_number=customer,
                     text="Is my order ready?", created_ts=time.time() - 120)  # fmt: skip
    fax = make_fax(ringcentral.db_path, extension, created_ts=time.time() - 60)
    mailbox = f"{live_server.url}/inbox/{extension}"
    thread = f"{mailbox}/conversations/{conversation_of(ringcentral.db_path, first)}/"

    # signed out: the home page, then through RingCentral's sign-in to the thread
    visit(page, violations, f"{live_server.url}/", heading("Team Inbox"))
    sign_in(page, live_server, ringcentral, thread.removeprefix(live_server.url), which=ADMIN)
    expect(page.get_by_role("heading", name="Reply by SMS")).to_be_visible()
    violations.flush()

    # the composer's counter
    with page.expect_response(lambda response: "/inbox/live/stream/" in response.url):
        page.goto(thread)  # the page's event stream opens with the counters: the baseline
    page.get_by_label("Message").fill("Yes, come by at five")
    expect(page.get_by_text("1 SMS (GSM-7)")).to_be_visible()
    page.get_by_label("Message").fill("Olá 👍 see you")
    expect(page.get_by_text("1 SMS (UCS-2)")).to_be_visible()

    # a live refresh: a new message and the counter moved; the open page fetches itself and
    # merges the new bubble in, without a reload
    make_sms(ringcentral.db_path, extension, other_number=customer,
             text="On my way", created_ts=time.time() - 1)  # fmt: skip
    cache.clear()  # no cached RingCentral answer without the new message
    user = User.objects.get(rc_extension_id=extension)
    assert user.rc_account_id is not None
    page.evaluate("window.stillTheSamePage = true")
    mailbox_counter_bump(account_id=user.rc_account_id, extension_id=extension)
    expect(page.get_by_role("article").filter(has_text="On my way")).to_be_visible()
    assert page.evaluate("window.stillTheSamePage === true")
    expect(page.get_by_label("Message")).to_have_value("Olá 👍 see you")
    violations.flush()

    # the other pages, each with its own scripts or none
    job = BulkDeleteJob.objects.create(
        owner=user,
        actor=user,
        account_id=user.rc_account_id,
        extension_id=extension,
        mailbox_label="Alex (ext. 101)",
        conversation_count=1,
        message_count=2,
    )
    BulkDeleteItem.objects.create(job=job, position=0, conversation_id=11)
    visit(page, violations, f"{mailbox}/", heading("Inbox"))
    visit(page, violations, f"{mailbox}/messages/{fax}/", lambda p: p.locator("iframe.pdf-view"))
    visit(page, violations, f"{mailbox}/new/sms/", heading("New conversation"))
    visit(page, violations, f"{mailbox}/new/pager/", heading("New pager message"))
    visit(page, violations, f"{mailbox}/fax/new/", heading("New fax"))
    visit(page, violations, f"{mailbox}/deleted/", heading("Recently deleted"))
    visit(page, violations, f"{mailbox}/bulk/{job.id}/", heading("Delete 1 conversation?"))
    visit(page, violations, f"{live_server.url}/inbox/audit/", heading("Audit log"))
    visit(page, violations, f"{live_server.url}/inbox/ops/", heading("Live updates"))
    visit(page, violations, f"{live_server.url}/accounts/profile/", heading("You are signed in"))
    visit(page, violations, f"{live_server.url}/inbox/no-such-page/", heading("Page not found"))
    # Swagger UI, drawn by its own scripts from the schema
    visit(page, violations, f"{live_server.url}/api/docs/", lambda p: p.locator(".opblock").first)

    assert violations.of_the_pages() == []
