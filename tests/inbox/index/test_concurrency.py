"""Two syncs of one mailbox applying at the same time, each in a thread of its own with its own
database connection, on whatever database the run uses (SQLite by default, PostgreSQL with
DATABASE_URL). The threads start together at a barrier; whichever order the database lets
them write in, the index must come out whole: one row per message and per thread, the newest
version of each message, and thread rows that agree with their messages. The assertions hold
for every interleaving, so the test does not depend on how the threads happen to be timed."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from inbox.index.records import thread_key_of
from inbox.index.services import index_apply
from inbox.models import IndexedConversation, IndexedMessage
from rcapi import Message
from tests.inbox.index.support import ACCOUNT, WINDOW, at, changed, sms

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 4


def at_once(*applies: Callable[[], Any]) -> None:
    """Run the applies in threads released together; re-raise the first failure."""
    barrier = threading.Barrier(len(applies))
    failures: list[BaseException] = []

    def run(apply: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=30)
            apply()
        except BaseException as exc:  # noqa: BLE001 (handed to the test's thread)
            failures.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=run, args=(apply,)) for apply in applies]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not any(worker.is_alive() for worker in workers), "an apply did not finish"
    if failures:
        raise failures[0]


def apply(extension_id: int, records: list[Message], *, full: bool) -> Callable[[], Any]:
    return lambda: index_apply(
        account_id=ACCOUNT,
        extension_id=extension_id,
        records=records,
        full=full,
        window_start=WINDOW,
    )


def index_of(extension_id: int) -> dict[int, IndexedMessage]:
    rows = list(IndexedMessage.objects.filter(account_id=ACCOUNT, extension_id=extension_id))
    assert len(rows) == len({row.message_id for row in rows})
    return {row.message_id: row for row in rows}


def assert_threads_agree(extension_id: int) -> None:
    """Each thread row sums up exactly the thread's `Alive` messages; no thread twice."""
    alive = [m for m in index_of(extension_id).values() if m.availability == "Alive"]
    expected: dict[tuple[str, int], list[IndexedMessage]] = {}
    for message in alive:
        expected.setdefault((message.thread_kind, message.thread_id), []).append(message)
    rows = list(IndexedConversation.objects.filter(account_id=ACCOUNT, extension_id=extension_id))
    assert len(rows) == len({(r.thread_kind, r.thread_id) for r in rows})
    assert {(r.thread_kind, r.thread_id) for r in rows} == set(expected)
    for row in rows:
        members = expected[(row.thread_kind, row.thread_id)]
        newest = max(members, key=lambda m: (m.created_at, m.message_id))
        assert row.message_count == len(members)
        assert row.last_message_id == newest.message_id
        assert row.unread_count == sum(
            1 for m in members if m.direction == "Inbound" and m.read_status == "Unread"
        )


def test_it_comes_out_whole_from_two_isyncs_at_once() -> None:
    for round_ in range(ROUNDS):
        extension_id = 9_100_000_000 + round_
        question = sms(created=at(1))
        index_apply(
            account_id=ACCOUNT,
            extension_id=extension_id,
            records=[question],
            full=True,
            window_start=WINDOW,
        )
        first, second = sms(created=at(5)), sms(other="+14155550177", created=at(6))
        read = changed(question, minutes=9, readStatus="Read")
        unread_before = changed(question, minutes=4, readStatus="Unread")
        at_once(
            apply(extension_id, [read, first], full=False),
            apply(extension_id, [unread_before, second, first], full=False),
        )
        index = index_of(extension_id)
        assert set(index) == {question.id, first.id, second.id}
        assert index[question.id].read_status == "Read"  # the newer version, whatever the order
        assert_threads_agree(extension_id)
        conversation = IndexedConversation.objects.get(
            account_id=ACCOUNT,
            extension_id=extension_id,
            thread_kind=thread_key_of(question)[0],
            thread_id=thread_key_of(question)[1],
        )
        assert conversation.message_count == 2 and conversation.unread_count == 1


def test_it_comes_out_as_one_of_two_fsyncs_at_once_on_a_new_mailbox() -> None:
    for round_ in range(ROUNDS):
        extension_id = 9_200_000_000 + round_
        shared = sms(created=at(1))
        mine, theirs = sms(other="+14155550177", created=at(2)), sms(other="+14155550178")
        at_once(
            apply(extension_id, [shared, mine], full=True),
            apply(extension_id, [shared, theirs], full=True),
        )
        assert set(index_of(extension_id)) in ({shared.id, mine.id}, {shared.id, theirs.id})
        assert_threads_agree(extension_id)
