"""A scheduled SMS with a real Celery worker and beat, on the real broker and database, against
the emulator over HTTP: when both are down at its time, it goes out once they are back, and
exactly once."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from accounts.models import User
from inbox.models import Send
from inbox.sending.requests import sms_send_request
from tests.inbox.conftest import point_at, sign_in
from tests.integration.test_send_pipeline_worker import forget_shared_state
from tests.support import emulator as emulator_support
from tests.support.celery_worker import celery_beat, celery_worker, sends_routed_to
from tests.support.sends import CUSTOMER, outbound, wait_until

pytestmark = pytest.mark.integration

emulator_template = emulator_support.emulator_template
emulator_factory = emulator_support.emulator_factory


def test_a_send_due_while_worker_and_beat_were_down_goes_out_once_they_are_back(
    transactional_db: None, tmp_path: Path, settings: Any, emulator_factory: Any
) -> None:
    rc = point_at(settings, emulator_factory())
    settings.MEDIA_ROOT = str(tmp_path / "media")
    sign_in(Client(), rc, "agent")
    bob = User.objects.get(rc_extension_id=rc.user("agent")["extension_id"])
    forget_shared_state(bob.rc_extension_id or 0)
    env = {"RINGCENTRAL_SERVER_URL": rc.url, "MEDIA_ROOT": str(tmp_path / "media")}
    text = f"Scheduled {uuid.uuid4().hex[:8]}"

    with (
        celery_worker(tmp_path, name="scheduled", env=env, pool="threads",
                      shared_broker=True) as worker,
        sends_routed_to(worker),
    ):  # fmt: skip
        with celery_beat(tmp_path, worker, env=env):
            with transaction.atomic():
                send = sms_send_request(
                    user=bob, from_number=bob.sms_numbers[0], to_numbers=[CUSTOMER], text=text,
                    idempotency_key=uuid.uuid4(),
                    scheduled_for=timezone.now() + timedelta(minutes=5), scheduled_zone="UTC",
                )  # fmt: skip
            # its time comes a few seconds from now, while nothing runs
            due = timezone.now() + timedelta(seconds=3)
            Send.objects.filter(pk=send.pk).update(scheduled_for=due)
        worker.kill()
        queue = worker.queue

    wait_until(lambda: timezone.now() > due + timedelta(seconds=2), seconds=10, every=0.1)
    send.refresh_from_db()
    assert send.status == Send.Status.SCHEDULED  # nobody was there to release it
    assert not [m for m in outbound(rc, "agent") if m.get("subject") == text]

    with (
        celery_worker(tmp_path, env=env, queue=queue, pool="threads",
                      shared_broker=True) as again,
        sends_routed_to(again),
        celery_beat(tmp_path, again, env=env) as beat_log,
    ):  # fmt: skip

        def sent() -> bool:
            assert again.process.poll() is None, again.output()
            return Send.objects.get(pk=send.pk).status == Send.Status.SUBMITTED

        wait_until(sent, seconds=45, every=0.25, what=again.output()[-2000:])
        # beat's own release runs too, after the worker's: still one message
        wait_until(
            lambda: "scheduled_sends_release" in beat_log.read_text(errors="replace"),
            seconds=30, every=0.25, what="beat's release",
        )  # fmt: skip
        wait_until(
            lambda: again.output().count("scheduled_sends_release") >= 4,  # received + done, x2
            seconds=30, every=0.25, what=again.output()[-2000:],
        )  # fmt: skip

    send.refresh_from_db()
    assert send.rc_message_id is not None
    stored = [m for m in outbound(rc, "agent") if m.get("subject") == text]
    assert len(stored) == 1
    assert stored[0]["to"][0]["phoneNumber"] == CUSTOMER
