"""The thread page's panel (assignee, status, their controls) and the events shown among the
messages; the change its forms post, back to the thread."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from inbox.models import ConversationEvent, ConversationState, TeamMailbox
from tests.emulator.factories import conversation_of, make_fax, make_sms, unique_number
from tests.inbox.support import found, own_day, rc_calls
from tests.inbox.team.conftest import person
from tests.support.emulator import RunningEmulator

CHANGE = reverse("inbox:ownership_change")


@pytest.fixture
def team_thread(rc: RunningEmulator, support_line: TeamMailbox) -> tuple[int, int]:
    """(mailbox, conversation): a customer's SMS to Support Line, and a reply an hour on."""
    day, _ = own_day()
    message = make_sms(
        rc.db_path, support_line.extension_id, text="My order is late", created_ts=day
    )
    conversation = conversation_of(rc.db_path, message)
    return support_line.extension_id, conversation


def thread_url(ids: tuple[int, int]) -> str:
    return reverse("inbox:thread", args=list(ids))


def value(ids: tuple[int, int]) -> str:
    return f"{ids[0]}:conversation:{ids[1]}"


def test_the_thread_shows_who_owns_it_and_the_controls_with_names_that_say_what_they_do(
    bob_client: Client, team_thread: tuple[int, int]
) -> None:
    page = bob_client.get(thread_url(team_thread)).content.decode()

    panel = found(r'(<section class="ownership-panel".*?</section>)', page)
    assert "Status: <strong" in panel and ">Open</strong>" in panel
    assert "Assigned to: <strong data-ownership-assignee>nobody</strong>" in panel
    assert '<label for="ownership-assignee">Assign to</label>' in panel
    assert '<option value="">Nobody</option>' in panel
    assert ">Sam Rivera</option>" in panel and ">Alex Morgan</option>" in panel
    assert "Riley Chen" not in panel  # not a member: cannot be assigned
    assert 'Assign<span class="visually-hidden"> the conversation to the person chosen' in panel
    assert ">Assign to me</button>" in panel
    assert ">Close conversation</button>" in panel
    assert '<label for="ownership-snooze">Snooze for</label>' in panel
    assert "1 hour (until " in panel and "Tomorrow 9:00" in panel and "Next Monday 9:00" in panel
    assert '<label for="ownership-until">Snooze until</label>' in panel
    assert 'type="datetime-local"' in panel
    assert panel.count("csrfmiddlewaretoken") == 5
    assert f'name="thread" value="{value(team_thread)}"' in panel


def test_assigning_from_the_thread_records_an_event_shown_among_the_messages(
    rc: RunningEmulator, bob_client: Client, team_thread: tuple[int, int]
) -> None:
    sam = person(rc, "agent")
    since = time.time()

    answer = bob_client.post(
        CHANGE,
        {
            "thread": value(team_thread),
            "action": "assign",
            "assignee": sam.pk,
            "next": thread_url(team_thread),
        },
    )

    assert answer.status_code == 302
    assert answer["Location"] == thread_url(team_thread)
    assert rc_calls(rc, since) == 0
    page = bob_client.get(answer["Location"]).content.decode()
    assert "Assigned the conversation to Sam Rivera." in page
    assert "Assigned to: <strong data-ownership-assignee>Sam Rivera</strong>" in page
    thread = found(r'(<ol class="thread".*?</ol>)', page)
    # the event comes after the message, which is older, and looks like no message
    assert thread.index("My order is late") < thread.index("Sam Rivera assigned this to themselves")
    event = found(r'(<li class="thread-event event-assigned".*?</li>)', thread)
    assert "bubble" not in event


def test_events_sit_among_the_messages_in_time_order(
    rc: RunningEmulator, bob_client: Client, support_line: TeamMailbox
) -> None:
    sam = person(rc, "agent")
    customer = unique_number()
    first = make_sms(
        rc.db_path,
        support_line.extension_id,
        other_number=customer,
        text="First message",
        created_ts=time.time() - 3600,
    )
    make_sms(
        rc.db_path,
        support_line.extension_id,
        other_number=customer,
        text="Second message",
        created_ts=time.time() - 60,
    )
    conversation = conversation_of(rc.db_path, first)
    ConversationEvent.objects.create(
        account_id=sam.rc_account_id or 0,
        extension_id=support_line.extension_id,
        thread_kind="conversation",
        thread_id=conversation,
        kind="closed",
        actor=sam,
        actor_label="Sam Rivera",
    )
    ConversationEvent.objects.filter(thread_id=conversation).update(
        created_at=timezone.now() - timedelta(minutes=30)
    )

    page = bob_client.get(thread_url((support_line.extension_id, conversation))).content.decode()

    thread = found(r'(<ol class="thread".*?</ol>)', page)
    closed = thread.index("Sam Rivera closed it")
    assert thread.index("First message") < closed < thread.index("Second message")


def test_closing_snoozing_and_reopening_from_the_panel(
    bob_client: Client, team_thread: tuple[int, int]
) -> None:
    here = thread_url(team_thread)

    bob_client.post(CHANGE, {"thread": value(team_thread), "action": "close", "next": here})
    closed = bob_client.get(here).content.decode()
    bob_client.post(
        CHANGE,
        {"thread": value(team_thread), "action": "snooze", "snooze": "tomorrow", "next": here},
    )
    snoozed = bob_client.get(here).content.decode()
    bob_client.post(CHANGE, {"thread": value(team_thread), "action": "wake", "next": here})

    assert ">Done</strong>" in closed and ">Reopen conversation</button>" in closed
    assert "Snoozed until" in snoozed and ">Wake conversation now</button>" in snoozed
    state = ConversationState.objects.get(thread_id=team_thread[1])
    assert state.status == "open"
    assert [e.kind for e in ConversationEvent.objects.filter(thread_id=team_thread[1])] == [
        "closed",
        "snoozed",
        "woke",
    ]


def test_a_snooze_in_the_past_is_refused_with_a_sentence(
    bob_client: Client, team_thread: tuple[int, int]
) -> None:
    here = thread_url(team_thread)
    past = (timezone.localtime() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")

    answer = bob_client.post(
        CHANGE,
        {
            "thread": value(team_thread),
            "action": "snooze",
            "snooze": "at",
            "until": past,
            "next": here,
        },
        follow=True,
    )

    page = answer.content.decode()
    assert "Choose a time in the future to snooze until:" in page
    assert "has passed." in page
    assert not ConversationState.objects.filter(thread_id=team_thread[1]).exists()


def test_a_snooze_until_a_time_chosen(bob_client: Client, team_thread: tuple[int, int]) -> None:
    later = (timezone.localtime() + timedelta(days=3)).replace(hour=14, minute=30)

    bob_client.post(
        CHANGE,
        {
            "thread": value(team_thread),
            "action": "snooze",
            "snooze": "at",
            "until": later.strftime("%Y-%m-%dT%H:%M"),
        },
    )

    state = ConversationState.objects.get(thread_id=team_thread[1])
    assert state.status == "snoozed"
    assert state.snoozed_until == later.replace(second=0, microsecond=0)


def test_it_goes_back_only_to_a_page_of_this_site(
    bob_client: Client, team_thread: tuple[int, int]
) -> None:
    answer = bob_client.post(
        CHANGE,
        {"thread": value(team_thread), "action": "close", "next": "https://evil.example/"},
    )

    assert answer["Location"] == thread_url(team_thread)


def test_a_fax_has_the_panel_too(
    rc: RunningEmulator, bob_client: Client, support_line: TeamMailbox
) -> None:
    fax = make_fax(rc.db_path, support_line.extension_id, created_ts=time.time() - 60)
    here = reverse("inbox:message", args=[support_line.extension_id, fax])

    bob_client.post(
        CHANGE,
        {"thread": f"{support_line.extension_id}:message:{fax}", "action": "close", "next": here},
    )
    page = bob_client.get(here).content.decode()

    assert ">Done</strong>" in page
    assert "Sam Rivera closed it" in page


def test_ones_own_mailbox_offers_only_oneself(rc: RunningEmulator, bob_client: Client) -> None:
    sam = person(rc, "agent")
    day, _ = own_day()
    message = make_sms(rc.db_path, sam.rc_extension_id or 0, text="Hi Sam", created_ts=day)
    ids = (sam.rc_extension_id or 0, conversation_of(rc.db_path, message))

    page = bob_client.get(thread_url(ids)).content.decode()

    panel = found(r'(<section class="ownership-panel".*?</section>)', page)
    assert re.findall(r"<option value=\"(\d*)\"", panel) == ["", str(sam.pk)]
