"""A real Celery worker process for tests: its own queue, the test database, the real broker.

With REDIS_URL set, the broker is that Redis; without it, kombu's filesystem transport in a
temporary folder. The queue is the worker's own, so no other worker on this machine (a
`make run`, another test run) can take its tasks.

The send pipeline's tasks reach such a worker through `SEND_TASK_QUEUE` (config/settings.py),
the live inbox's through `LIVE_TASK_QUEUE`: the worker is started with both set to its queue,
so the tasks it enqueues itself (retries, trackers, recovery, syncs) stay on that queue, and
`sends_routed_to(worker)` sets them in the test process too, with the broker folder of the
worker when the broker is the filesystem. `celery_beat` starts the beat process that runs the
recovery and the live inbox's periodic work on a schedule.

`cache_shared_with_workers()` gives the test process a cache key prefix of its own, for the
workers it starts to share (`CACHE_KEY_PREFIX`): one cache for both sides, apart from every
other test's.
"""

from __future__ import annotations

import contextlib
import importlib
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
from django.test.utils import override_settings

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

    def kill(self) -> None:
        """SIGKILL the worker and its pool: no warm shutdown, no message given back."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


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
    tmp_path: Path,
    *,
    name: str = "probe",
    env: Mapping[str, str] | None = None,
    queue: str | None = None,
    pool: str = "prefork",
    concurrency: int = 1,
    shared_broker: bool = False,
) -> Iterator[Worker]:
    """Start a worker and wait until it is ready; stop it (and its pool) afterwards.

    `queue` names the queue of a worker started again (after `kill`); `pool="threads"` keeps
    its tasks in one process, sharing one in-process rate budget when there is no Redis.
    `shared_broker` uses this process's broker folder (filesystem transport) instead of one
    of its own, so that tasks this process enqueues the ordinary way reach the worker."""
    queue = queue or f"{name}-{uuid.uuid4().hex[:12]}"
    environment = {
        **os.environ,
        "DATABASE_URL": database_url_of_tests(),
        "SEND_TASK_QUEUE": queue,
        "LIVE_TASK_QUEUE": queue,
        # a cache of the worker's own (kept by a worker started again on its queue): trackers
        # and locks are keyed by extension ids, which repeat from test to test
        "CACHE_KEY_PREFIX": f"worker-{queue}",
        **(env or {}),
    }
    environment.pop("DJANGO_ENV", None)
    if settings.REDIS_URL:
        transport_options: dict[str, Any] = {}
    else:
        folder = Path(settings.CELERY_FILESYSTEM_DIR) if shared_broker else tmp_path / "celery"
        environment["CELERY_FILESYSTEM_DIR"] = str(folder)
        environment.pop("REDIS_URL", None)
        transport_options = {
            "data_folder_in": str(folder / "messages"),
            "data_folder_out": str(folder / "messages"),
            "control_folder": str(folder / "control"),
            "polling_interval": 0.1,
        }
        (folder / "messages").mkdir(parents=True, exist_ok=True)
        (folder / "control").mkdir(exist_ok=True)
    log = tmp_path / f"{queue}-{uuid.uuid4().hex[:6]}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                *("-m", "celery", "-A", "config", "worker"),
                *("-Q", queue, "-n", f"{queue}@%h", "-l", "info"),
                *("--pool", pool, "--concurrency", str(concurrency)),
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


@contextlib.contextmanager
def sends_routed_to(worker: Worker) -> Iterator[None]:
    """Send the pipeline's and the live inbox's tasks from this process to `worker`'s queue
    (a worker started with `shared_broker=True`, so that both use one broker folder without
    Redis)."""
    previous_queue = settings.SEND_TASK_QUEUE
    previous_live_queue = settings.LIVE_TASK_QUEUE
    settings.SEND_TASK_QUEUE = worker.queue
    settings.LIVE_TASK_QUEUE = worker.queue
    try:
        yield
    finally:
        settings.SEND_TASK_QUEUE = previous_queue
        settings.LIVE_TASK_QUEUE = previous_live_queue


@contextlib.contextmanager
def cache_shared_with_workers() -> Iterator[str]:
    """This process's cache under a fresh key prefix, which it yields: start the test's
    workers with `CACHE_KEY_PREFIX` set to it (`env=`), and they read and write the same
    entries (Redis with REDIS_URL, else the file cache in var/cache). Extension ids repeat from
    test to test, so without a prefix of its own a test would see the counters, locks and
    cached pages of earlier ones; clearing the cache instead would also flush the broker's
    Redis database."""
    prefix = f"test-{uuid.uuid4().hex}"
    # the cache a worker builds from its settings module, not this process's current one: a
    # fixture may have put this process on a cache in memory, which no worker can reach
    module = importlib.import_module(os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings"))
    deployed = module.CACHES["default"]
    default = {**deployed, "KEY_PREFIX": prefix}
    try:
        with override_settings(CACHES={**settings.CACHES, "default": default}):
            yield prefix
    finally:
        # Redis keeps a counter for a day: leave nothing behind (the file cache's entries
        # are files named by a hash of their key, which no prefix finds; they expire)
        if "redis" in default["BACKEND"].lower():
            client = redis.Redis.from_url(default["LOCATION"])
            keys = list(client.scan_iter(match=f"{prefix}:*", count=500))
            if keys:
                client.delete(*keys)
            client.close()


@contextlib.contextmanager
def celery_beat(tmp_path: Path, worker: Worker, *, env: Mapping[str, str]) -> Iterator[Path]:
    """Celery beat, scheduling onto `worker`'s queue and broker; its log's path."""
    environment = {
        **os.environ,
        "DATABASE_URL": database_url_of_tests(),
        "SEND_TASK_QUEUE": worker.queue,
        "LIVE_TASK_QUEUE": worker.queue,
        "CACHE_KEY_PREFIX": f"worker-{worker.queue}",
        **env,
    }
    environment.pop("DJANGO_ENV", None)
    if not settings.REDIS_URL:
        environment["CELERY_FILESYSTEM_DIR"] = str(
            Path(worker.transport_options["data_folder_in"]).parent
        )
        environment.pop("REDIS_URL", None)
    log = tmp_path / "beat.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                *("-m", "celery", "-A", "config", "beat", "-l", "info"),
                *("--schedule", str(tmp_path / "beat-schedule")),
            ],
            cwd=REPO,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield log
    finally:
        stop(process)


@contextlib.contextmanager
def sending_worker(
    tmp_path: Path,
    running: Any,
    *,
    name: str = "sends",
    env: Mapping[str, str] | None = None,
    **options: Any,
) -> Iterator[Worker]:
    """A worker that sends this test's messages: the pipeline's (and the live inbox's) tasks
    go to its queue, it calls the test's emulator (`running`, a RunningEmulator), reads the
    documents of sends from the test's MEDIA_ROOT (set here to a folder of `tmp_path`) and
    gives RingCentral this process's WEBHOOK_BASE_URL for the subscriptions it makes; `env`
    adds to its environment."""
    media = str(tmp_path / "media")
    environment = {
        "RINGCENTRAL_SERVER_URL": running.url,
        "MEDIA_ROOT": media,
        "WEBHOOK_BASE_URL": settings.WEBHOOK_BASE_URL,
        **(env or {}),
    }
    started = celery_worker(tmp_path, name=name, env=environment, shared_broker=True, **options)
    # override_settings, not an assignment: the file storage must hear of the new folder
    with override_settings(MEDIA_ROOT=media), started as worker, sends_routed_to(worker):
        yield worker
