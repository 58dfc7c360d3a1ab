"""The exports where people find them, end to end through RingCentral's emulator and the
message sync: a thread's details panel links its CSV and its printable transcript (a
conversation's, a fax's), which hold what the sync indexed; the conversation list offers
admins, and only them, the mailbox's CSV."""

from __future__ import annotations

import html
import re
import time

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from inbox.live.sync import mailbox_sync
from tests.emulator.factories import conversation_of, make_fax, make_sms, unique_number
from tests.inbox.exports.support import csv_rows, mailbox_of, streamed
from tests.inbox.live.support import live_tasks_record
from tests.support.emulator import RunningEmulator
from tests.support.sends import tasks_record


@pytest.fixture(autouse=True)
def no_broker(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sync runs in the test; what it would enqueue is only recorded."""
    tasks_record(monkeypatch)
    live_tasks_record(monkeypatch)


def synced(user: User) -> None:
    account_id, extension_id = mailbox_of(user)
    mailbox_sync(account_id=account_id, extension_id=extension_id)


def link(page: str, name: str) -> str:
    """The address of the link whose text is `name` (after its icon)."""
    match = re.search(
        rf'<a [^>]*\bhref="([^"]+)"[^>]*>(?:<svg[^>]*>.*?</svg>)? ?{re.escape(name)}</a>', page
    )
    assert match is not None, f"no link {name!r}"
    return html.unescape(match.group(1))


def test_a_threads_details_link_its_csv_and_transcript(
    rc: RunningEmulator, bob_client: Client, bob: User
) -> None:
    customer = unique_number()
    _, extension_id = mailbox_of(bob)
    first = make_sms(rc.db_path, extension_id, other_number=customer,
                     text="Can I change my <b>delivery</b> address?",
                     created_ts=time.time() - 600)  # fmt: skip
    make_sms(rc.db_path, extension_id, other_number=customer, direction="Outbound",
             text="Of course: what is the new one?", created_ts=time.time() - 300)  # fmt: skip
    conversation = conversation_of(rc.db_path, first)
    synced(bob)

    page = bob_client.get(reverse("inbox:thread", args=[extension_id, conversation]))
    details = page.content.decode().split('<aside class="details-pane"', 1)[1]

    csv_url = link(details, "Export as CSV")
    transcript_url = link(details, "Printable transcript")
    assert csv_url == f"/inbox/{extension_id}/conversations/{conversation}/export.csv"
    assert transcript_url == f"/inbox/{extension_id}/conversations/{conversation}/transcript/"
    rows = csv_rows(streamed(bob_client.get(csv_url)))
    assert [row[5] for row in rows[1:]] == [
        "Can I change my <b>delivery</b> address?",
        "Of course: what is the new one?",
    ]
    transcript = bob_client.get(transcript_url).content.decode()
    assert "Can I change my &lt;b&gt;delivery&lt;/b&gt; address?" in transcript
    assert "Of course: what is the new one?" in transcript
    assert link(transcript, "Back to the conversation") == (
        f"/inbox/{extension_id}/conversations/{conversation}/"
    )


def test_a_faxs_page_links_the_faxs_own_exports(
    rc: RunningEmulator, bob_client: Client, bob: User
) -> None:
    _, extension_id = mailbox_of(bob)
    document = make_fax(rc.db_path, extension_id, created_ts=time.time() - 60)
    synced(bob)

    page = bob_client.get(reverse("inbox:message", args=[extension_id, document])).content.decode()

    csv_url = link(page, "Export as CSV")
    assert csv_url == f"/inbox/{extension_id}/messages/{document}/export.csv"
    rows = csv_rows(streamed(bob_client.get(csv_url)))
    assert [(row[2], row[8]) for row in rows[1:]] == [("Fax", str(document))]
    transcript = bob_client.get(link(page, "Printable transcript"))
    assert transcript.status_code == 200
    assert "Fax received" in transcript.content.decode()


def test_the_list_offers_admins_the_mailboxs_csv(
    alice_client: Client, alice: User, bob_client: Client, bob: User
) -> None:
    _, bobs = mailbox_of(bob)
    admin_page = alice_client.get(reverse("inbox:conversations", args=[bobs])).content.decode()
    agent_page = bob_client.get(reverse("inbox:conversations", args=[bobs])).content.decode()

    assert link(admin_page, "Export mailbox as CSV") == f"/inbox/{bobs}/export.csv"
    assert "Export mailbox as CSV" not in agent_page
