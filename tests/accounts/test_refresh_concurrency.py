"""Twenty threads and a real Celery worker process use one user's expiring token at the same
moment: RingCentral sees exactly one refresh, and every call succeeds.

The lock is real on both databases: PostgreSQL locks the credential's row; SQLite, which has
no row locks, takes its database write lock (see `accounts.services._locked_credential`).
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts import services
from accounts.models import RingCentralCredential, User
from accounts.tasks import rc_verify_connection
from accounts.tokens import token_decrypt
from config import celery_app
from tests.accounts.support import operation_count, point_dashboard_at, sign_in
from tests.support.celery_worker import celery_worker

pytestmark = pytest.mark.integration

THREADS = 20
WAIT_SECONDS = 60


def test_it_refreshes_once_for_twenty_threads_and_a_worker_at_the_same_moment(
    transactional_db: None, settings: Any, emulator_factory: Any, tmp_path: Path
) -> None:
    # answers take a while, so that everyone piles up behind the one refresh
    running = point_dashboard_at(settings, emulator_factory("--latency", "150"))
    user = sign_in(Client(), running, "agent")
    signed_in_token = token_decrypt(user.rc_credential.access_token_encrypted)
    results: list[int] = []
    failures: list[BaseException] = []
    start = threading.Barrier(THREADS + 1)

    def use_the_token() -> None:
        try:
            start.wait(timeout=WAIT_SECONDS)
            with services.ringcentral_client_for(User.objects.get(pk=user.pk)) as ringcentral:
                results.append(ringcentral.get_extension().id)
        except BaseException as exc:  # noqa: BLE001 (reported by the assertions below)
            failures.append(exc)
        finally:
            connection.close()

    with celery_worker(
        tmp_path, name="accounts", env={"RINGCENTRAL_SERVER_URL": running.url}
    ) as worker:
        RingCentralCredential.objects.filter(user=user).update(
            access_expires_at=timezone.now() + timedelta(seconds=30)
        )
        token_calls = operation_count(running, "getToken")
        threads = [threading.Thread(target=use_the_token) for _ in range(THREADS)]
        for thread in threads:
            thread.start()
        with celery_app.connection_for_write(transport_options=worker.transport_options) as broker:
            # the task's route names an exchange and routing key: replace all three
            rc_verify_connection.apply_async(
                args=[user.pk],
                queue=worker.queue,
                exchange=worker.queue,
                routing_key=worker.queue,
                connection=broker,
            )
        start.wait(timeout=WAIT_SECONDS)
        for thread in threads:
            thread.join(timeout=WAIT_SECONDS)

        deadline = time.monotonic() + WAIT_SECONDS
        credential = RingCentralCredential.objects.get(user=user)
        while credential.verified_at is None and time.monotonic() < deadline:
            assert worker.process.poll() is None, f"the worker stopped:\n{worker.output()}"
            time.sleep(0.1)
            credential.refresh_from_db()
        worker_output = worker.output()

    assert not failures, failures
    assert results == [user.rc_extension_id] * THREADS
    assert credential.verified_at is not None, f"the worker did not verify:\n{worker_output}"
    assert "succeeded" in worker_output, worker_output
    assert credential.status == RingCentralCredential.Status.CONNECTED
    assert operation_count(running, "getToken") == token_calls + 1
    assert token_decrypt(credential.access_token_encrypted) != signed_in_token
    assert credential.access_expires_at is not None
    assert credential.access_expires_at > timezone.now() + timedelta(minutes=50)
