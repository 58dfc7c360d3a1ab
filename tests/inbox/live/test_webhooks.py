"""RingCentral's webhook: the validation handshake, the verification token (both header
names), refusals that change nothing (the tasks it would enqueue are recorded), and a
subscription RingCentral cannot deliver to. Subscriptions made at sign-in, notified,
blacklisted and made again, and dropped at sign-out, with a real worker and beat:
tests/inbox/live/test_worker.py."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests
from django.test import Client
from django.urls import reverse

from accounts.models import User
from inbox.live.subscriptions import subscription_ensure, token_digest
from inbox.models import MailboxSubscription, MailboxSync
from tests.inbox.conftest import extension_of, point_at, signed_in
from tests.inbox.live.support import live_tasks_record
from tests.support.emulator import RunningEmulator
from tests.support.sends import TaskRecorder

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
    assert [c.args for c in recorded.of("inbox.live.tasks.rc_mailbox_sync")] == [
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
def rc(settings: Any, emulator_factory: Any) -> RunningEmulator:
    return point_at(settings, emulator_factory())


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
