"""The index kept by the real message sync (`inbox.live.sync.mailbox_sync`) against the
emulator over HTTP: the first sync fills it, ISyncs follow read-state changes, new messages,
deletions and purges made at RingCentral, a refused sync token (MSG-333) rebuilds it, and
every mailbox with a working session is synced periodically whether or not a page is open."""

from __future__ import annotations

import time
from typing import Any

from accounts.models import User
from inbox.index.records import thread_key_of
from inbox.index.selectors import index_state_get
from inbox.live.sync import mailboxes_sync_due
from inbox.models import IndexedConversation, IndexedMessage, MailboxSync
from inbox.signals import messages_indexed
from rcapi import Message
from tests.emulator.factories import make_fax, make_sms, store
from tests.inbox.index.conftest import mailbox_of, rc_write, sync
from tests.inbox.live.support import inject_sms
from tests.support.emulator import RunningEmulator
from tests.support.sends import TaskRecorder, request_count

CUSTOMER = "+14155550142"


def alive_in_window(running: RunningEmulator, user: User) -> set[int]:
    """The ids of bob's `Alive` messages RingCentral holds in the index's window."""
    _, extension_id = mailbox_of(user)
    start = index_state_get(account_id=user.rc_account_id or 0, extension_id=extension_id)
    assert start.window_start is not None
    with store(running.db_path).read() as db:
        rows = db.execute(
            "SELECT id FROM message WHERE extension_id = ? AND availability = 'Alive' "
            "AND creation_ts >= ? AND creation_ts <= ?",
            (extension_id, start.window_start.timestamp(), time.time()),
        ).fetchall()
    return {row["id"] for row in rows}


def indexed(user: User, **filters: Any) -> dict[int, IndexedMessage]:
    account_id, extension_id = mailbox_of(user)
    rows = IndexedMessage.objects.filter(account_id=account_id, extension_id=extension_id)
    return {row.message_id: row for row in rows.filter(**filters)}


def thread_of(user: User, message_id: int) -> IndexedConversation | None:
    account_id, extension_id = mailbox_of(user)
    key = thread_key_of(Message.from_json(indexed(user)[message_id].record))
    return IndexedConversation.objects.filter(
        account_id=account_id, extension_id=extension_id, thread_kind=key[0], thread_id=key[1]
    ).first()


def test_it_fills_the_index_from_the_first_sync(fresh_rc: RunningEmulator, bob: User) -> None:
    assert not index_state_get(
        account_id=mailbox_of(bob)[0], extension_id=mailbox_of(bob)[1]
    ).indexed
    outcome = sync(bob)

    assert outcome.full and outcome.records > 0
    state = index_state_get(account_id=mailbox_of(bob)[0], extension_id=mailbox_of(bob)[1])
    assert state.indexed and state.window_start is not None
    assert state.window_start.time().isoformat() == "00:00:00"  # the list's default window
    assert set(indexed(bob, availability="Alive")) == alive_in_window(fresh_rc, bob)
    account_id, extension_id = mailbox_of(bob)
    threads = IndexedConversation.objects.filter(account_id=account_id, extension_id=extension_id)
    assert threads.count() == len(
        {(m.thread_kind, m.thread_id) for m in indexed(bob, availability="Alive").values()}
    )


def test_it_follows_what_changes_at_ringcentral(fresh_rc: RunningEmulator, bob: User) -> None:
    _, extension_id = mailbox_of(bob)
    sync(bob)
    arrived = inject_sms(fresh_rc, to_extension="102", sender=CUSTOMER, text="Where is my parcel?")
    outcome = sync(bob)
    assert not outcome.full
    assert indexed(bob)[arrived].read_status == "Unread"
    conversation = thread_of(bob, arrived)
    assert conversation is not None and conversation.preview == "Where is my parcel?"
    assert conversation.unread_count >= 1

    rc_write(fresh_rc, "PUT", f"/message-store/{arrived}", json={"readStatus": "Read"})
    sync(bob)
    assert indexed(bob)[arrived].read_status == "Read"

    document = make_fax(fresh_rc.db_path, extension_id, other_number="+14155550199")
    sync(bob)
    assert thread_of(bob, document) is not None
    rc_write(fresh_rc, "DELETE", f"/message-store/{document}")
    sync(bob)
    assert indexed(bob)[document].availability == "Deleted"
    assert ("message", document) not in {
        (c.thread_kind, c.thread_id) for c in IndexedConversation.objects.all()
    }

    rc_write(fresh_rc, "DELETE", f"/message-store/{arrived}", params={"purge": "true"})
    sync(bob)
    assert indexed(bob)[arrived].availability == "Purged"
    assert set(indexed(bob, availability="Alive")) == alive_in_window(fresh_rc, bob)


def test_it_rebuilds_the_index_when_ringcentral_refuses_the_token(
    fresh_rc: RunningEmulator, bob: User
) -> None:
    _, extension_id = mailbox_of(bob)
    doomed = make_sms(fresh_rc.db_path, extension_id, other_number=CUSTOMER, text="Doomed")
    sync(bob)
    assert indexed(bob)[doomed].availability == "Alive"
    # deleted while the dashboard was not following: no ISync ever tells it
    rc_write(fresh_rc, "DELETE", f"/message-store/{doomed}")
    account_id, _ = mailbox_of(bob)
    MailboxSync.objects.filter(account_id=account_id, extension_id=extension_id).update(
        sync_token="not-a-token"
    )

    outcome = sync(bob)
    assert outcome.full
    assert request_count(fresh_rc, operation="syncMessages", status=400) == 1
    assert doomed not in indexed(bob)
    assert set(indexed(bob)) == alive_in_window(fresh_rc, bob)


def test_it_fills_the_index_of_a_mailbox_synced_before_it_existed(
    fresh_rc: RunningEmulator, bob: User
) -> None:
    sync(bob)
    account_id, extension_id = mailbox_of(bob)
    MailboxSync.objects.filter(account_id=account_id, extension_id=extension_id).update(
        indexed_at=None
    )
    IndexedMessage.objects.all().delete()

    outcome = sync(bob)
    assert outcome.full
    assert set(indexed(bob)) == alive_in_window(fresh_rc, bob)


def test_it_keeps_every_signed_in_mailbox_current(
    bob: User,
    recorded: TaskRecorder,
    django_capture_on_commit_callbacks: Any,
    settings: Any,
) -> None:
    # bob is signed in, no page of his is open and no subscription was made
    with django_capture_on_commit_callbacks(execute=True):
        assert mailboxes_sync_due() == 1
    syncs = recorded.of("inbox.live.tasks.rc_mailbox_sync")
    assert [s.args for s in syncs] == [list(mailbox_of(bob))]
    sync(bob)
    with django_capture_on_commit_callbacks(execute=True):
        assert mailboxes_sync_due() == 0  # synced just now
    settings.LIVE_SYNC_EVERY = 0
    with django_capture_on_commit_callbacks(execute=True):
        assert mailboxes_sync_due() == 1


def test_it_signals_new_inbound_messages_of_a_real_sync(
    fresh_rc: RunningEmulator, bob: User, django_capture_on_commit_callbacks: Any
) -> None:
    sent: list[dict[str, Any]] = []

    def receive(**kwargs: Any) -> None:
        sent.append(kwargs)

    messages_indexed.connect(receive, dispatch_uid="tests.index.real_sync")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            sync(bob)
        assert sent == []
        arrived = inject_sms(fresh_rc, to_extension="102", sender=CUSTOMER, text="Hi again")
        with django_capture_on_commit_callbacks(execute=True):
            sync(bob)
    finally:
        messages_indexed.disconnect(dispatch_uid="tests.index.real_sync")
    record = Message.from_json(indexed(bob)[arrived].record)
    assert [s["threads"] for s in sent] == [frozenset({thread_key_of(record)})]
