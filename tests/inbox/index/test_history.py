"""The index over back-filled history, on records made here: `index_history_apply` adds pages
of older messages by the newer-version rule and moves `history_start` down; the threads it
reaches are summed up exactly as a rebuild would, without reading their other messages; an
FSync keeps the history; ISync records within the history are applied; the lists and threads
are served from the index down to its real start."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inbox.index.records import thread_key_of
from inbox.index.selectors import index_state_get
from inbox.index.services import index_apply, index_history_apply, index_thread_whole
from inbox.models import IndexedConversation, IndexedMessage, MailboxSync
from inbox.signals import inbound_messages_indexed, messages_indexed
from rcapi import Message
from tests.inbox.index.support import (
    ACCOUNT,
    CUSTOMER,
    EXTENSION,
    WINDOW,
    at,
    changed,
    removal,
    sms,
    stored,
    threads,
)

pytestmark = pytest.mark.django_db

OTHER = "+14155550177"
DAY = 24 * 60.0  # minutes


def full(*records: Message, extension_id: int = EXTENSION, **options: Any) -> Any:
    return index_apply(
        account_id=ACCOUNT,
        extension_id=extension_id,
        records=records,
        full=True,
        window_start=options.pop("window_start", WINDOW),
        **options,
    )


def changes(*records: Message) -> Any:
    return index_apply(
        account_id=ACCOUNT, extension_id=EXTENSION, records=records, full=False, window_start=WINDOW
    )


def history(*records: Message, down_to: Any = None) -> Any:
    return index_history_apply(
        account_id=ACCOUNT, extension_id=EXTENSION, records=records, down_to=down_to
    )


def state() -> MailboxSync:
    return MailboxSync.objects.get(account_id=ACCOUNT, extension_id=EXTENSION)


def test_a_page_of_history_goes_in_and_moves_the_index_start_down() -> None:
    full(sms(created=at(10)))
    old = [sms(other=OTHER, created=at(-n * DAY)) for n in (1, 2, 3)]

    outcome = history(*old, down_to=at(-3 * DAY))

    assert outcome.indexed and outcome.written == 3 and outcome.added == 3
    assert {m.id for m in old} <= set(IndexedMessage.objects.values_list("message_id", flat=True))
    assert state().history_start == at(-3 * DAY)
    index = index_state_get(account_id=ACCOUNT, extension_id=EXTENSION)
    assert index.window_start == WINDOW and index.start == at(-3 * DAY)
    assert index.covers(at(-3 * DAY)) and not index.covers(at(-4 * DAY))
    history(sms(created=at(-5 * DAY)), down_to=at(-2 * DAY))  # never moves back up
    assert state().history_start == at(-3 * DAY)


def test_a_mailbox_without_an_index_gets_no_history() -> None:
    outcome = history(sms(created=at(-DAY)), down_to=at(-DAY))
    assert not outcome.indexed and not IndexedMessage.objects.exists()


def test_a_repeat_writes_nothing_and_an_older_copy_never_replaces_a_newer_one() -> None:
    boundary = sms(created=WINDOW)  # the window's first second is also the walk's first cursor
    full(boundary)
    older = sms(other=OTHER, created=at(-DAY))
    history(older, down_to=at(-DAY))
    read = changed(older, minutes=30, readStatus="Read")
    changes(read)  # within the history: applied (see below)

    outcome = history(boundary, older, down_to=at(-DAY))

    assert outcome.written == 0 and outcome.added == 0
    assert stored(older.id).read_status == "Read"


def test_deleted_history_stays_known_as_deleted_and_out_of_its_thread() -> None:
    alive = sms(created=at(10))
    full(alive)
    gone = sms(created=at(-DAY), availability="Deleted", text="Deleted long ago")
    purged = sms(other=OTHER, created=at(-DAY), availability="Purged")

    history(gone, purged, down_to=at(-DAY))

    assert stored(gone.id).availability == "Deleted"
    assert stored(purged.id).availability == "Purged"
    conversation = threads()[thread_key_of(alive)]
    assert conversation.message_count == 1 and conversation.last_message_id == alive.id
    assert thread_key_of(purged) not in threads()
    # a late, older copy of the deleted message cannot bring it back
    history(changed(gone, minutes=-DAY - 1, availability="Alive"), down_to=at(-DAY))
    assert stored(gone.id).availability == "Deleted"


def conversation_fields(extension_id: int) -> dict[tuple[str, int], tuple[Any, ...]]:
    return {
        (row.thread_kind, row.thread_id): (
            row.last_message_id, row.last_message_at, row.last_type, row.last_direction,
            row.preview, row.parties, row.party_text, row.unread_count, row.message_count,
            row.last_inbound_at,
        )
        for row in IndexedConversation.objects.filter(account_id=ACCOUNT, extension_id=extension_id)
    }  # fmt: skip


def test_threads_reached_by_pages_sum_up_as_a_rebuild_would() -> None:
    window = [
        sms(direction="Outbound", text="We shipped it", created=at(20)),
        sms(name="Dana Whitfield", text="Thanks!", created=at(30), read="Read"),
    ]
    older = [
        sms(text="Where is my order?", created=at(-2 * DAY), name="Dana W."),
        sms(direction="Outbound", text="Looking into it", created=at(-2 * DAY + 5)),
        sms(text="Any news?", created=at(-DAY)),
        sms(other=OTHER, name="Sam Lee", text="Hello", created=at(-3 * DAY)),
        sms(other=OTHER, text="Hi again", created=at(-2.5 * DAY)),
        sms(text="Deleted one", created=at(-1.5 * DAY), availability="Deleted"),
    ]
    full(*window)
    # two pages, newest first, as the walk brings them
    history(*older[2:3], *older[4:], down_to=at(-2.5 * DAY))
    history(*older[:2], older[3], down_to=at(-3 * DAY))
    # the same messages in one rebuild of another mailbox
    full(*window, *older, extension_id=EXTENSION + 1, window_start=at(-10 * DAY))

    assert conversation_fields(EXTENSION) == conversation_fields(EXTENSION + 1)
    dana = threads()[thread_key_of(window[0])]
    assert dana.message_count == 5 and dana.unread_count == 2  # inbound Unread: 2 older ones
    assert dana.parties == [{"number": CUSTOMER, "name": "Dana Whitfield"}]


def test_a_page_costs_the_same_however_long_its_threads_are() -> None:
    def queries_of_a_page(thread_length: int, other: str) -> int:
        full(*[sms(other=other, created=at(n)) for n in range(thread_length)])
        page = [sms(other=other, created=at(-DAY - n)) for n in range(20)]
        with CaptureQueriesContext(connection) as captured:
            history(*page, down_to=at(-DAY - 20))
        assert all('"record"' not in q["sql"] or "INSERT" in q["sql"] for q in captured)
        return len(captured)

    short = queries_of_a_page(2, OTHER)
    IndexedMessage.objects.all().delete()
    IndexedConversation.objects.all().delete()
    MailboxSync.objects.all().delete()
    long = queries_of_a_page(3_000, "+14155550188")
    assert long == short
    assert threads()[thread_key_of(sms(other="+14155550188"))].message_count == 3_020


def test_an_fsync_keeps_the_history_and_rebuilds_its_window_only() -> None:
    kept, gone = sms(created=at(1)), sms(other=OTHER, created=at(2))
    full(kept, gone)
    old = sms(other=OTHER, created=at(-DAY))
    history(old, down_to=at(-DAY))

    outcome = full(kept)  # `gone` was deleted at RingCentral meanwhile

    assert outcome.removed == 1
    assert not IndexedMessage.objects.filter(message_id=gone.id).exists()
    assert stored(old.id).availability == "Alive"
    assert thread_key_of(old) in threads()  # its thread lost `gone`, kept `old`
    assert threads()[thread_key_of(old)].last_message_id == old.id
    assert state().history_start == at(-DAY)


def test_a_first_fill_starts_the_history_over() -> None:
    full(sms(created=at(1)))
    history(sms(created=at(-DAY)), down_to=at(-DAY))
    MailboxSync.objects.filter(pk=state().pk).update(
        indexed_at=None, history_done_at=WINDOW, history_messages=5, history_calls=2
    )

    full(sms(created=at(1)))

    fresh = state()
    assert fresh.history_start is None and fresh.history_done_at is None
    assert (fresh.history_messages, fresh.history_calls) == (0, 0)


def test_isync_records_within_the_history_are_applied_older_ones_are_not() -> None:
    full(sms(created=at(1)))
    within = sms(other=OTHER, created=at(-DAY))
    history(within, down_to=at(-2 * DAY))
    beyond = sms(other=OTHER, created=at(-3 * DAY))

    changes(changed(within, minutes=40, readStatus="Read"), beyond)

    assert stored(within.id).read_status == "Read"
    assert not IndexedMessage.objects.filter(message_id=beyond.id).exists()
    # while a walk is under way, what it is going to reach is kept: the newer version wins
    MailboxSync.objects.filter(pk=state().pk).update(history_cursor=at(-2 * DAY))
    changes(removal(beyond, minutes=50))
    changes(changed(beyond, minutes=45, readStatus="Read"))
    assert stored(beyond.id).availability == "Deleted"
    assert history(beyond, down_to=at(-3 * DAY)).written == 0


def test_threads_are_served_whole_from_the_index_down_to_its_real_start() -> None:
    full(sms(created=at(1)))
    thread = ("conversation", 42)
    key: dict[str, Any] = {"account_id": ACCOUNT, "extension_id": EXTENSION, "thread": thread}
    oldest = WINDOW - timedelta(days=2)
    assert not index_thread_whole(**key, oldest=oldest)

    history(sms(created=at(-3 * DAY)), down_to=at(-3 * DAY))

    assert index_thread_whole(**key, oldest=oldest)
    assert not index_thread_whole(**key, oldest=WINDOW - timedelta(days=4))


def test_back_filled_history_is_not_news(django_capture_on_commit_callbacks: Any) -> None:
    sent: list[dict[str, Any]] = []

    def receive(**kwargs: Any) -> None:
        sent.append(kwargs)

    full(sms(created=at(1)))
    inbound_messages_indexed.connect(receive, dispatch_uid="tests.index.history_news")
    messages_indexed.connect(receive, dispatch_uid="tests.index.history_news_threads")
    try:
        # a customer's STOP of long ago: opt-out reads keywords oldest first, and the walk
        # brings them newest first, after the window's (a later START) was read
        with django_capture_on_commit_callbacks(execute=True):
            history(sms(other=OTHER, text="STOP", created=at(-DAY)), down_to=at(-DAY))
    finally:
        inbound_messages_indexed.disconnect(dispatch_uid="tests.index.history_news")
        messages_indexed.disconnect(dispatch_uid="tests.index.history_news_threads")
    assert sent == []
