"""Read state and names as a person expects them: only received messages are ever unread
(RingCentral stores the mailbox's own sends as `Unread`), a customer's name stays on the
conversation after a reply, and opening a conversation reads it — unless it was just marked
unread, and never through an internal action such as the delete confirmation."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from emulator.inbound import inbound_sms
from inbox.cache import mailbox_cache_drop
from inbox.conversations import tasks
from inbox.live.sync import mailbox_sync
from tests.emulator.factories import (
    conversation_of,
    make_sms,
    make_voicemail,
    message_row,
    store,
    unique_number,
)
from tests.inbox.conftest import extension_of, signed_in
from tests.inbox.support import found, now, own_day, rc_calls
from tests.support.emulator import RunningEmulator
from tests.support.sends import Enqueued, TaskRecorder


def list_url(running: RunningEmulator, which: str = "agent") -> str:
    return reverse("inbox:conversations", args=[extension_of(running, which)])


def thread_url(running: RunningEmulator, conversation_id: int, which: str = "agent") -> str:
    return reverse("inbox:thread", args=[extension_of(running, which), conversation_id])


def rows(page: str) -> list[str]:
    return re.findall(r'<li class="conversation[^"]*" data-row>(.*?)</li>', page, re.S)


def unread_count(page: str) -> int:
    return int(found(r"<strong data-unread-count>(\d+)\+?</strong> unread", page))


def forget(running: RunningEmulator, which: str = "agent") -> None:
    """Drop the mailbox's cached answers, as a change seen by the live sync does."""
    user = User.objects.get(rc_extension_id=extension_of(running, which))
    assert user.rc_account_id is not None
    mailbox_cache_drop(account_id=user.rc_account_id, extension_id=extension_of(running, which))


def own_number(running: RunningEmulator, which: str = "agent") -> str:
    return str(running.user(which)["sms_numbers"][0])


def named_inbound(
    running: RunningEmulator, *, customer: str, name: str, text: str, created_ts: float
) -> int:
    """An SMS from `customer` to bob that RingCentral shows with the sender's name."""
    with store(running.db_path).write() as db:
        (message_id,) = inbound_sms(
            db, to_number=own_number(running), from_number=customer, from_name=name,
            text=text, created_ts=created_ts,
        )  # fmt: skip
    return message_id


def reply_stored(running: RunningEmulator, *, customer: str, text: str, created_ts: float) -> int:
    """bob's reply as RingCentral stores a sent SMS: outbound, with `readStatus: Unread`."""
    return make_sms(
        running.db_path, extension_of(running, "agent"), other_number=customer, text=text,
        created_ts=created_ts, direction="Outbound", read_status="Unread",
        own_number=own_number(running),
    )  # fmt: skip


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> TaskRecorder:
    """The mark-read tasks that opening pages enqueues, recorded instead of sent to a broker."""
    recorder = TaskRecorder()
    task = tasks.rc_messages_read_on_open

    def record(args: Any = None, kwargs: Any = None, **options: Any) -> None:
        recorder.calls.append(
            Enqueued(task.name, list(args or []), dict(kwargs or {}), options.get("countdown"))
        )

    monkeypatch.setattr(task, "apply_async", record)
    return recorder


def run_reads(recorder: TaskRecorder) -> None:
    """Do what a worker would with the recorded tasks (and forget them)."""
    for call in recorder.calls:
        tasks.rc_messages_read_on_open(*call.args, **call.kwargs)
    recorder.calls.clear()


# --------------------------------------------------------------------------- only received


def test_it_counts_only_received_messages_as_unread(fresh_rc: RunningEmulator) -> None:
    bob_client = signed_in(fresh_rc, "agent")
    customer = unique_number()
    started = time.time() - 120
    make_sms(
        fresh_rc.db_path, extension_of(fresh_rc, "agent"), other_number=customer,
        text="Is my order ready?", created_ts=started, read_status="Read",
        own_number=own_number(fresh_rc),
    )  # fmt: skip
    before = unread_count(bob_client.get(list_url(fresh_rc)).content.decode())

    reply_stored(fresh_rc, customer=customer, text="Yes, come by at 5.", created_ts=started + 60)
    forget(fresh_rc)
    page = bob_client.get(list_url(fresh_rc)).content.decode()
    unread_only = bob_client.get(list_url(fresh_rc), {"read": "unread"}).content.decode()

    assert unread_count(page) == before
    assert f"<title>({before}) " in page
    row = next(r for r in rows(page) if "Yes, come by at 5." in r)
    assert "<span data-unread-marker hidden>" in row
    assert not [r for r in rows(unread_only) if "come by at 5" in r]


def test_it_shows_a_reply_as_read_in_its_thread(
    bob_client: Client, rc: RunningEmulator, reads: TaskRecorder
) -> None:
    day, _ = own_day()
    customer = unique_number()
    first = make_sms(
        rc.db_path, extension_of(rc, "agent"), other_number=customer, text="Thanks!",
        created_ts=day + 10, read_status="Read", own_number=own_number(rc),
    )  # fmt: skip
    reply_stored(rc, customer=customer, text="You are welcome.", created_ts=day + 20)

    page = bob_client.get(thread_url(rc, conversation_of(rc.db_path, first))).content.decode()

    assert "is-unread" not in page
    assert "Mark conversation unread" in page
    assert reads.calls == []  # nothing received is unread: nothing to mark


def test_it_counts_a_conversation_unread_while_a_received_message_is_unread(
    fresh_rc: RunningEmulator,
) -> None:
    bob_client = signed_in(fresh_rc, "agent")
    customer = unique_number()
    started = time.time() - 120
    make_sms(
        fresh_rc.db_path, extension_of(fresh_rc, "agent"), other_number=customer,
        text="Still there?", created_ts=started, own_number=own_number(fresh_rc),
    )  # fmt: skip
    reply_stored(
        fresh_rc, customer=customer, text="Sent from the phone app.", created_ts=started + 60
    )
    mine = {"number": customer}

    (row,) = rows(bob_client.get(list_url(fresh_rc), mine).content.decode())
    unread_only = {**mine, "read": "unread"}
    (unread_row,) = rows(bob_client.get(list_url(fresh_rc), unread_only).content.decode())

    assert "Sent from the phone app." in row
    assert "<span data-unread-marker>" in row and "Mark read" in row
    assert "Still there?" in unread_row


# --------------------------------------------------------------------------- names


def test_it_keeps_the_customers_name_after_a_reply(
    bob_client: Client, rc: RunningEmulator, reads: TaskRecorder
) -> None:
    day, window = own_day()
    customer = unique_number()
    first = named_inbound(
        rc, customer=customer, name="Fatima Rossi", text="Hello?", created_ts=day + 10
    )
    bob_client.get(list_url(rc), window)  # her message, the newest, names her

    reply_stored(rc, customer=customer, text="Hi Fatima!", created_ts=day + 20)
    forget(rc)  # as the live sync does when it sees the reply
    since = now()
    (row,) = rows(bob_client.get(list_url(rc), window).content.decode())
    list_calls = rc_calls(rc, since, "listMessages")
    page = bob_client.get(thread_url(rc, conversation_of(rc.db_path, first))).content.decode()

    assert "Fatima Rossi" in row and "Hi Fatima!" in row
    assert list_calls == 2  # the list and the unread count: names cost no call
    assert '<h1 id="thread-title">Fatima Rossi</h1>' in page
    assert "Fatima Rossi · Inbox" in page  # the tab title


def test_it_names_a_customer_from_their_unread_message_behind_a_reply(
    fresh_rc: RunningEmulator,
) -> None:
    bob_client = signed_in(fresh_rc, "agent")
    customer = unique_number()
    started = time.time() - 120
    with store(fresh_rc.db_path).write() as db:
        inbound_sms(
            db, to_number=own_number(fresh_rc), from_number=customer, from_name="Diego Park",
            text="Are you there?", created_ts=started,
        )  # fmt: skip
    # answered from another app, without reading: the list's row is the reply
    reply_stored(fresh_rc, customer=customer, text="Yes, one moment.", created_ts=started + 60)

    (row,) = rows(bob_client.get(list_url(fresh_rc), {"number": customer}).content.decode())

    assert "Diego Park" in row and "Yes, one moment." in row


def test_it_learns_names_from_the_live_sync(bob_client: Client, rc: RunningEmulator) -> None:
    user = User.objects.get(rc_extension_id=extension_of(rc, "agent"))
    assert user.rc_account_id is not None
    mailbox_sync(account_id=user.rc_account_id, extension_id=extension_of(rc, "agent"))
    customer = unique_number()
    moment = time.time()
    named_inbound(rc, customer=customer, name="Ingrid Olsen", text="Hi", created_ts=moment)
    mailbox_sync(account_id=user.rc_account_id, extension_id=extension_of(rc, "agent"))
    reply_stored(rc, customer=customer, text="Hello Ingrid", created_ts=time.time())
    mailbox_sync(account_id=user.rc_account_id, extension_id=extension_of(rc, "agent"))
    forget(rc)
    window = {"start": datetime.fromtimestamp(moment, UTC).date().isoformat(), "number": customer}

    since = now()
    (row,) = rows(bob_client.get(list_url(rc), window).content.decode())

    assert "Ingrid Olsen" in row and "Hello Ingrid" in row
    # the synced mailbox's list comes from the conversation index, not RingCentral
    assert rc_calls(rc, since, "listMessages") == 0


# --------------------------------------------------------------------------- opening reads


@dataclass(frozen=True)
class UnreadThread:
    conversation_id: int
    ids: list[int]  # two unread received messages, then bob's reply (`Unread`, as stored)
    window: dict[str, str]


@pytest.fixture
def unread_thread(rc: RunningEmulator) -> UnreadThread:
    day, window = own_day()
    customer = unique_number()
    ids = [
        make_sms(rc.db_path, extension_of(rc, "agent"), other_number=customer, text=text,
                 created_ts=day + n, own_number=own_number(rc))
        for n, text in ((10, "Are you open today?"), (20, "Until when?"))
    ]  # fmt: skip
    ids.append(reply_stored(rc, customer=customer, text="Until 6.", created_ts=day + 30))
    return UnreadThread(conversation_of(rc.db_path, ids[0]), ids, window)


def read_states(running: RunningEmulator, ids: list[int]) -> list[str]:
    return [message_row(running.db_path, i)["read_status"] for i in ids]


def test_it_reads_a_conversation_when_it_is_opened(
    bob_client: Client,
    rc: RunningEmulator,
    unread_thread: UnreadThread,
    reads: TaskRecorder,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    conversation_id, ids = unread_thread.conversation_id, unread_thread.ids

    with django_capture_on_commit_callbacks(execute=True):
        page = bob_client.get(thread_url(rc, conversation_id)).content.decode()
    enqueued = list(reads.calls)
    since = now()
    run_reads(reads)

    assert "is-unread" not in page  # the page is sent as it is about to be
    assert "Mark conversation unread" in page
    assert len(enqueued) == 1
    assert rc_calls(rc, since, "updateMessage") == 1  # one bulk update for both
    assert read_states(rc, ids) == ["Read", "Read", "Unread"]  # the reply is not touched
    (row,) = rows(bob_client.get(list_url(rc), unread_thread.window).content.decode())
    assert "<span data-unread-marker hidden>" in row


def test_it_keeps_a_conversation_unread_after_mark_unread_until_it_is_opened_again(
    bob_client: Client,
    rc: RunningEmulator,
    unread_thread: UnreadThread,
    reads: TaskRecorder,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    conversation_id, ids = unread_thread.conversation_id, unread_thread.ids
    with django_capture_on_commit_callbacks(execute=True):
        opened = bob_client.get(thread_url(rc, conversation_id)).content.decode()
    run_reads(reads)
    form = found(r'(<form method="post" action="[^"]+/read-status/">.*?</form>)', opened)
    next_url = found(r'name="next" value="([^"]+)"', form).replace("&amp;", "&")

    with django_capture_on_commit_callbacks(execute=True):
        marked = bob_client.post(
            reverse("inbox:conversation_read_status", args=[extension_of(rc, "agent"),
                                                              conversation_id]),
            {"read_status": "Unread", "next": next_url},
            follow=True,
        )  # fmt: skip
        refreshed = bob_client.get(marked.redirect_chain[-1][0], HTTP_X_LIVE_REFRESH="1")
    after_marking = list(reads.calls)
    with django_capture_on_commit_callbacks(execute=True):
        bob_client.get(thread_url(rc, conversation_id))

    assert read_states(rc, ids)[1] == "Unread"
    assert "is-unread" in marked.content.decode() and "is-unread" in refreshed.content.decode()
    assert after_marking == []
    assert len(reads.calls) == 1  # the next deliberate open reads it


def test_it_reads_a_voicemail_when_it_is_opened(
    bob_client: Client,
    rc: RunningEmulator,
    reads: TaskRecorder,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    day, _ = own_day()
    message_id = make_voicemail(rc.db_path, extension_of(rc, "agent"), created_ts=day + 10)

    with django_capture_on_commit_callbacks(execute=True):
        bob_client.get(reverse("inbox:message", args=[extension_of(rc, "agent"), message_id]))
    run_reads(reads)

    assert message_row(rc.db_path, message_id)["read_status"] == "Read"


def test_it_leaves_read_state_alone_on_the_delete_confirmation(
    bob_client: Client,
    rc: RunningEmulator,
    unread_thread: UnreadThread,
    reads: TaskRecorder,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    conversation_id, ids = unread_thread.conversation_id, unread_thread.ids
    target = reverse("inbox:conversation_delete", args=[extension_of(rc, "agent"), conversation_id])

    with django_capture_on_commit_callbacks(execute=True):
        page = bob_client.get(target)

    assert page.status_code == 200
    assert reads.calls == []
    assert read_states(rc, ids)[:2] == ["Unread", "Unread"]


def test_it_reads_nothing_for_another_agent_or_a_stranger(
    charlie_client: Client,
    dave_client: Client,
    rc: RunningEmulator,
    unread_thread: UnreadThread,
    reads: TaskRecorder,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    conversation_id, ids = unread_thread.conversation_id, unread_thread.ids

    with django_capture_on_commit_callbacks(execute=True):
        answers = [c.get(thread_url(rc, conversation_id)) for c in (charlie_client, dave_client)]

    assert [a.status_code for a in answers] == [404, 404]
    assert reads.calls == []
    assert read_states(rc, ids)[:2] == ["Unread", "Unread"]


def test_it_asks_ringcentral_once_for_a_thread_opened_twice_quickly(
    bob_client: Client,
    rc: RunningEmulator,
    unread_thread: UnreadThread,
    reads: TaskRecorder,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    conversation_id = unread_thread.conversation_id

    with django_capture_on_commit_callbacks(execute=True):
        bob_client.get(thread_url(rc, conversation_id))
        bob_client.get(thread_url(rc, conversation_id))  # the cached thread, still unread

    assert len(reads.calls) == 1


def test_it_marks_the_newest_received_message_unread_not_a_reply(
    bob_client: Client, rc: RunningEmulator
) -> None:
    day, _ = own_day()
    customer = unique_number()
    ids = [
        make_sms(rc.db_path, extension_of(rc, "agent"), other_number=customer, text=text,
                 created_ts=day + n, direction=direction, read_status="Read",
                 own_number=own_number(rc))
        for n, text, direction in ((10, "Hi", "Inbound"), (20, "Thanks", "Inbound"),
                                   (30, "You are welcome", "Outbound"))
    ]  # fmt: skip
    target = reverse(
        "inbox:conversation_read_status",
        args=[extension_of(rc, "agent"), conversation_of(rc.db_path, ids[0])],
    )

    bob_client.post(target, {"read_status": "Unread"})

    assert read_states(rc, ids) == ["Read", "Unread", "Read"]
