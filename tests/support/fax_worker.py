"""A real Celery worker that sends this test's faxes: the pipeline's tasks (sending, tracking,
retries) go to the worker's own queue, its files are the test's MEDIA_ROOT and its RingCentral
is the test's emulator. The test process publishes to the same broker as the worker (the
filesystem transport's folder of the worker, or Redis)."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kombu import pools as kombu_pools

from config import celery_app
from tests.support.celery_worker import Worker, celery_worker
from tests.support.emulator import RunningEmulator


def forget_broker() -> None:
    """Drop the test process's broker connections, so the next task is published with the
    transport options in force now."""
    kombu_pools.reset()  # kombu's own registry of producer pools, keyed by connection
    pool = celery_app._pool
    if pool is not None:
        pool.force_close_all()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@contextlib.contextmanager
def fax_worker(
    tmp_path: Path, settings: Any, running: RunningEmulator, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Worker]:
    # the worker's own queue must be known before it starts (it enqueues to it as well)
    fixed = uuid.uuid4()
    queue = f"fax-{fixed.hex[:12]}"
    with monkeypatch.context() as patch:
        patch.setattr("tests.support.celery_worker.uuid.uuid4", lambda: fixed)
        started = celery_worker(
            tmp_path,
            name="fax",
            env={
                "RINGCENTRAL_SERVER_URL": running.url,
                "MEDIA_ROOT": str(settings.MEDIA_ROOT),
                "SEND_TASK_QUEUE": queue,
            },
        )
        worker = started.__enter__()
    options = celery_app.conf.broker_transport_options
    try:
        assert worker.queue == queue
        settings.SEND_TASK_QUEUE = queue
        forget_broker()  # a pool made for another broker folder
        celery_app.conf.broker_transport_options = worker.transport_options or options
        yield worker
    finally:
        celery_app.conf.broker_transport_options = options
        forget_broker()
        started.__exit__(None, None, None)
