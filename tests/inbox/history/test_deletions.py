"""Deleted and purged history follows RingCentral: the walk brings deleted old messages as
deleted, and once it is done the re-check finds old messages deleted, purged or restored
elsewhere (RingCentral's own apps: no ISync reports them) and applies it to the index."""

from __future__ import annotations

import time

from django.core.cache import cache

from accounts.models import User
from emulator.archive import OldSms
from inbox.history.services import (
    DONE,
    RECHECK,
    RECHECKING,
    RESTORES,
    checked_key,
    mailboxes_history_due,
)
from inbox.models import IndexedConversation, IndexedMessage
from tests.inbox.history.support import (
    at_ringcentral,
    in_index,
    mailbox_of,
    old_messages,
    spread,
    state_of,
    walk,
)
from tests.inbox.index.conftest import rc_write, sync
from tests.inbox.support import rc_calls
from tests.support.emulator import RunningEmulator
from tests.support.sends import TaskRecorder


def thread_ids(user: User) -> set[int]:
    account_id, extension_id = mailbox_of(user)
    return set(
        IndexedConversation.objects.filter(
            account_id=account_id, extension_id=extension_id
        ).values_list("thread_id", flat=True)
    )


def conversation_of(user: User, message_id: int) -> int:
    account_id, extension_id = mailbox_of(user)
    row = IndexedMessage.objects.get(
        account_id=account_id, extension_id=extension_id, message_id=message_id
    )
    return row.thread_id


def test_the_walk_brings_deleted_history_as_deleted(fresh_rc: RunningEmulator, bob: User) -> None:
    kept, deleted, purged = old_messages(
        fresh_rc,
        bob,
        [
            OldSms("+12095550001", "Kept", time.time() - 60 * 86400, inbound=True),
            OldSms("+12095550002", "Deleted", time.time() - 61 * 86400, inbound=True,
                   availability="Deleted"),
            OldSms("+12095550003", "Purged", time.time() - 62 * 86400, inbound=True,
                   availability="Purged"),
        ],
    )  # fmt: skip
    sync(bob)
    walk(bob)

    indexed = in_index(bob)
    assert (indexed[kept], indexed[deleted], indexed[purged]) == ("Alive", "Deleted", "Purged")
    threads = thread_ids(bob)
    assert conversation_of(bob, kept) in threads
    assert conversation_of(bob, deleted) not in threads  # out of every list and count
    assert conversation_of(bob, purged) not in threads


def test_the_recheck_follows_what_was_deleted_purged_and_restored_elsewhere(
    fresh_rc: RunningEmulator, bob: User, recorded: TaskRecorder
) -> None:
    ids = old_messages(fresh_rc, bob, spread(6, newest_days_ago=70, days=20, customers=6))
    sync(bob)
    walk(bob)
    window_start = state_of(bob).index_window_start
    assert window_start is not None
    account_id, extension_id = mailbox_of(bob)
    assert not mailboxes_history_due()  # the walk has just seen every deletion
    deleted, purged, restored, vanished = ids[:4]
    # elsewhere, in RingCentral's own apps: ISync reports none of it (older than its frame)
    for message_id in (deleted, restored, vanished):
        rc_write(fresh_rc, "DELETE", f"/message-store/{message_id}")
    rc_write(fresh_rc, "DELETE", f"/message-store/{purged}", params={"purge": "true"})
    sync(bob)
    walk(bob, phase=RECHECK)  # the index learns the deletions first
    assert in_index(bob)[deleted] == "Deleted" and in_index(bob)[restored] == "Deleted"
    assert conversation_of(bob, deleted) not in thread_ids(bob)
    rc_write(
        fresh_rc, "PATCH", f"/message-store/{restored}", json={"availability": "Alive"}
    )  # restored elsewhere within RingCentral's five days
    with_store_removed(fresh_rc, vanished)  # RingCentral removed it for good
    cache.delete(checked_key(account_id, extension_id))  # the re-check is due
    assert mailboxes_history_due() == 1
    since = time.time()

    steps = walk(bob, phase=RECHECK)

    assert [s.status for s in steps] == [RECHECKING, DONE]  # the listing, one read by id
    assert steps[0].next_phase == RESTORES
    assert rc_calls(fresh_rc, since, "listMessages") == 1
    assert rc_calls(fresh_rc, since, "readMessage") == 1
    indexed = in_index(bob)
    assert indexed[deleted] == "Deleted" and indexed[purged] == "Purged"
    assert indexed[restored] == "Alive" and indexed[vanished] == "Purged"
    assert conversation_of(bob, restored) in thread_ids(bob)
    assert in_index(bob, before=window_start) == {
        **at_ringcentral(fresh_rc, bob, before=window_start),
        vanished: "Purged",
    }
    assert not mailboxes_history_due()  # checked again just now


def with_store_removed(running: RunningEmulator, message_id: int) -> None:
    """The platform removing a purged message physically, days later."""
    from emulator.store import Store

    store = Store(running.db_path)
    try:
        with store.write() as db:
            db.execute("DELETE FROM attachment WHERE message_id = ?", (message_id,))
            db.execute("DELETE FROM message WHERE id = ?", (message_id,))
    finally:
        store.close()
