"""Opt-out in real Chromium: a customer's STOP arrives through the message sync, the thread
and its composer say so, a reply is refused with the sentence and reaches no RingCentral
call, and a member lifts the opt-out by hand with a reason, which the audit log keeps."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from accounts.models import User
from emulator.inbound import inbound_sms
from inbox.live.sync import mailbox_sync
from inbox.models import AuditEntry, OptOut, Send
from tests.e2e.support import AGENT, cache_of_its_own, customer_thread, sign_in
from tests.emulator.factories import store
from tests.inbox.live.support import live_tasks_record
from tests.support.emulator import RunningEmulator
from tests.support.sends import request_count, tasks_record

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
RUN_AXE = """() => axe.run(document.querySelector("[data-optout]"),
  { resultTypes: ["violations"] }).then((r) => r.violations.map((v) => v.id + ": " + v.help))"""


@pytest.fixture(autouse=True)
def own_cache(settings: Any) -> None:
    cache_of_its_own(settings, "optout-e2e")


@pytest.fixture(autouse=True)
def no_broker(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sync runs in the test; what it and the pages would enqueue is only recorded."""
    tasks_record(monkeypatch)
    live_tasks_record(monkeypatch)


def customer_writes(running: RunningEmulator, customer: str, text: str) -> None:
    """The customer's SMS reaches RingCentral, and the agent's mailbox syncs it."""
    ours = running.user(AGENT)["sms_numbers"][0]
    with store(running.db_path).write() as db:
        inbound_sms(db, to_number=ours, from_number=customer, text=text)
    agent = User.objects.get(rc_extension_id=int(running.user(AGENT)["extension_id"]))
    assert agent.rc_account_id is not None and agent.rc_extension_id is not None
    mailbox_sync(account_id=agent.rc_account_id, extension_id=agent.rc_extension_id)


def test_a_customers_stop_refuses_replies_until_a_member_lifts_it_by_hand(
    page: Any, live_server: Any, ringcentral: RunningEmulator
) -> None:
    path, customer = customer_thread(ringcentral)
    sign_in(page, live_server, ringcentral, path)
    expect(page.get_by_role("heading", name="Reply by SMS")).to_be_visible()

    customer_writes(ringcentral, customer, "Stop")
    page.reload()

    shown = f"(209) {customer[5:8]}-{customer[8:]}"
    composer = page.locator("#composer")
    expect(composer.locator("[data-optout-notice]")).to_contain_text("This customer opted out on")
    expect(composer.locator("[data-optout-notice]")).to_contain_text("(replied STOP)")
    panel = page.locator("[data-optout]")
    expect(panel).to_contain_text(f"{shown} opted out of texts from")
    calls = request_count(ringcentral, operation="createSMSMessage")

    page.get_by_label("Message").fill("Are you still interested?")
    page.get_by_role("button", name="Send", exact=True).click()

    expect(page.get_by_text(re.compile(rf"^{re.escape(shown)} opted out of texts"))).to_be_visible()
    expect(page.get_by_text("They must text START before you can message them.")).to_be_visible()
    assert not Send.objects.filter(text="Are you still interested?").exists()
    assert request_count(ringcentral, operation="createSMSMessage") == calls

    # the panel's change by hand is reachable by name, and passes axe
    page.goto(f"{live_server.url}{path}")
    page.evaluate(AXE.read_text())
    violations = page.evaluate(RUN_AXE)
    assert violations == [], json.dumps(violations, indent=2)
    page.get_by_text(f"Lift the opt-out of {shown}…").click()
    page.get_by_label("Why may they be texted again?").fill("Called us: <texts> are fine again")
    page.get_by_role("button", name=f"Lift the opt-out of {shown}").click()

    expect(
        page.get_by_role("status").filter(has_text=f"Lifted: {shown} may be texted")
    ).to_be_visible()
    expect(page.locator("[data-optout-notice]")).to_have_count(0)
    expect(page.locator("[data-optout]")).to_contain_text(f"{shown} has not opted out of texts.")
    row = OptOut.objects.get(customer_number=customer)
    assert (row.opted_out, row.source, row.reason) == (
        False, "manual", "Called us: <texts> are fine again",
    )  # fmt: skip
    entries = AuditEntry.objects.filter(detail__contains=customer[-4:]).order_by("id")
    assert [(e.action, e.actor is None) for e in entries] == [("opt_out", True), ("opt_in", False)]
    assert "Reason: Called us: <texts> are fine again" in entries[1].detail
