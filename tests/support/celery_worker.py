"""A real Celery worker process for tests: its own queue, the test database, the real broker.

With REDIS_URL set, the broker is that Redis; without it, kombu's filesystem transport in a
temporary folder. The queue is the worker's own, so no other worker on this machine (a
`make run`, another test run) can take its tasks.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import redis
from django.conf import settings
from django.db import connection

REPO = Path(__file__).resolve().parents[2]
START_SECONDS = 60


@dataclass
class Worker:
    queue: str
    process: subprocess.Popen[bytes]
    log: Path
    transport_options: dict[str, Any]

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


def database_url_of_tests() -> str:
    """The test database (PostgreSQL, or the SQLite test file) as a DATABASE_URL."""
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


@contextlib.contextmanager
def celery_worker(
    tmp_path: Path, *, name: str = "probe", env: Mapping[str, str] | None = None
) -> Iterator[Worker]:
    """Start a worker and wait until it is ready; stop it (and its pool) afterwards."""
    queue = f"{name}-{uuid.uuid4().hex[:12]}"
    environment = {**os.environ, "DATABASE_URL": database_url_of_tests(), **(env or {})}
    environment.pop("DJANGO_ENV", None)
    if settings.REDIS_URL:
        transport_options: dict[str, Any] = {}
    else:
        folder = tmp_path / "celery"
        environment["CELERY_FILESYSTEM_DIR"] = str(folder)
        environment.pop("REDIS_URL", None)
        transport_options = {
            "data_folder_in": str(folder / "messages"),
            "data_folder_out": str(folder / "messages"),
            "control_folder": str(folder / "control"),
            "polling_interval": 0.1,
        }
        (folder / "messages").mkdir(parents=True)
        (folder / "control").mkdir()
    log = tmp_path / f"{queue}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                *("-m", "celery", "-A", "config", "worker"),
                *("-Q", queue, "-n", f"{queue}@%h", "-l", "info", "--concurrency", "1"),
                *("--without-gossip", "--without-mingle", "--without-heartbeat"),
            ],
            cwd=REPO,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    worker = Worker(queue, process, log, transport_options)
    try:
        deadline = time.monotonic() + START_SECONDS
        while "ready." not in worker.output():
            assert process.poll() is None, f"the worker stopped:\n{worker.output()}"
            assert time.monotonic() < deadline, f"the worker did not start:\n{worker.output()}"
            time.sleep(0.1)
        yield worker
    finally:
        stop(process)
        if settings.REDIS_URL:
            client = redis.Redis.from_url(settings.REDIS_URL)
            client.delete(queue, f"_kombu.binding.{queue}")
            client.close()


def stop(process: subprocess.Popen[bytes]) -> None:
    """Warm shutdown; then, if the worker hangs, kill it and its pool processes."""
    if process.poll() is None:
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=15)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=5)
