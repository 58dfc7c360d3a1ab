"""A customer's message, once the message sync has put it in the conversation index, cancels
what was scheduled to them ("Cancelled: Fatima Rossi replied first"), unless the person
turned that off for the send; a message that came before the send was scheduled does not."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from inbox.live.sync import mailbox_sync
from inbox.models import AuditEntry, Contact, ContactNumber, IndexedConversation, Send, TeamMailbox
from inbox.scheduled.services import scheduled_sends_release
from inbox.sending.tasks import rc_send_process
from tests.emulator.factories import unique_number
from tests.inbox.live.support import inject_sms, live_tasks_record
from tests.inbox.scheduled.conftest import ahead, local, schedule, scheduled_one
from tests.inbox.support import found
from tests.inbox.team.conftest import SUPPORT_LINE
from tests.support.emulator import RunningEmulator
from tests.support.sends import TaskRecorder, wait_until


@pytest.fixture(autouse=True)
def no_live_tasks(monkeypatch: pytest.MonkeyPatch) -> None:
    """The syncs run here, in the test: what they would enqueue is only recorded."""
    live_tasks_record(monkeypatch)


class Conversation:
    """A customer's conversation with Support Line, synced into the index."""

    def __init__(self, rc: RunningEmulator, team: TeamMailbox, client: Client) -> None:
        self.rc, self.team, self.client = rc, team, client
        self.customer = unique_number()
        inject_sms(rc, to_extension=SUPPORT_LINE, sender=self.customer, text="Where is it?")
        self.sync()
        self.id = next(
            r.thread_id
            for r in IndexedConversation.objects.filter(extension_id=team.extension_id)
            if any(party.get("number") == self.customer for party in r.parties)
        )

    def sync(self, capture: Any = None) -> None:
        if capture is None:
            mailbox_sync(account_id=self.team.account_id, extension_id=self.team.extension_id)
            return
        # the index tells of new messages once its transaction commits
        with capture(execute=True):
            mailbox_sync(account_id=self.team.account_id, extension_id=self.team.extension_id)

    def schedule(self, **fields: Any) -> Send:
        page = self.client.get(reverse("inbox:thread", args=[self.team.extension_id, self.id]))
        from_number = found(r'<option value="([^"]+)"[^>]*selected', page.content.decode())
        answer = schedule(self.client, self.rc, self.id, extension_id=self.team.extension_id,
                          from_number=from_number, send_at=local(ahead(hours=1), "UTC"),
                          **fields)  # fmt: skip
        assert answer.status_code == 302, answer.content.decode()[:3000]
        return scheduled_one(conversation_id=self.id)

    def customer_writes(self, capture: Any, text: str = "Never mind, found it") -> None:
        inject_sms(self.rc, to_extension=SUPPORT_LINE, sender=self.customer, text=text)
        self.sync(capture)


@pytest.fixture
def conversation(
    rc: RunningEmulator, bob_client: Client, support_line: TeamMailbox
) -> Conversation:
    return Conversation(rc, support_line, bob_client)


def test_the_customers_reply_cancels_it_naming_them(
    conversation: Conversation, django_capture_on_commit_callbacks: Any,
    sent_tasks: TaskRecorder,
) -> None:  # fmt: skip
    contact = Contact.objects.create(account_id=conversation.team.account_id, name="Fatima Rossi")
    ContactNumber.objects.create(
        contact=contact, account_id=contact.account_id, number=conversation.customer
    )
    send = conversation.schedule()

    conversation.customer_writes(django_capture_on_commit_callbacks)

    send.refresh_from_db()
    assert send.status == Send.Status.CANCELLED
    assert send.last_error == "Cancelled: Fatima Rossi replied first"
    entry = AuditEntry.objects.get(action=AuditEntry.Action.SCHEDULED_CANCEL)
    assert (entry.actor, entry.detail) == (None, f"Send {send.pk}: {send.last_error}")
    page = conversation.client.get(
        reverse("inbox:thread", args=[conversation.team.extension_id, conversation.id])
    ).content.decode()
    assert "Cancelled: Fatima Rossi replied first" in page
    Send.objects.filter(pk=send.pk).update(scheduled_for=ahead(minutes=-1))
    assert scheduled_sends_release() == []
    assert sent_tasks.of(rc_send_process.name) == []


def test_without_a_name_the_sentence_gives_the_number(
    conversation: Conversation, django_capture_on_commit_callbacks: Any
) -> None:
    send = conversation.schedule()

    conversation.customer_writes(django_capture_on_commit_callbacks)

    send.refresh_from_db()
    digits = conversation.customer
    assert send.last_error == (
        f"Cancelled: ({digits[2:5]}) {digits[5:8]}-{digits[8:]} replied first"
    )


def test_with_cancel_on_reply_off_it_still_goes(
    conversation: Conversation, django_capture_on_commit_callbacks: Any,
    sent_tasks: TaskRecorder,
) -> None:  # fmt: skip
    send = conversation.schedule(cancel_on_reply="")
    assert send.cancel_on_reply is False

    conversation.customer_writes(django_capture_on_commit_callbacks)

    send.refresh_from_db()
    assert send.status == Send.Status.SCHEDULED
    Send.objects.filter(pk=send.pk).update(scheduled_for=ahead(minutes=-1))
    with django_capture_on_commit_callbacks(execute=True):
        assert scheduled_sends_release() == [send.pk]
    assert [call.args for call in sent_tasks.of(rc_send_process.name)] == [[send.pk]]
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.SCHEDULED_CANCEL).exists()


def test_a_message_from_before_it_was_scheduled_does_not_cancel_it(
    conversation: Conversation, django_capture_on_commit_callbacks: Any
) -> None:
    # the customer's message arrives at RingCentral first, is synced only after the send was
    # scheduled: it came before, so it is no reply to what was scheduled
    inject_sms(conversation.rc, to_extension=SUPPORT_LINE, sender=conversation.customer,
               text="One more thing")  # fmt: skip
    # message times are whole seconds: one in the same second as the scheduling counts as a
    # reply, so the scheduling waits for the next second
    arrived = timezone.now().replace(microsecond=0)
    wait_until(lambda: timezone.now() >= arrived + timedelta(seconds=1), seconds=2, every=0.05)
    send = conversation.schedule()
    conversation.sync(django_capture_on_commit_callbacks)

    send.refresh_from_db()
    assert send.status == Send.Status.SCHEDULED


def test_other_conversations_replies_leave_it_alone(
    conversation: Conversation, django_capture_on_commit_callbacks: Any,
    rc: RunningEmulator, bob_client: Client, support_line: TeamMailbox,
) -> None:  # fmt: skip
    send = conversation.schedule()
    other = Conversation(rc, support_line, bob_client)

    other.customer_writes(django_capture_on_commit_callbacks)

    send.refresh_from_db()
    assert send.status == Send.Status.SCHEDULED
