"""A real Celery worker process takes a task from the real broker and writes to the database
(see tests/support/celery_worker.py for which broker and database it gets)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from config import celery_app
from inbox.models import TaskProbe
from inbox.ops.tasks import healthcheck_ping
from tests.support.celery_worker import Worker, celery_worker

pytestmark = pytest.mark.integration

WAIT_SECONDS = 30


@pytest.fixture
def worker(transactional_db: None, tmp_path: Path) -> Iterator[Worker]:
    with celery_worker(tmp_path) as started:
        yield started


def test_it_runs_a_task_in_a_real_worker(worker: Worker) -> None:
    probe = TaskProbe.objects.create()

    with celery_app.connection_for_write(transport_options=worker.transport_options) as broker:
        healthcheck_ping.apply_async(args=[probe.id], queue=worker.queue, connection=broker)

    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        probe.refresh_from_db()
        if probe.answered_at is not None:
            break
        assert worker.process.poll() is None, f"the worker stopped:\n{worker.output()}"
        time.sleep(0.2)

    assert probe.answered_at is not None, (
        f"no answer within {WAIT_SECONDS} s; worker output:\n{worker.output()}"
    )
    assert probe.answered_by.startswith(f"{worker.queue}@")
