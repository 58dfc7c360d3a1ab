"""`index_apply` on records made here, as RingCentral's message sync gives them: an FSync fills
and rebuilds the window, an ISync's changes (read state, new messages, deletions, purges)
replace older versions only, threads are summed up again, and the `messages_indexed` signal
names the threads that received a new inbound message. Tests with RingCentral's own sync
(the emulator) are in test_sync.py."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from inbox.index.records import numbers_of, preview_of, thread_key_of
from inbox.index.selectors import index_state_get
from inbox.index.services import index_apply
from inbox.models import IndexedMessage, MailboxSync
from inbox.signals import messages_indexed
from rcapi import Message
from tests.inbox.index.support import (
    ACCOUNT,
    CUSTOMER,
    EXTENSION,
    OWN,
    WINDOW,
    at,
    changed,
    fax,
    removal,
    sms,
    stored,
    threads,
    voicemail,
)

pytestmark = pytest.mark.django_db

OTHER = "+14155550177"


def full(*records: Message, **options: Any) -> Any:
    return index_apply(
        account_id=ACCOUNT,
        extension_id=EXTENSION,
        records=records,
        full=True,
        window_start=WINDOW,
        **options,
    )


def changes(*records: Message) -> Any:
    return index_apply(
        account_id=ACCOUNT, extension_id=EXTENSION, records=records, full=False, window_start=WINDOW
    )


@pytest.fixture
def signalled() -> Iterator[list[dict[str, Any]]]:
    sent: list[dict[str, Any]] = []

    def receive(**kwargs: Any) -> None:
        sent.append(kwargs)

    messages_indexed.connect(receive, dispatch_uid="tests.index.signalled")
    yield sent
    messages_indexed.disconnect(dispatch_uid="tests.index.signalled")


def test_it_fills_the_index_and_its_threads_from_an_fsync() -> None:
    question = sms(text="Is my order on its way?", name="Dana Whitfield", created=at(1))
    answer = sms(direction="Outbound", text="Yes, it ships today.", created=at(2))
    document = fax(pages=2)
    message = voicemail(seconds=42)
    outcome = full(question, answer, document, message)

    assert outcome.written == 4 and outcome.removed == 0
    state = index_state_get(account_id=ACCOUNT, extension_id=EXTENSION)
    assert state.indexed and state.window_start == WINDOW
    rows = threads()
    conversation = rows[thread_key_of(question)]
    assert conversation.last_message_id == answer.id
    assert conversation.preview == "Yes, it ships today."
    assert conversation.last_direction == "Outbound" and conversation.last_type == "SMS"
    # the name comes from the customer's own message, although the newest is the reply
    assert conversation.parties == [{"number": CUSTOMER, "name": "Dana Whitfield"}]
    assert conversation.unread_count == 1 and conversation.message_count == 2
    assert conversation.last_inbound_at == question.creation_time
    # faxes and voicemails are threads of their own
    assert rows[("message", document.id)].preview == "Fax, 2 pages"
    assert rows[("message", message.id)].preview == "Voicemail (0:42)"
    assert stored(answer.id).numbers == f" {OWN} {CUSTOMER} "


def test_it_rebuilds_the_window_from_a_new_fsync() -> None:
    kept, gone = sms(created=at(1)), sms(other=OTHER, created=at(2))
    full(kept, gone)
    outcome = full(kept)  # `gone` was deleted at RingCentral meanwhile

    assert outcome.removed == 1 and outcome.written == 0  # `kept` is the same version
    assert not IndexedMessage.objects.filter(message_id=gone.id).exists()
    assert set(threads()) == {thread_key_of(kept)}


def test_it_applies_a_change_of_read_state() -> None:
    question = sms(created=at(1))
    full(question)
    outcome = changes(changed(question, minutes=5, readStatus="Read"))

    assert outcome.written == 1
    assert stored(question.id).read_status == "Read"
    assert threads()[thread_key_of(question)].unread_count == 0


def test_it_adds_a_new_message_to_its_thread() -> None:
    question = sms(created=at(1))
    full(question)
    follow_up = sms(text="Hello? Any news?", created=at(8))
    changes(follow_up)

    conversation = threads()[thread_key_of(question)]
    assert conversation.message_count == 2 and conversation.unread_count == 2
    assert conversation.last_message_id == follow_up.id
    assert conversation.preview == "Hello? Any news?"


@pytest.mark.parametrize("availability", ["Deleted", "Purged"])
def test_it_takes_deleted_and_purged_messages_out_of_their_thread(availability: str) -> None:
    question, follow_up = sms(created=at(1)), sms(text="Still there?", created=at(2))
    alone = sms(other=OTHER, created=at(3))
    full(question, follow_up, alone)
    # RingCentral may give a removal as an id and an availability, nothing more
    changes(removal(follow_up, minutes=6, availability=availability))
    changes(changed(alone, minutes=6, availability=availability))

    conversation = threads()[thread_key_of(question)]
    assert conversation.message_count == 1 and conversation.last_message_id == question.id
    assert thread_key_of(alone) not in threads()
    row = stored(follow_up.id)
    assert row.availability == availability
    assert (row.thread_kind, row.thread_id) == thread_key_of(question)  # kept from before


def test_it_never_lets_an_older_version_replace_a_newer_one() -> None:
    question = sms(created=at(1))
    full(question)
    read = changed(question, minutes=9, readStatus="Read")
    unread_earlier = changed(question, minutes=4, readStatus="Unread")

    assert changes(read).written == 1
    assert changes(unread_earlier).written == 0  # arrived late: older than what is stored
    assert changes(read).written == 0  # ISync overlaps: the same version again
    # in one answer, the newer of two copies wins whatever their order
    assert changes(changed(question, minutes=12, readStatus="Unread"), read).written == 1
    assert stored(question.id).read_status == "Unread"


def test_it_does_not_bring_back_a_deleted_message_from_a_late_copy() -> None:
    question = sms(created=at(1))
    full(question)
    changes(removal(question, minutes=7))
    changes(changed(question, minutes=5, readStatus="Read"))

    assert stored(question.id).availability == "Deleted"
    assert threads() == {}


def test_it_keeps_no_message_older_than_the_window() -> None:
    full(sms(created=at(1)))
    changes(sms(other=OTHER, created=at(-60)))

    assert IndexedMessage.objects.filter(account_id=ACCOUNT, extension_id=EXTENSION).count() == 1


def test_it_keeps_what_a_later_sync_wrote_when_an_earlier_fsync_lands_after_it() -> None:
    question = sms(created=at(1))
    full(question)
    newer = sms(other=OTHER, created=at(30))
    changes(newer)
    # an FSync whose answer RingCentral gave before `newer` arrived
    full(question, sync_time=at(20))

    assert stored(newer.id).availability == "Alive"
    assert thread_key_of(newer) in threads()


def test_it_names_threads_with_a_new_inbound_message_after_the_first_fill(
    signalled: list[dict[str, Any]], django_capture_on_commit_callbacks: Any
) -> None:
    question = sms(created=at(1))
    with django_capture_on_commit_callbacks(execute=True):
        full(question)
    assert signalled == []  # the first FSync only fills the index

    reply = sms(direction="Outbound", created=at(5))
    document = fax(created=at(6))
    with django_capture_on_commit_callbacks(execute=True):
        changes(reply, document, changed(question, minutes=7, readStatus="Read"))
    assert [s["threads"] for s in signalled] == [frozenset({("message", document.id)})]
    assert signalled[0]["account_id"] == ACCOUNT and signalled[0]["extension_id"] == EXTENSION

    with django_capture_on_commit_callbacks(execute=True):
        changes(document)  # the same record again is not new
    assert len(signalled) == 1


def test_it_waits_for_the_commit_before_it_signals(signalled: list[dict[str, Any]]) -> None:
    full(sms(created=at(1)))
    changes(sms(other=OTHER, created=at(2)))
    # the test's transaction never commits
    assert signalled == []


def test_it_reads_what_lists_need_from_each_record() -> None:
    picture = sms(text="", pictures=2)
    assert preview_of(picture) == "2 attachments"
    assert preview_of(fax(pages=1)) == "Fax, 1 page"
    assert preview_of(voicemail(seconds=75)) == "Voicemail (1:15)"
    assert preview_of(sms(text="  two\n lines ")) == "two lines"
    assert numbers_of(voicemail()) == f" {CUSTOMER} "
    assert MailboxSync.objects.count() == 0  # reading records writes nothing
