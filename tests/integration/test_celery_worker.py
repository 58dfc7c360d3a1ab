"""A real Celery worker process takes a task from the real broker and writes to the database.

With REDIS_URL set, the broker is that Redis; without it, kombu's filesystem transport in a
temporary folder. The worker gets the test database (PostgreSQL, or the SQLite test file) and
its own queue, so that no other worker running on this machine can take the task.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import redis
from django.conf import settings
from django.db import connection

from config import celery_app
from inbox.models import TaskProbe
from inbox.tasks import healthcheck_ping

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 30


@dataclass
class Worker:
    queue: str
    process: subprocess.Popen[bytes]
    log: Path
    transport_options: dict[str, Any]

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


def _test_database_url() -> str:
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{database['NAME']}"
    assert connection.vendor == "postgresql", connection.vendor
    credentials = quote(database["USER"] or "", safe="")
    if database["PASSWORD"]:
        credentials += ":" + quote(database["PASSWORD"], safe="")
    host = database["HOST"] or "127.0.0.1"
    port = database["PORT"] or 5432
    return f"postgres://{credentials}@{host}:{port}/{quote(database['NAME'], safe='')}"


@pytest.fixture
def worker(transactional_db: None, tmp_path: Path) -> Iterator[Worker]:
    queue = f"probe-{uuid.uuid4().hex[:12]}"
    env = {**os.environ, "DATABASE_URL": _test_database_url()}
    env.pop("DJANGO_ENV", None)
    if settings.REDIS_URL:
        transport_options: dict[str, Any] = {}
    else:
        folder = tmp_path / "celery"
        env["CELERY_FILESYSTEM_DIR"] = str(folder)
        env.pop("REDIS_URL", None)
        transport_options = {
            "data_folder_in": str(folder / "messages"),
            "data_folder_out": str(folder / "messages"),
            "control_folder": str(folder / "control"),
        }
        (folder / "messages").mkdir(parents=True)
        (folder / "control").mkdir()

    log = tmp_path / "worker.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                *("-m", "celery", "-A", "config", "worker"),
                *("-Q", queue, "-n", f"{queue}@%h", "-l", "info", "--concurrency", "1"),
                *("--without-gossip", "--without-mingle", "--without-heartbeat"),
            ],
            cwd=REPO,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield Worker(queue, process, log, transport_options)
    finally:
        _stop(process)
        if settings.REDIS_URL:
            client = redis.Redis.from_url(settings.REDIS_URL)
            client.delete(queue, f"_kombu.binding.{queue}")
            client.close()


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Warm shutdown; then, if the worker hangs, kill it and its pool processes."""
    if process.poll() is None:
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=15)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=5)


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
