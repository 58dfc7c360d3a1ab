"""Message sync against the emulator over HTTP, the services called in this process: FSync
first, ISync after, MSG-333 → FSync, de-duplication, coalescing, the change counter, cache
drops, and sends moved on by what the sync reports. The tasks the services enqueue are
recorded, so that each test sees exactly what was asked for (and the send pipeline's tracker
never runs beside the sync); the same syncs taken by a real worker process:
tests/inbox/live/test_worker.py and tests/e2e/test_live_inbox.py."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from inbox.cache import mailbox_key
from inbox.live.selectors import live_counter_get
from inbox.live.sync import (
    mailbox_event_record,
    mailbox_sync,
    mailbox_viewed,
    mailboxes_sync_due,
)
from inbox.models import MailboxSubscription, MailboxSync, Send
from inbox.sending.pipeline import send_process
from tests.inbox.conftest import extension_of, point_at, signed_in
from tests.inbox.live.support import inject_sms, live_tasks_record
from tests.support.emulator import RunningEmulator
from tests.support.sends import TaskRecorder, request_count, sms_queue, tasks_record, wait_until

CUSTOMER = "+14155550142"


@pytest.fixture
def rc(settings: Any, emulator_factory: Any, db: None, tmp_path: Any) -> RunningEmulator:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return point_at(settings, emulator_factory("--sms-step", "0.2"))


@pytest.fixture(autouse=True)
def recorded(monkeypatch: pytest.MonkeyPatch) -> TaskRecorder:
    tasks_record(monkeypatch)  # the send pipeline's own tasks are not wanted here
    return live_tasks_record(monkeypatch)


@pytest.fixture
def bob_browser(rc: RunningEmulator) -> Client:
    return signed_in(rc, "agent")


@pytest.fixture
def bob(bob_browser: Client, rc: RunningEmulator) -> User:
    return User.objects.get(rc_extension_id=extension_of(rc, "agent"))


def sync(user: User) -> Any:
    assert user.rc_account_id is not None and user.rc_extension_id is not None
    return mailbox_sync(account_id=user.rc_account_id, extension_id=user.rc_extension_id)


def state_of(user: User) -> MailboxSync:
    assert user.rc_account_id is not None and user.rc_extension_id is not None
    return MailboxSync.objects.get(account_id=user.rc_account_id, extension_id=user.rc_extension_id)


def counter_of(user: User) -> int:
    assert user.rc_account_id is not None and user.rc_extension_id is not None
    return live_counter_get(account_id=user.rc_account_id, extension_id=user.rc_extension_id)


def test_it_full_syncs_first_then_follows_with_isync(rc: RunningEmulator, bob: User) -> None:
    first = sync(bob)
    assert first.ran and first.full and first.records > 0
    state = state_of(bob)
    assert state.sync_token and state.full_syncs == 1
    then = sync(bob)
    assert then.ran and not then.full
    assert request_count(rc, operation="syncMessages") == 2
    assert state_of(bob).full_syncs == 1


def test_it_falls_back_to_a_full_sync_when_the_token_is_refused(
    rc: RunningEmulator, bob: User
) -> None:
    sync(bob)
    MailboxSync.objects.filter(pk=state_of(bob).pk).update(sync_token="not-a-token")
    outcome = sync(bob)
    assert outcome.ran and outcome.full
    assert request_count(rc, operation="syncMessages", status=400) == 1
    state = state_of(bob)
    assert state.full_syncs == 2 and state.sync_token != "not-a-token"
    assert not sync(bob).full  # the new token works


def test_it_counts_a_change_once_although_isync_repeats_records(
    rc: RunningEmulator, bob: User
) -> None:
    sync(bob)
    before = counter_of(bob)
    message_id = inject_sms(rc, to_extension="102", sender=CUSTOMER, text="Is my order late?")
    found = sync(bob)
    assert found.changed == 1, found
    assert str(message_id) in state_of(bob).recent_versions
    assert counter_of(bob) == before + 1
    # ISync overlaps the previous one by 5 s: the same record again is not a change
    again = sync(bob)
    assert again.ran and again.changed == 0
    assert counter_of(bob) == before + 1


def test_it_drops_the_mailbox_cache_when_something_changed(
    rc: RunningEmulator, bob: User, bob_browser: Client
) -> None:
    sync(bob)
    assert bob.rc_account_id is not None and bob.rc_extension_id is not None
    key = mailbox_key(bob.rc_account_id, bob.rc_extension_id, "list", {"probe": 1})
    assert sync(bob).changed == 0
    assert mailbox_key(bob.rc_account_id, bob.rc_extension_id, "list", {"probe": 1}) == key
    inject_sms(rc, to_extension="102", sender=CUSTOMER, text="New question")
    sync(bob)
    assert mailbox_key(bob.rc_account_id, bob.rc_extension_id, "list", {"probe": 1}) != key
    page = bob_browser.get(reverse("inbox:conversations", args=[bob.rc_extension_id]))
    assert "New question" in page.content.decode()


def test_it_folds_a_burst_of_events_into_one_sync(
    bob: User, recorded: TaskRecorder, django_capture_on_commit_callbacks: Any
) -> None:
    assert bob.rc_account_id is not None and bob.rc_extension_id is not None
    subscription = MailboxSubscription.objects.create(
        owner=bob,
        account_id=bob.rc_account_id,
        extension_id=bob.rc_extension_id,
        hook_id="6f1c2b8e-8a8e-4b7e-9d4a-3c2b1a0f9e8d",
        token_digest="0" * 64,
        status=MailboxSubscription.Status.ACTIVE,
    )
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(10):
            mailbox_event_record(subscription=subscription)
    syncs = recorded.of("inbox.live.tasks.rc_mailbox_sync")
    assert len(syncs) == 1
    assert syncs[0].args == [bob.rc_account_id, bob.rc_extension_id]
    subscription.refresh_from_db()
    assert subscription.events == 10
    assert state_of(bob).event_pending_since is not None
    # once the sync starts, the next event asks for another
    sync(bob)
    assert state_of(bob).event_pending_since is None and state_of(bob).lag_seconds is not None
    with django_capture_on_commit_callbacks(execute=True):
        mailbox_event_record(subscription=subscription)
    assert len(recorded.of("inbox.live.tasks.rc_mailbox_sync")) == 2


def test_it_hands_its_turn_on_when_another_sync_runs(
    bob: User, recorded: TaskRecorder, django_capture_on_commit_callbacks: Any
) -> None:
    from django.core.cache import cache

    from inbox.live.sync import _lock_key

    assert bob.rc_account_id is not None and bob.rc_extension_id is not None
    cache.add(_lock_key(bob.rc_account_id, bob.rc_extension_id), "other", 60)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = sync(bob)
    assert not outcome.ran
    again = recorded.of("inbox.live.tasks.rc_mailbox_sync")
    assert len(again) == 1 and again[0].countdown == 1.0


def test_it_syncs_open_mailboxes_periodically(
    bob: User, recorded: TaskRecorder, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    assert bob.rc_account_id is not None and bob.rc_extension_id is not None
    with django_capture_on_commit_callbacks(execute=True):
        # bob's own working session keeps his mailbox (its conversation index) current,
        # whether or not a page of it is open or a subscription was made
        assert mailboxes_sync_due() == 1
    sync(bob)
    with django_capture_on_commit_callbacks(execute=True):
        assert mailboxes_sync_due() == 0  # synced just now
        # a mailbox nobody here signs in to, open in an admin's browser
        mailbox_viewed(account_id=bob.rc_account_id, extension_id=bob.rc_extension_id + 1)
        assert mailboxes_sync_due() == 1
    settings.LIVE_SYNC_EVERY = 0
    with django_capture_on_commit_callbacks(execute=True):
        assert mailboxes_sync_due() == 1  # bob's again (the open one's is still queued)


def test_it_moves_a_send_to_delivered_from_the_sync(rc: RunningEmulator, bob: User) -> None:
    sync(bob)
    send = sms_queue(bob, text="Your order ships today", to=CUSTOMER)
    send_process(send_id=send.pk)
    send.refresh_from_db()
    assert send.status == Send.Status.SUBMITTED and send.rc_message_id is not None
    before = counter_of(bob)

    def delivered() -> bool:
        sync(bob)
        send.refresh_from_db()
        return send.rc_status == "Delivered"

    wait_until(delivered, seconds=15, every=0.3, what="the send delivered")
    assert send.finished_at is not None
    assert counter_of(bob) > before
    # the pipeline's tracker never ran: the sync alone moved the send
    assert request_count(rc, operation="listMessages") == 0
