"""RingCentral's webhook: the validation handshake, the verification token (both header
names), refusals that change nothing, and — against the emulator delivering to the live
server — subscriptions made, notified, blacklisted and made again, and dropped at sign-out."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests
from django.test import Client
from django.urls import reverse

from accounts.models import User
from inbox.live_subscriptions import (
    subscription_ensure,
    subscriptions_maintain,
    token_digest,
    webhook_address,
)
from inbox.live_sync import mailbox_sync
from inbox.models import MailboxSubscription, MailboxSync
from tests.inbox.conftest import extension_of, point_at, signed_in
from tests.inbox.live_support import inject_sms, live_tasks_record
from tests.support.emulator import RunningEmulator
from tests.support.sends import TaskRecorder, request_count, wait_until

SUBSCRIPTION_ID = "2db5fcc4-0000-4000-8000-fa9b78dd9a55"
TOKEN = "a-verification-token-of-43-characters-long-x"
NOTIFICATION = {
    "uuid": "2661273919712564939",
    "event": "/restapi/v1.0/account/~/extension/~/message-store",
    "timestamp": "2026-04-18T20:25:24.611Z",
    "subscriptionId": SUBSCRIPTION_ID,
    "ownerId": "5000000102",
    "body": {"extensionId": "5000000102", "changes": [{"type": "SMS", "newCount": 1}]},
}


@pytest.fixture(autouse=True)
def recorded(monkeypatch: pytest.MonkeyPatch) -> TaskRecorder:
    return live_tasks_record(monkeypatch)


@pytest.fixture
def subscription(db: None) -> MailboxSubscription:
    owner = User.objects.create_user(
        "sam", rc_account_id=4000000004, rc_extension_id=5000000102, rc_extension_number="102"
    )
    return MailboxSubscription.objects.create(
        owner=owner,
        account_id=4000000004,
        extension_id=5000000102,
        hook_id=uuid.uuid4(),
        token_digest=token_digest(TOKEN),
        rc_subscription_id=SUBSCRIPTION_ID,
        status=MailboxSubscription.Status.ACTIVE,
    )


def hook_url(subscription: MailboxSubscription) -> str:
    return reverse("inbox:webhook", args=[subscription.hook_id])


def notify(client: Client, subscription: MailboxSubscription, **headers: str) -> Any:
    return client.post(
        hook_url(subscription), NOTIFICATION, content_type="application/json", headers=headers
    )


def nothing_changed(subscription: MailboxSubscription, recorded: TaskRecorder) -> None:
    subscription.refresh_from_db()
    assert subscription.events == 0 and subscription.last_event_at is None
    assert not MailboxSync.objects.exists()
    assert recorded.calls == []


def test_it_echoes_the_validation_token(subscription: MailboxSubscription) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        hook_url(subscription), b"", content_type="application/json",
        headers={"Validation-Token": "d8a1f4c2"},
    )  # fmt: skip
    assert response.status_code == 200
    assert response["Validation-Token"] == "d8a1f4c2"
    size = len(response.content) + sum(len(k) + len(v) + 4 for k, v in response.items())
    assert size <= 1024


def test_it_records_a_notification_with_the_right_token(
    subscription: MailboxSubscription,
    recorded: TaskRecorder,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = Client(enforce_csrf_checks=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = notify(client, subscription, **{"Verification-Token": TOKEN})
    assert response.status_code == 200
    subscription.refresh_from_db()
    assert subscription.events == 1 and subscription.last_event_at is not None
    state = MailboxSync.objects.get(extension_id=5000000102)
    assert state.last_event_at is not None and state.event_pending_since is not None
    assert [c.args for c in recorded.of("inbox.live_tasks.rc_mailbox_sync")] == [
        [4000000004, 5000000102]
    ]


def test_it_accepts_the_token_under_its_newer_name(
    subscription: MailboxSubscription, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = notify(Client(), subscription, **{"Validation-Token": TOKEN})
    assert response.status_code == 200
    subscription.refresh_from_db()
    assert subscription.events == 1


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Verification-Token": "wrong"},
        {"Verification-Token": TOKEN[:-1]},
        {"Validation-Token": "wrong"},
        {"Verification-Token": ""},
    ],
)
def test_it_refuses_a_notification_without_the_right_token(
    subscription: MailboxSubscription,
    recorded: TaskRecorder,
    headers: dict[str, str],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = notify(Client(), subscription, **headers)
    assert response.status_code == 403
    nothing_changed(subscription, recorded)


def test_it_refuses_a_notification_for_another_subscription(
    subscription: MailboxSubscription, recorded: TaskRecorder
) -> None:
    other = {**NOTIFICATION, "subscriptionId": "ffffffff-0000-4000-8000-000000000000"}
    response = Client().post(
        hook_url(subscription), other, content_type="application/json",
        headers={"Verification-Token": TOKEN},
    )  # fmt: skip
    assert response.status_code == 403
    nothing_changed(subscription, recorded)


def test_it_does_not_know_unknown_or_deleted_hooks(
    subscription: MailboxSubscription, recorded: TaskRecorder
) -> None:
    unknown = reverse("inbox:webhook", args=[uuid.uuid4()])
    assert Client().post(unknown, NOTIFICATION, content_type="application/json").status_code == 404
    MailboxSubscription.objects.filter(pk=subscription.pk).update(
        status=MailboxSubscription.Status.DELETED
    )
    response = notify(Client(), subscription, **{"Verification-Token": TOKEN})
    assert response.status_code == 404
    nothing_changed(subscription, recorded)


def test_it_refuses_bodies_that_are_too_big_or_not_json(
    subscription: MailboxSubscription, recorded: TaskRecorder
) -> None:
    big = Client().post(
        hook_url(subscription), b"{" + b" " * 300_000 + b"}", content_type="application/json",
        headers={"Verification-Token": TOKEN},
    )  # fmt: skip
    assert big.status_code == 413
    garbled = Client().post(
        hook_url(subscription), b"{not json", content_type="application/json",
        headers={"Verification-Token": TOKEN},
    )  # fmt: skip
    assert garbled.status_code == 400
    assert Client().get(hook_url(subscription)).status_code == 405
    nothing_changed(subscription, recorded)


# --------------------------------------------------------------------------- with the emulator


@pytest.fixture
def rc(settings: Any, emulator_factory: Any, live_server: Any) -> RunningEmulator:
    """An emulator that gives up on a failing webhook quickly, and a dashboard it can reach."""
    settings.WEBHOOK_BASE_URL = live_server.url
    running = emulator_factory("--webhook-retry-base", "0.2", "--webhook-max-attempts", "3")
    return point_at(settings, running)


def subscriptions_at(rc: RunningEmulator, which: str) -> list[dict[str, Any]]:
    answer = rc.session(which).get(rc.api("/subscription"), timeout=10)
    answer.raise_for_status()
    records: list[dict[str, Any]] = answer.json()["records"]
    return records


def test_it_subscribes_at_sign_in_and_hears_of_new_messages(
    rc: RunningEmulator, recorded: TaskRecorder, transactional_db: None
) -> None:
    browser = signed_in(rc, "agent")
    bob = User.objects.get(rc_extension_id=extension_of(rc, "agent"))
    assert [c.args for c in recorded.of("inbox.live_tasks.rc_subscription_ensure")] == [[bob.pk]]
    row = subscription_ensure(user_id=bob.pk)
    assert row is not None and row.status == MailboxSubscription.Status.ACTIVE
    assert row.expires_at is not None and row.rc_subscription_id
    assert subscription_ensure(user_id=bob.pk) == row  # kept, not made again
    (remote,) = subscriptions_at(rc, "agent")
    assert remote["id"] == row.rc_subscription_id and remote["status"] == "Active"
    assert remote["deliveryMode"]["address"] == webhook_address(row.hook_id)

    inject_sms(rc, to_extension="102", sender="+14155550143", text="Hello there")

    def heard() -> bool:
        row.refresh_from_db()
        return row.events >= 2  # the message-store event and the instant SMS

    wait_until(heard, seconds=15, what="notifications delivered to the webhook")
    assert recorded.of("inbox.live_tasks.rc_mailbox_sync")

    browser.post(reverse("accounts:logout"))
    row.refresh_from_db()
    assert row.status == MailboxSubscription.Status.DELETED
    assert subscriptions_at(rc, "agent") == []


def test_it_recreates_a_blacklisted_subscription_and_catches_up(
    rc: RunningEmulator,
    monkeypatch: pytest.MonkeyPatch,
    transactional_db: None,
) -> None:
    signed_in(rc, "agent")
    bob = User.objects.get(rc_extension_id=extension_of(rc, "agent"))
    assert bob.rc_account_id is not None and bob.rc_extension_id is not None
    mailbox_sync(account_id=bob.rc_account_id, extension_id=bob.rc_extension_id)
    first = subscription_ensure(user_id=bob.pk)
    assert first is not None

    # the webhook fails for a while: every delivery gets a 500
    def broken(**_: Any) -> None:
        raise RuntimeError("the database is down")

    monkeypatch.setattr("inbox.live_views.mailbox_event_record", broken)
    missed = inject_sms(rc, to_extension="102", sender="+14155550144", text="Anyone there?")

    def blacklisted() -> bool:
        return any(s["status"] == "Blacklisted" for s in subscriptions_at(rc, "agent"))

    wait_until(blacklisted, seconds=20, every=0.5, what="RingCentral blacklists the webhook")
    monkeypatch.undo()
    live_tasks_record(monkeypatch)

    assert subscriptions_maintain() == 1  # what the beat runs
    first.refresh_from_db()
    assert first.status == MailboxSubscription.Status.BLACKLISTED
    second = MailboxSubscription.objects.get(owner=bob, status=MailboxSubscription.Status.ACTIVE)
    assert second.pk != first.pk and second.rc_subscription_id != first.rc_subscription_id
    assert [s["id"] for s in subscriptions_at(rc, "agent")] == [second.rc_subscription_id]

    caught_up = mailbox_sync(account_id=bob.rc_account_id, extension_id=bob.rc_extension_id)
    assert caught_up.changed >= 1
    state = MailboxSync.objects.get(extension_id=bob.rc_extension_id)
    assert str(missed) in state.recent_versions

    # the new subscription is heard again
    inject_sms(rc, to_extension="102", sender="+14155550144", text="Still there?")
    wait_until(
        lambda: MailboxSubscription.objects.get(pk=second.pk).events >= 1,
        seconds=15,
        what="a notification to the new subscription",
    )
    assert request_count(rc, operation="createSubscription", status=200) == 2


def test_it_notes_a_webhook_ringcentral_cannot_reach(
    rc: RunningEmulator, settings: Any, transactional_db: None
) -> None:
    signed_in(rc, "agent")
    bob = User.objects.get(rc_extension_id=extension_of(rc, "agent"))
    settings.WEBHOOK_BASE_URL = "http://127.0.0.1:9"  # nothing listens there
    assert subscription_ensure(user_id=bob.pk) is None
    row = MailboxSubscription.objects.get(owner=bob)
    assert row.status == MailboxSubscription.Status.FAILED
    assert "WEBHOOK_BASE_URL" in row.last_error
    assert requests.get(f"{rc.url}/_emulator/requests", timeout=10).ok
