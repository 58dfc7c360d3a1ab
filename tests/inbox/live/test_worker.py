"""Subscriptions and sync with a real Celery worker and Celery beat: the emulator delivers
webhook notifications to the live server; the worker process makes the subscription enqueued
at sign-in and runs the syncs the notifications ask for; after RingCentral blacklists the
webhook, beat's next subscription check (in the worker) makes a new one and a sync catches up
what was missed.

The worker takes the test's live tasks (`LIVE_TASK_QUEUE` names its queue here and in its
environment) and shares this process's cache under a key prefix of the test's own.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from accounts.models import User
from inbox.live.subscriptions import subscription_ensure, webhook_address
from inbox.live.sync import mailbox_sync_request
from inbox.models import MailboxSubscription, MailboxSync
from tests.inbox.conftest import extension_of, point_at, signed_in
from tests.inbox.live.support import inject_sms
from tests.support.celery_worker import (
    Worker,
    cache_shared_with_workers,
    celery_beat,
    sending_worker,
)
from tests.support.emulator import RunningEmulator
from tests.support.sends import request_count, wait_until


@pytest.fixture
def rc(settings: Any, emulator_factory: Any, live_server: Any) -> RunningEmulator:
    """An emulator that gives up on a failing webhook quickly, and a dashboard it can reach."""
    settings.WEBHOOK_BASE_URL = live_server.url
    running = emulator_factory("--webhook-retry-base", "0.2", "--webhook-max-attempts", "3")
    return point_at(settings, running)


@pytest.fixture
def worker(tmp_path: Path, rc: RunningEmulator) -> Iterator[Worker]:
    with cache_shared_with_workers() as prefix:
        environment = {"CACHE_KEY_PREFIX": prefix}
        with sending_worker(tmp_path, rc, name="live", env=environment) as started:
            yield started


def subscriptions_at(rc: RunningEmulator, which: str) -> list[dict[str, Any]]:
    answer = rc.session(which).get(rc.api("/subscription"), timeout=10)
    answer.raise_for_status()
    records: list[dict[str, Any]] = answer.json()["records"]
    return records


def active_subscription(user: User, worker: Worker) -> MailboxSubscription:
    def made() -> bool:
        assert worker.process.poll() is None, f"the worker stopped:\n{worker.output()}"
        return MailboxSubscription.objects.filter(
            owner=user, status=MailboxSubscription.Status.ACTIVE
        ).exists()

    wait_until(made, seconds=30, what=f"an active subscription:\n{worker.output()}")
    return MailboxSubscription.objects.get(owner=user, status=MailboxSubscription.Status.ACTIVE)


def state_of(user: User) -> MailboxSync | None:
    assert user.rc_extension_id is not None
    return MailboxSync.objects.filter(extension_id=user.rc_extension_id).first()


def synced_message(user: User, message_id: int, worker: Worker) -> MailboxSync:
    """The mailbox's sync state, once a sync has seen `message_id`."""

    def seen() -> bool:
        state = state_of(user)
        return state is not None and str(message_id) in (state.recent_versions or {})

    wait_until(
        seen, seconds=30, every=0.3, what=f"a sync that saw {message_id}:\n{worker.output()}"
    )
    state = state_of(user)
    assert state is not None
    return state


def test_it_subscribes_at_sign_in_and_syncs_what_it_hears(
    rc: RunningEmulator, worker: Worker, transactional_db: None
) -> None:
    browser = signed_in(rc, "agent")
    bob = User.objects.get(rc_extension_id=extension_of(rc, "agent"))
    row = active_subscription(bob, worker)
    assert row.expires_at is not None and row.rc_subscription_id
    (remote,) = subscriptions_at(rc, "agent")
    assert remote["id"] == row.rc_subscription_id and remote["status"] == "Active"
    assert remote["deliveryMode"]["address"] == webhook_address(row.hook_id)
    assert subscription_ensure(user_id=bob.pk) == row  # kept, not made again
    # a first sync fills the index, so the message below is a change the webhook brings (were
    # the first sync to find it, it would be no change at all)
    assert bob.rc_account_id is not None and bob.rc_extension_id is not None
    mailbox_sync_request(account_id=bob.rc_account_id, extension_id=bob.rc_extension_id)
    wait_until(
        lambda: (state_of(bob) or MailboxSync()).synced_at is not None,
        seconds=30,
        what=f"the first sync:\n{worker.output()}",
    )

    message_id = inject_sms(rc, to_extension="102", sender="+14155550143", text="Hello there")

    state = synced_message(bob, message_id, worker)
    assert state.syncs >= 2 and state.change_counter >= 1 and state.last_event_at is not None
    row.refresh_from_db()
    assert row.events >= 1
    assert request_count(rc, operation="createSubscription", status=200) == 1

    browser.post(reverse("accounts:logout"))
    row.refresh_from_db()
    assert row.status == MailboxSubscription.Status.DELETED
    assert subscriptions_at(rc, "agent") == []


def test_beat_recreates_a_blacklisted_subscription_and_a_sync_catches_up(
    rc: RunningEmulator, worker: Worker, tmp_path: Path, transactional_db: None
) -> None:
    signed_in(rc, "agent")
    bob = User.objects.get(rc_extension_id=extension_of(rc, "agent"))
    assert bob.rc_account_id is not None and bob.rc_extension_id is not None
    first = active_subscription(bob, worker)
    # a first sync, so that the catch-up is an ISync that finds only what was missed
    mailbox_sync_request(account_id=bob.rc_account_id, extension_id=bob.rc_extension_id)

    def first_synced() -> bool:
        state = state_of(bob)
        return state is not None and state.synced_at is not None

    wait_until(first_synced, seconds=30, what="the first sync")
    before = state_of(bob)
    assert before is not None
    syncs_before = before.syncs

    # the webhook fails for a while: every delivery gets a 500
    def broken(**_: Any) -> None:
        raise RuntimeError("the database is down")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("inbox.live.views.mailbox_event_record", broken)
        missed = inject_sms(rc, to_extension="102", sender="+14155550144", text="Anyone there?")

        def blacklisted() -> bool:
            return any(s["status"] == "Blacklisted" for s in subscriptions_at(rc, "agent"))

        wait_until(blacklisted, seconds=20, every=0.5, what="RingCentral blacklists the webhook")
    state = state_of(bob)
    assert state is not None and state.syncs == syncs_before
    assert str(missed) not in (state.recent_versions or {})

    # beat checks the subscriptions every 2 s here; no periodic sync to muddle the catch-up
    beat_env = {"LIVE_SUBSCRIPTION_CHECK_EVERY": "2", "LIVE_SYNC_EVERY": "3600"}
    with celery_beat(tmp_path, worker, env=beat_env) as beat_log:
        wait_until(
            lambda: (
                MailboxSubscription.objects.filter(
                    owner=bob, status=MailboxSubscription.Status.ACTIVE
                )
                .exclude(pk=first.pk)
                .exists()
            ),
            seconds=30,
            what=f"a new subscription:\n{beat_log.read_text(errors='replace')[-2000:]}",
        )
        caught_up = synced_message(bob, missed, worker)
    assert caught_up.syncs > syncs_before
    first.refresh_from_db()
    assert first.status == MailboxSubscription.Status.BLACKLISTED
    second = MailboxSubscription.objects.get(owner=bob, status=MailboxSubscription.Status.ACTIVE)
    assert second.rc_subscription_id != first.rc_subscription_id
    assert [s["id"] for s in subscriptions_at(rc, "agent")] == [second.rc_subscription_id]

    # the new subscription is heard again, and its event synced by the worker
    again = inject_sms(rc, to_extension="102", sender="+14155550144", text="Still there?")
    synced_message(bob, again, worker)
    second.refresh_from_db()
    assert second.events >= 1
    assert request_count(rc, operation="createSubscription", status=200) == 2
