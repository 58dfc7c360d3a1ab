"""Assigning, closing, reopening, snoozing and waking threads: what each records, who may be
assigned, all or none for many threads, and never a RingCentral call."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from inbox.models import ConversationEvent, ConversationState, TeamMailbox
from inbox.ownership import services
from inbox.ownership.presenters import event_sentence
from tests.inbox.ownership.support import mailbox_of, thread_id_new
from tests.inbox.support import rc_calls
from tests.inbox.team.conftest import person
from tests.support.emulator import RunningEmulator


def sentences(extension_id: int, thread_id: int) -> list[str]:
    return [
        event_sentence(event)
        for event in ConversationEvent.objects.filter(
            extension_id=extension_id, thread_id=thread_id
        ).order_by("created_at", "pk")
    ]


def state_of(extension_id: int, thread_id: int) -> ConversationState:
    return ConversationState.objects.get(extension_id=extension_id, thread_id=thread_id)


@pytest.fixture
def team(rc: RunningEmulator, support_line: TeamMailbox) -> TeamMailbox:
    return support_line


def test_it_assigns_a_team_conversation_to_a_member_and_says_who_did(
    rc: RunningEmulator, team: TeamMailbox
) -> None:
    alex, sam = person(rc, "admin"), person(rc, "agent")
    mailbox = mailbox_of(alex, team.extension_id)
    thread = ("conversation", thread_id_new())

    result = services.threads_assign(
        user=alex, mailbox=mailbox, threads=[thread], assignee_id=sam.pk
    )

    assert result.changed == 1
    assert result.message == "Assigned the conversation to Sam Rivera."
    assert state_of(team.extension_id, thread[1]).assignee == sam
    assert state_of(team.extension_id, thread[1]).status == "open"
    assert sentences(team.extension_id, thread[1]) == ["Alex Morgan assigned this to Sam Rivera"]


def test_it_unassigns_and_names_who_was_assigned(rc: RunningEmulator, team: TeamMailbox) -> None:
    sam = person(rc, "agent")
    mailbox = mailbox_of(sam, team.extension_id)
    thread = ("conversation", thread_id_new())
    services.threads_assign(user=sam, mailbox=mailbox, threads=[thread], assignee_id=sam.pk)

    result = services.threads_assign(user=sam, mailbox=mailbox, threads=[thread], assignee_id=None)

    assert result.message == "Unassigned the conversation."
    assert state_of(team.extension_id, thread[1]).assignee is None
    assert sentences(team.extension_id, thread[1]) == [
        "Sam Rivera assigned this to themselves",
        "Sam Rivera unassigned Sam Rivera",
    ]


def test_it_closes_and_reopens(rc: RunningEmulator, team: TeamMailbox) -> None:
    sam = person(rc, "agent")
    mailbox = mailbox_of(sam, team.extension_id)
    thread = ("conversation", thread_id_new())

    closed = services.threads_close(user=sam, mailbox=mailbox, threads=[thread])
    assert state_of(team.extension_id, thread[1]).status == "done"
    reopened = services.threads_reopen(user=sam, mailbox=mailbox, threads=[thread])

    assert (closed.message, reopened.message) == (
        "Closed the conversation.",
        "Reopened the conversation.",
    )
    assert state_of(team.extension_id, thread[1]).status == "open"
    assert sentences(team.extension_id, thread[1]) == [
        "Sam Rivera closed it",
        "Sam Rivera reopened it",
    ]


def test_it_snoozes_until_a_time_and_wakes(rc: RunningEmulator, team: TeamMailbox) -> None:
    sam = person(rc, "agent")
    mailbox = mailbox_of(sam, team.extension_id)
    thread = ("conversation", thread_id_new())
    until = (timezone.now() + timedelta(days=2)).replace(hour=9, minute=0, second=0, microsecond=0)

    snoozed = services.threads_snooze(user=sam, mailbox=mailbox, threads=[thread], until=until)
    state = state_of(team.extension_id, thread[1])
    assert (state.status, state.snoozed_until) == ("snoozed", until)
    woken = services.threads_wake(user=sam, mailbox=mailbox, threads=[thread])

    day = f"{until:%a}"
    assert snoozed.message == f"Snoozed the conversation until {day} 9:00."
    assert woken.message == "Woke the conversation."
    state.refresh_from_db()
    assert (state.status, state.snoozed_until) == ("open", None)
    assert sentences(team.extension_id, thread[1]) == [
        f"Sam Rivera snoozed it until {day} 9:00",
        "Sam Rivera woke it",
    ]


def test_it_refuses_a_snooze_that_is_not_in_the_future(
    rc: RunningEmulator, team: TeamMailbox
) -> None:
    sam = person(rc, "agent")
    mailbox = mailbox_of(sam, team.extension_id)
    thread = ("conversation", thread_id_new())

    with pytest.raises(services.OwnershipRefused) as refused:
        services.threads_snooze(
            user=sam, mailbox=mailbox, threads=[thread], until=timezone.now() - timedelta(hours=1)
        )

    assert refused.value.message.startswith("Choose a time in the future to snooze until:")
    assert refused.value.field == "until"
    assert not ConversationState.objects.filter(thread_id=thread[1]).exists()
    assert not ConversationEvent.objects.filter(thread_id=thread[1]).exists()


def test_only_someone_who_can_open_a_team_mailbox_can_be_assigned(
    rc: RunningEmulator, team: TeamMailbox, charlie_client: Client
) -> None:
    alex, sam, riley = person(rc, "admin"), person(rc, "agent"), person(rc, "agent2")
    mailbox = mailbox_of(sam, team.extension_id)
    thread = ("conversation", thread_id_new())

    with pytest.raises(services.OwnershipRefused) as refused:
        services.threads_assign(user=sam, mailbox=mailbox, threads=[thread], assignee_id=riley.pk)
    services.threads_assign(user=sam, mailbox=mailbox, threads=[thread], assignee_id=alex.pk)

    assert refused.value.field == "assignee_id"
    assert "Only someone who can open Support Line" in refused.value.message
    assert state_of(team.extension_id, thread[1]).assignee == alex  # an admin may open it


def test_in_ones_own_mailbox_only_oneself_can_be_assigned(
    rc: RunningEmulator, alice_client: Client, bob_client: Client
) -> None:
    alex, sam = person(rc, "admin"), person(rc, "agent")
    own = mailbox_of(sam)
    thread = ("conversation", thread_id_new())

    with pytest.raises(services.OwnershipRefused):
        services.threads_assign(user=sam, mailbox=own, threads=[thread], assignee_id=alex.pk)
    services.threads_assign(user=sam, mailbox=own, threads=[thread], assignee_id=sam.pk)

    assert state_of(sam.rc_extension_id or 0, thread[1]).assignee == sam


def test_it_changes_many_threads_at_once_and_counts_those_already_so(
    rc: RunningEmulator, team: TeamMailbox
) -> None:
    sam = person(rc, "agent")
    mailbox = mailbox_of(sam, team.extension_id)
    threads = [("conversation", thread_id_new()) for _ in range(3)] + [("message", thread_id_new())]
    services.threads_close(user=sam, mailbox=mailbox, threads=threads[:1])

    result = services.threads_close(user=sam, mailbox=mailbox, threads=threads)

    assert (result.asked, result.changed) == (4, 3)
    assert result.message == "Closed 3 conversations (1 already were)."
    assert (
        ConversationState.objects.filter(
            extension_id=team.extension_id, thread_id__in=[t[1] for t in threads], status="done"
        ).count()
        == 4
    )
    assert ConversationEvent.objects.filter(thread_id__in=[t[1] for t in threads]).count() == 4


def test_a_change_to_many_is_all_or_none(
    rc: RunningEmulator, team: TeamMailbox, alice_client: Client
) -> None:
    alex, sam = person(rc, "admin"), person(rc, "agent")
    team_box = mailbox_of(alex, team.extension_id)
    own = mailbox_of(alex)
    threads = [("conversation", thread_id_new()), ("conversation", thread_id_new())]

    # Sam may work Support Line but not Alex's own mailbox: nothing changes anywhere
    with pytest.raises(services.OwnershipRefused):
        services.threads_change(
            user=alex,
            groups=[(team_box, threads[:1]), (own, threads[1:])],
            change=services.Change("assign", assignee_id=sam.pk),
        )

    assert not ConversationState.objects.filter(thread_id__in=[t[1] for t in threads]).exists()


def test_a_change_that_changes_nothing_records_nothing(
    rc: RunningEmulator, team: TeamMailbox
) -> None:
    sam = person(rc, "agent")
    mailbox = mailbox_of(sam, team.extension_id)
    thread = ("conversation", thread_id_new())

    reopened = services.threads_reopen(user=sam, mailbox=mailbox, threads=[thread])
    woken = services.threads_wake(user=sam, mailbox=mailbox, threads=[thread])
    unassigned = services.threads_assign(
        user=sam, mailbox=mailbox, threads=[thread], assignee_id=None
    )

    assert [r.changed for r in (reopened, woken, unassigned)] == [0, 0, 0]
    assert reopened.message == "Nothing changed: the conversation was already so."
    assert not ConversationState.objects.filter(thread_id=thread[1]).exists()
    assert not ConversationEvent.objects.filter(thread_id=thread[1]).exists()


def test_it_refuses_more_threads_than_a_request_may_change(
    rc: RunningEmulator, team: TeamMailbox
) -> None:
    sam = person(rc, "agent")
    mailbox = mailbox_of(sam, team.extension_id)
    threads = [("conversation", n) for n in range(1, services.MANY_MAX + 2)]

    with pytest.raises(services.OwnershipRefused) as refused:
        services.threads_close(user=sam, mailbox=mailbox, threads=threads)

    assert refused.value.message == f"Change at most {services.MANY_MAX} conversations at a time."


def test_none_of_it_calls_ringcentral(rc: RunningEmulator, team: TeamMailbox) -> None:
    alex, sam = person(rc, "admin"), person(rc, "agent")
    mailbox = mailbox_of(sam, team.extension_id)
    thread = ("conversation", thread_id_new())
    since = time.time()

    services.threads_assign(user=sam, mailbox=mailbox, threads=[thread], assignee_id=alex.pk)
    services.threads_snooze(
        user=sam, mailbox=mailbox, threads=[thread], until=timezone.now() + timedelta(hours=1)
    )
    services.threads_wake(user=sam, mailbox=mailbox, threads=[thread])
    services.threads_close(user=sam, mailbox=mailbox, threads=[thread])
    services.threads_reopen(user=sam, mailbox=mailbox, threads=[thread])

    assert rc_calls(rc, since) == 0
