"""A team mailbox is kept current whether or not a page is open: connecting it makes its own
WebHook subscription (with its own session, in a real worker), RingCentral's notifications
then sync it, and disconnecting it deletes the subscription at RingCentral."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from inbox.models import MailboxSubscription, MailboxSync, TeamMailbox
from tests.inbox.conftest import point_at, signed_in
from tests.inbox.live.support import inject_sms
from tests.inbox.team.conftest import SUPPORT_LINE, connect_by_jwt
from tests.support.celery_worker import Worker, cache_shared_with_workers, sending_worker
from tests.support.emulator import RunningEmulator
from tests.support.sends import wait_until


@pytest.fixture
def rc(settings: Any, emulator_factory: Any, live_server: Any) -> RunningEmulator:
    settings.WEBHOOK_BASE_URL = live_server.url
    running = emulator_factory("--webhook-retry-base", "0.2", "--webhook-max-attempts", "3")
    return point_at(settings, running)


@pytest.fixture
def worker(tmp_path: Path, rc: RunningEmulator) -> Iterator[Worker]:
    with (
        cache_shared_with_workers() as prefix,
        sending_worker(tmp_path, rc, name="team-live", env={"CACHE_KEY_PREFIX": prefix}) as started,
    ):
        yield started


def subscriptions_at(rc: RunningEmulator, which: str) -> list[dict[str, Any]]:
    answer = rc.session(which).get(rc.api("/subscription"), timeout=10)
    answer.raise_for_status()
    records: list[dict[str, Any]] = answer.json()["records"]
    return records


def test_a_connected_team_mailbox_is_subscribed_synced_and_unsubscribed(
    rc: RunningEmulator, worker: Worker, transactional_db: None
) -> None:
    admin: Client = signed_in(rc, "admin")
    team: TeamMailbox = connect_by_jwt(admin, rc)

    def subscribed() -> bool:
        assert worker.process.poll() is None, worker.output()
        return MailboxSubscription.objects.filter(
            credential=team.credential, status=MailboxSubscription.Status.ACTIVE
        ).exists()

    wait_until(subscribed, seconds=30, what=f"the team's subscription:\n{worker.output()}")
    row = MailboxSubscription.objects.get(credential=team.credential)
    assert row.owner is None and row.extension_id == team.extension_id
    (remote,) = subscriptions_at(rc, SUPPORT_LINE)
    assert remote["id"] == row.rc_subscription_id

    message_id = inject_sms(rc, to_extension="201", sender="+14155550188", text="Hello team")

    def synced() -> bool:
        state = MailboxSync.objects.filter(extension_id=team.extension_id).first()
        return state is not None and str(message_id) in (state.recent_versions or {})

    wait_until(synced, seconds=30, every=0.3, what=f"a sync of the team:\n{worker.output()}")

    admin.post(reverse("inbox:team_mailbox_disconnect", args=[team.pk]))
    row.refresh_from_db()
    assert row.status == MailboxSubscription.Status.DELETED
    assert subscriptions_at(rc, SUPPORT_LINE) == []
