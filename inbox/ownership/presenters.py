"""Ownership in the words a person reads: what an event says ("Alex assigned this to Sam"),
when a snooze ends ("Mon 9:00"), the snooze choices, a thread's status, and where its events
sit among the messages of a thread page.

Times are shown in the site's time zone (`TIME_ZONE`), as the thread's messages are. Nothing
here marks text safe: names and customer text stay plain strings that templates escape.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.utils import timezone

from accounts.models import User
from inbox.conversations.presenters import MessageView
from inbox.models import ConversationEvent, ConversationState

ThreadKey = tuple[str, int]  # `MessageView.thread_key`: ("conversation" | "message", id)
THREAD_KINDS = ("conversation", "message")

# a snooze's choices besides a time of one's own: (value, label)
SNOOZE_CHOICES = (
    ("hour", "1 hour"),
    ("tomorrow", "Tomorrow 9:00"),
    ("monday", "Next Monday 9:00"),
)
MORNING = time(9, 0)

# the views of the conversations, in the order the navigation shows them: (name, label)
VIEWS = (
    ("mine", "Mine"),
    ("unassigned", "Unassigned"),
    ("open", "All open"),
    ("snoozed", "Snoozed"),
    ("done", "Done"),
)
VIEW_LABELS = dict(VIEWS)


def person_label(user: User | None) -> str:
    """How the dashboard names a person: their full name, else their user name."""
    if user is None:
        return ""
    return user.get_full_name() or user.username


def when_label(moment: datetime, *, seen_from: datetime | None = None) -> str:
    """`moment` as a person reads it from `seen_from` (default: now): "Mon 9:00" within the
    week ahead, "Mon 12 Jan 9:00" further, with the year when it is another one."""
    local = timezone.localtime(moment)
    reference = timezone.localtime(seen_from or timezone.now())
    clock = f"{local.hour}:{local.minute:02d}"
    if timedelta(days=-1) < local - reference < timedelta(days=6):
        return f"{local:%a} {clock}"
    if local.year == reference.year:
        return f"{local:%a} {local.day} {local:%b} {clock}"
    return f"{local:%a} {local.day} {local:%b} {local.year} {clock}"


def snooze_preset_until(choice: str, *, now: datetime | None = None) -> datetime:
    """When a snooze of `choice` ("hour", "tomorrow", "monday") ends: in an hour, tomorrow at
    9:00, or next Monday at 9:00 (a week on, on a Monday) in the site's time zone."""
    moment = now or timezone.now()
    if choice == "hour":
        return moment + timedelta(hours=1)
    today = timezone.localtime(moment).date()
    if choice == "tomorrow":
        day = today + timedelta(days=1)
    elif choice == "monday":
        day = today + timedelta(days=(7 - today.weekday()) % 7 or 7)
    else:
        raise ValueError(f"No such snooze choice: {choice}")
    return timezone.make_aware(datetime.combine(day, MORNING))


def status_label(status: str, snoozed_until: datetime | None) -> str:
    """ "Open", "Done", or "Snoozed until Mon 9:00"."""
    if status == ConversationState.Status.SNOOZED and snoozed_until is not None:
        return f"Snoozed until {when_label(snoozed_until)}"
    return ConversationState.Status(status).label


def event_sentence(event: ConversationEvent) -> str:
    """What an event says, as it happened: who did what (the dashboard itself when no one)."""
    actor = event.actor_label or "Someone"
    kind = ConversationEvent.Kind
    if event.kind == kind.ASSIGNED:
        if event.actor_id is not None and event.actor_id == event.assignee_id:
            return f"{actor} assigned this to themselves"
        return f"{actor} assigned this to {event.assignee_label}"
    if event.kind == kind.UNASSIGNED:
        if event.assignee_label:
            return f"{actor} unassigned {event.assignee_label}"
        return f"{actor} unassigned it"
    if event.kind == kind.CLOSED:
        return f"{actor} closed it"
    if event.kind == kind.REOPENED:
        return f"{actor} reopened it" if event.actor_label else "Reopened by a new message"
    if event.kind == kind.SNOOZED and event.snoozed_until is not None:
        until = when_label(event.snoozed_until, seen_from=event.created_at)
        return f"{actor} snoozed it until {until}"
    if event.kind == kind.WOKE:
        if event.actor_label:
            return f"{actor} woke it"
        # the dashboard woke it: at the snooze's end (which the event keeps), or for a message
        return "The snooze ended" if event.snoozed_until is not None else "Woken by a new message"
    return f"{actor}: {event.get_kind_display()}"


@dataclass(frozen=True)
class EventView:
    """An event as the thread shows it, and where: just before the message
    `before_message_id`, or after the page's last message (None)."""

    id: int
    kind: str
    sentence: str
    created_at: datetime
    before_message_id: int | None


def events_placed(
    events: Sequence[ConversationEvent],
    messages: Sequence[MessageView],
    *,
    has_older: bool,
    newest_page: bool,
) -> tuple[EventView, ...]:
    """The events that belong on a page of a thread (`messages`, oldest first), each placed
    before the first message newer than it. Events older than the page's oldest message
    belong on an older page when there is one; events newer than its newest message, on a
    newer page when this is not the newest."""
    timed = [m for m in messages if m.created is not None]
    oldest = timed[0].created if timed else None
    newest = timed[-1].created if timed else None
    placed: list[EventView] = []
    for event in events:
        if has_older and oldest is not None and event.created_at < oldest:
            continue
        if not newest_page and newest is not None and event.created_at > newest:
            continue
        following = next(
            (m.id for m in timed if m.created is not None and m.created > event.created_at), None
        )
        placed.append(
            EventView(event.pk, event.kind, event_sentence(event), event.created_at, following)
        )
    return tuple(placed)
