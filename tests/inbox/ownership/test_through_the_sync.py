"""Ownership on top of the real message sync: the conversation index fills the views, and a
customer's new SMS, once synced, reopens the conversation someone closed."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from inbox.live.sync import mailbox_sync
from inbox.models import ConversationEvent, ConversationState, IndexedConversation, TeamMailbox
from tests.emulator.factories import unique_number
from tests.inbox.live.support import inject_sms, live_tasks_record
from tests.inbox.support import found
from tests.inbox.team.conftest import SUPPORT_LINE
from tests.support.emulator import RunningEmulator
from tests.support.sends import tasks_record


@pytest.fixture(autouse=True)
def no_tasks(monkeypatch: pytest.MonkeyPatch) -> None:
    """The syncs run here, in the test: what they would enqueue is only recorded."""
    tasks_record(monkeypatch)
    live_tasks_record(monkeypatch)


def test_a_customers_new_sms_reopens_the_conversation_once_synced(
    rc: RunningEmulator,
    bob_client: Client,
    support_line: TeamMailbox,
    django_capture_on_commit_callbacks: Any,
) -> None:
    customer = unique_number()
    account_id, extension_id = support_line.account_id, support_line.extension_id
    inject_sms(rc, to_extension=SUPPORT_LINE, sender=customer, text="My parcel never came")
    mailbox_sync(account_id=account_id, extension_id=extension_id)
    row = next(
        r
        for r in IndexedConversation.objects.filter(extension_id=extension_id)
        if any(party.get("number") == customer for party in r.parties)
    )
    value = f"{extension_id}:{row.thread_kind}:{row.thread_id}"
    open_view = reverse("inbox:ownership_view", args=[extension_id, "open"])
    assert "My parcel never came" in bob_client.get(open_view).content.decode()

    bob_client.post(reverse("inbox:ownership_change"), {"thread": value, "action": "close"})
    done_view = reverse("inbox:ownership_view", args=[extension_id, "done"])
    assert "My parcel never came" in bob_client.get(done_view).content.decode()

    inject_sms(rc, to_extension=SUPPORT_LINE, sender=customer, text="Hello? Still waiting")
    # the index tells of new messages once its transaction commits
    with django_capture_on_commit_callbacks(execute=True):
        mailbox_sync(account_id=account_id, extension_id=extension_id)

    state = ConversationState.objects.get(extension_id=extension_id, thread_id=row.thread_id)
    assert state.status == "open"
    assert [e.kind for e in ConversationEvent.objects.filter(thread_id=row.thread_id)] == [
        "closed",
        "reopened",
    ]
    page = bob_client.get(open_view).content.decode()
    thread = reverse("inbox:thread", args=[extension_id, row.thread_id])
    item = found(rf'(<li class="conversation[^"]*" data-row>(?:(?!</li>).)*{thread}.*?</li>)', page)
    assert "Hello? Still waiting" in item and ">Open</span>" in item
