"""Exports in real Chromium: from a synced conversation's details, "Export as CSV" downloads
its messages and "Printable transcript" opens them as a document — customer text shown as
text, a "Print or save as PDF" button that opens the print dialog, and, in print media, the
transcript alone: no sidebar, no buttons, black on white. axe finds nothing serious."""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from accounts.models import User
from inbox.live.sync import mailbox_sync
from inbox.models import AuditEntry
from tests.e2e.support import AGENT, cache_of_its_own, customer_thread, sign_in
from tests.e2e.test_accessibility import BLOCKING, axe_violations
from tests.emulator.factories import make_sms
from tests.inbox.live.support import live_tasks_record
from tests.support.emulator import RunningEmulator
from tests.support.sends import tasks_record

DESKTOP = {"width": 1440, "height": 900}
HOSTILE = "<script>window.exported = 'ran'</script><img src=x onerror=\"window.exported='ran'\">"


@pytest.fixture(autouse=True)
def own_cache(settings: Any) -> None:
    cache_of_its_own(settings, "exports-e2e")


@pytest.fixture(autouse=True)
def no_broker(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sync runs in the test; what it and the pages would enqueue is only recorded."""
    tasks_record(monkeypatch)
    live_tasks_record(monkeypatch)


def agent_synced(running: RunningEmulator) -> None:
    agent = User.objects.get(rc_extension_id=int(running.user(AGENT)["extension_id"]))
    assert agent.rc_account_id is not None and agent.rc_extension_id is not None
    mailbox_sync(account_id=agent.rc_account_id, extension_id=agent.rc_extension_id)


def test_a_conversation_as_csv_and_as_a_printable_transcript(
    page: Any, live_server: Any, ringcentral: RunningEmulator, tmp_path: Path
) -> None:
    page.set_viewport_size(DESKTOP)
    thread, customer = customer_thread(ringcentral)
    extension = int(ringcentral.user(AGENT)["extension_id"])
    make_sms(ringcentral.db_path, extension, other_number=customer, text=HOSTILE,
             created_ts=time.time() - 60)  # fmt: skip
    sign_in(page, live_server, ringcentral, thread)
    expect(page.locator("#thread-title")).to_be_visible()
    agent_synced(ringcentral)
    page.reload()
    details = page.get_by_role("complementary", name="Details")

    # the CSV, downloaded
    with page.expect_download() as download_info:
        details.get_by_role("link", name="Export as CSV").click()
    saved = tmp_path / "conversation.csv"
    download_info.value.save_as(saved)
    rows = list(csv.reader(io.StringIO(saved.read_text(encoding="utf-8"), newline="")))
    assert rows[0][:4] == ["time", "direction", "type", "from"]
    assert [row[5] for row in rows[1:]] == ["Is my order ready?", HOSTILE]

    # the transcript: every message, customer text as text
    details.get_by_role("link", name="Printable transcript").click()
    expect(page.get_by_role("heading", level=1, name="Transcript:")).to_be_visible()
    transcript = page.locator("[data-transcript]")
    expect(transcript.get_by_text("Is my order ready?")).to_be_visible()
    expect(transcript.get_by_text(HOSTILE)).to_be_visible()
    assert page.evaluate("() => window.exported") is None
    assert [v["id"] for v in axe_violations(page) if v["impact"] in BLOCKING] == []

    # the button opens the browser's print dialog (replaced here: headless Chromium has none)
    button = page.get_by_role("button", name="Print or save as PDF")
    expect(button).to_be_visible()
    page.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
    button.click()
    assert page.evaluate("() => window.printed") == 1

    # printed: the transcript alone, black on white
    page.emulate_media(media="print", color_scheme="dark")
    expect(page.locator("#sidebar")).to_be_hidden()
    expect(button).to_be_hidden()
    expect(transcript.get_by_text("Is my order ready?")).to_be_visible()
    colours = page.evaluate(
        """() => [getComputedStyle(document.querySelector(".transcript-text")).color,
                  getComputedStyle(document.body).backgroundColor]"""
    )
    assert colours == ["rgb(0, 0, 0)", "rgb(255, 255, 255)"]
    breaks = page.evaluate(
        "() => getComputedStyle(document.querySelector('.transcript-message')).breakInside"
    )
    assert breaks == "avoid"

    kinds = list(
        AuditEntry.objects.filter(action=AuditEntry.Action.CONVERSATION_EXPORT)
        .order_by("id")
        .values_list("detail", "message_count")
    )
    assert kinds == [
        (f"CSV of the conversation with {customer}: 2 messages", 2),
        (f"Printable transcript of the conversation with {customer}: 2 messages", 2),
    ]
