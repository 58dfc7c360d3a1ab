"""What changes without anyone asking: a new inbound message reopens a closed conversation
and wakes a snoozed one (the index's `messages_indexed` signal), and snoozes end on time
(Celery beat's task)."""

from __future__ import annotations

import time
from datetime import timedelta

from django.utils import timezone

from config.celery import app as celery_app
from inbox.models import ConversationEvent, ConversationState, TeamMailbox
from inbox.ownership import services, tasks
from inbox.ownership.presenters import event_sentence
from inbox.signals import messages_indexed
from tests.inbox.ownership.support import indexed, mailbox_of, thread_id_new
from tests.inbox.support import rc_calls
from tests.inbox.team.conftest import person
from tests.support.emulator import RunningEmulator


def events_of(thread_id: int) -> list[str]:
    return [
        event_sentence(e)
        for e in ConversationEvent.objects.filter(thread_id=thread_id).order_by("created_at", "pk")
    ]


def state_of(thread_id: int) -> ConversationState:
    return ConversationState.objects.get(thread_id=thread_id)


def test_a_new_inbound_message_reopens_a_closed_conversation_and_keeps_its_assignee(
    rc: RunningEmulator, support_line: TeamMailbox
) -> None:
    sam = person(rc, "agent")
    mailbox = mailbox_of(sam, support_line.extension_id)
    thread = ("conversation", thread_id_new())
    services.threads_assign(user=sam, mailbox=mailbox, threads=[thread], assignee_id=sam.pk)
    services.threads_close(user=sam, mailbox=mailbox, threads=[thread])
    indexed(mailbox, thread_id=thread[1], last_inbound_at=timezone.now() + timedelta(seconds=1))
    since = time.time()

    messages_indexed.send(
        sender=None,
        account_id=mailbox.account_id,
        extension_id=mailbox.extension_id,
        threads=[thread],
    )

    state = state_of(thread[1])
    assert (state.status, state.assignee) == ("open", sam)
    assert events_of(thread[1])[-1] == "Reopened by a new message"
    assert rc_calls(rc, since) == 0


def test_a_new_inbound_message_wakes_a_snoozed_conversation(
    rc: RunningEmulator, support_line: TeamMailbox
) -> None:
    sam = person(rc, "agent")
    mailbox = mailbox_of(sam, support_line.extension_id)
    thread = ("conversation", thread_id_new())
    services.threads_snooze(
        user=sam, mailbox=mailbox, threads=[thread], until=timezone.now() + timedelta(days=1)
    )
    indexed(mailbox, thread_id=thread[1], last_inbound_at=timezone.now() + timedelta(seconds=1))

    messages_indexed.send(
        sender=None,
        account_id=mailbox.account_id,
        extension_id=mailbox.extension_id,
        threads={thread},
    )

    state = state_of(thread[1])
    assert (state.status, state.snoozed_until) == ("open", None)
    assert events_of(thread[1])[-1] == "Woken by a new message"


def test_a_message_that_came_before_the_close_does_not_reopen_it(
    rc: RunningEmulator, support_line: TeamMailbox
) -> None:
    """The person closed it with the message in front of them; the index learned of the
    message a moment later."""
    sam = person(rc, "agent")
    mailbox = mailbox_of(sam, support_line.extension_id)
    thread = ("conversation", thread_id_new())
    indexed(mailbox, thread_id=thread[1], last_inbound_at=timezone.now() - timedelta(minutes=5))
    services.threads_close(user=sam, mailbox=mailbox, threads=[thread])

    messages_indexed.send(
        sender=None,
        account_id=mailbox.account_id,
        extension_id=mailbox.extension_id,
        threads=[thread],
    )

    assert state_of(thread[1]).status == "done"
    assert events_of(thread[1]) == ["Sam Rivera closed it"]


def test_other_threads_and_other_mailboxes_stay_as_they_are(
    rc: RunningEmulator, support_line: TeamMailbox
) -> None:
    sam = person(rc, "agent")
    mailbox = mailbox_of(sam, support_line.extension_id)
    closed, other = ("conversation", thread_id_new()), ("conversation", thread_id_new())
    services.threads_close(user=sam, mailbox=mailbox, threads=[closed, other])

    messages_indexed.send(
        sender=None,
        account_id=mailbox.account_id,
        extension_id=sam.rc_extension_id,  # the same thread id, another mailbox
        threads=[closed],
    )
    messages_indexed.send(
        sender=None,
        account_id=mailbox.account_id,
        extension_id=mailbox.extension_id,
        threads=[("message", closed[1])],  # another kind
    )

    assert state_of(closed[1]).status == "done"
    assert state_of(other[1]).status == "done"


def test_the_beat_task_wakes_the_snoozes_whose_time_has_come(
    rc: RunningEmulator, support_line: TeamMailbox
) -> None:
    sam = person(rc, "agent")
    mailbox = mailbox_of(sam, support_line.extension_id)
    due, later = ("conversation", thread_id_new()), ("conversation", thread_id_new())
    soon = timezone.now() + timedelta(minutes=5)
    services.threads_snooze(user=sam, mailbox=mailbox, threads=[due], until=soon)
    services.threads_snooze(
        user=sam, mailbox=mailbox, threads=[later], until=soon + timedelta(hours=1)
    )
    since = time.time()

    woken = services.snoozes_wake_due(now=soon + timedelta(seconds=1))
    again = services.snoozes_wake_due(now=soon + timedelta(seconds=2))

    assert (woken, again) == (1, 0)
    assert (state_of(due[1]).status, state_of(later[1]).status) == ("open", "snoozed")
    assert events_of(due[1])[-1] == "The snooze ended"
    assert rc_calls(rc, since) == 0


def test_the_task_runs_the_wake_and_beat_schedules_it(
    rc: RunningEmulator, support_line: TeamMailbox
) -> None:
    sam = person(rc, "agent")
    mailbox = mailbox_of(sam, support_line.extension_id)
    thread = ("conversation", thread_id_new())
    services.threads_snooze(
        user=sam, mailbox=mailbox, threads=[thread], until=timezone.now() + timedelta(hours=1)
    )
    ConversationState.objects.filter(thread_id=thread[1]).update(
        snoozed_until=timezone.now() - timedelta(seconds=1)
    )

    tasks.snoozes_wake_due()

    assert state_of(thread[1]).status == "open"
    scheduled = {entry["task"] for entry in celery_app.conf.beat_schedule.values()}
    assert tasks.SNOOZES_WAKE_TASK in scheduled
