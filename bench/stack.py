"""The processes of a benchmark run, started and stopped by the bench itself: the emulator on a
store prepared for the run, the dashboard under gunicorn, a Celery worker and, when live updates
are on (the load test's team mode), Celery beat.

Everything a run writes lives under var/bench/ (database file, cache, broker folder, media,
logs). With DATABASE_URL set the dashboard uses a database of its own on that server
(`teaminbox_bench`, dropped and created again each run; BENCH_DATABASE_URL overrides it);
with REDIS_URL set, Redis database 15 of that server (emptied each run; BENCH_REDIS_URL
overrides it), so a run never meets another run's rate-budget logs or cached pages.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit, urlunsplit

import requests

from bench.calllog import CALL_LOG_ENV

REPO = Path(__file__).resolve().parents[1]
# BENCH_DIR moves everything a run writes (the smoke test runs in a folder of its own)
BENCH_DIR = Path(os.environ.get("BENCH_DIR") or REPO / "var" / "bench")
BENCH_DATABASE = "teaminbox_bench"
BENCH_REDIS_DB = 15
LIVE_QUEUE_OFF = "bench-live-off"
# where bench.asgi writes the web process's access log (uvicorn workers)
ACCESS_LOG_ENV = "BENCH_ACCESS_LOG"


@dataclass(frozen=True)
class StackOptions:
    latency_ms: int = 150
    rate_scale: float = 10.0
    web_workers: int = 3
    web_threads: int = 8
    # as config/gunicorn.py: uvicorn workers serving the ASGI application (their request
    # threads are config/asgi.py's, 8); `gthread` with `web_threads` threads, or `sync`, run
    # the WSGI application instead, as docker-compose.yml did before, for comparison
    web_worker_class: str = "config.gunicorn.UvicornWorker"
    worker_concurrency: int = 8
    # webhook subscriptions, webhook-driven and periodic syncs, as in production (beat runs
    # beside the worker); off, their tasks go to a queue no worker takes
    live_updates: bool = False
    # every RingCentral call of the dashboard's processes written to var/bench/logs/rc-calls/
    # with the task or page that made it (`bench.calllog`)
    call_log: bool = False

    @property
    def web_is_asgi(self) -> bool:
        return self.web_worker_class not in ("gthread", "sync")

    @property
    def web_description(self) -> str:
        if self.web_is_asgi:
            return (
                f"gunicorn uvicorn (ASGI), {self.web_workers} workers, each with the request "
                "threads of config/asgi.py (config/gunicorn.py)"
            )
        return (
            f"gunicorn {self.web_worker_class} (WSGI), {self.web_workers} workers x "
            f"{self.web_threads if self.web_worker_class == 'gthread' else 1} threads "
            "(config/gunicorn.py)"
        )


def web_server_of(threads: int | None) -> tuple[int, str]:
    """StackOptions' `web_threads` and `web_worker_class` for a `--web-threads` option: the
    product's uvicorn workers without one; with one, the WSGI application on gthread workers
    (1: sync workers)."""
    if threads is None:
        return StackOptions.web_threads, StackOptions.web_worker_class
    return threads, "sync" if threads == 1 else "gthread"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _with_path(url: str, path: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, parts.fragment))


def bench_database_url() -> str:
    """SQLite under var/bench/, or a database of its own next to DATABASE_URL's."""
    explicit = os.environ.get("BENCH_DATABASE_URL", "").strip()
    if explicit:
        return explicit
    base = os.environ.get("DATABASE_URL", "").strip()
    if not base:
        return f"sqlite:///{BENCH_DIR / 'db.sqlite3'}"
    return _with_path(base, f"/{BENCH_DATABASE}")


def bench_redis_url() -> str:
    explicit = os.environ.get("BENCH_REDIS_URL", "").strip()
    if explicit:
        return explicit
    base = os.environ.get("REDIS_URL", "").strip()
    return _with_path(base, f"/{BENCH_REDIS_DB}") if base else ""


def database_fresh(url: str) -> None:
    """An empty database for the run: the SQLite file removed, or the PostgreSQL database
    dropped and created again."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        return
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = _with_path(url, "/postgres")
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def redis_fresh(url: str) -> None:
    if not url:
        return
    import redis

    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()


def wait_http(url: str, process: subprocess.Popen[bytes], log: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            requests.get(url, timeout=10)
            return
        except (requests.ConnectionError, requests.Timeout):
            if process.poll() is not None or time.monotonic() > deadline:
                tail = log.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"{url} did not come up:\n{tail}") from None
            time.sleep(0.1)


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process group, then SIGKILL what is left of it."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=20)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)


@dataclass
class Stack:
    """The running processes and the environment they share."""

    options: StackOptions
    emulator_db: Path
    emulator_port: int = field(default_factory=free_port)
    web_port: int = field(default_factory=free_port)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    logs: dict[str, Path] = field(default_factory=dict)
    database_url: str = field(default_factory=bench_database_url)
    redis_url: str = field(default_factory=bench_redis_url)
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(48))

    @property
    def emulator_url(self) -> str:
        return f"http://127.0.0.1:{self.emulator_port}"

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def access_log(self) -> Path:
        return BENCH_DIR / "logs" / "access.log"

    @property
    def call_log_dir(self) -> Path:
        return BENCH_DIR / "logs" / "rc-calls"

    def env(self) -> dict[str, str]:
        """What the dashboard's processes (and this one, for its ORM reads) run with."""
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DJANGO_ENV": "development",
            "DJANGO_DEBUG": "false",
            "DJANGO_LOG_LEVEL": "WARNING",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECRET_KEY": self.secret_key,
            "DATABASE_URL": self.database_url,
            "CELERY_FILESYSTEM_DIR": str(BENCH_DIR / "celery"),
            "MEDIA_ROOT": str(BENCH_DIR / "media"),
            "RINGCENTRAL_SERVER_URL": self.emulator_url,
            "RINGCENTRAL_AUTHORIZE_URL": self.emulator_url,
            "RINGCENTRAL_REDIRECT_URI": f"{self.web_url}/accounts/callback/",
            "SEND_TASK_QUEUE": "",
            "WEBHOOK_BASE_URL": self.web_url,
            # unless live updates are on, their tasks (subscriptions, webhook-driven syncs) go
            # to a queue no bench worker takes: the benchmarks measure pages, sends and deletes
            # without syncs running beside them, and the sync benchmark calls the sync service
            # itself
            "LIVE_TASK_QUEUE": "" if self.options.live_updates else LIVE_QUEUE_OFF,
            # each answer's own time and CPU time (config/server_timing.py), read by `pages`
            "SERVER_TIMING": "1",
        }
        if self.options.call_log:
            environment[CALL_LOG_ENV] = str(self.call_log_dir)
        else:
            environment.pop(CALL_LOG_ENV, None)
        environment.pop("TOKEN_ENCRYPTION_KEYS", None)
        if self.redis_url:
            environment["REDIS_URL"] = self.redis_url
        else:
            environment.pop("REDIS_URL", None)
        return environment

    def prepare(self) -> None:
        """Empty folders, database and Redis for the run (the emulator store is made apart)."""
        for name in ("cache", "celery", "media", "logs"):
            shutil.rmtree(BENCH_DIR / name, ignore_errors=True)
            (BENCH_DIR / name).mkdir(parents=True)
        if self.options.call_log:
            self.call_log_dir.mkdir(parents=True)
        database_fresh(self.database_url)
        redis_fresh(self.redis_url)

    def _spawn(self, name: str, command: list[str], env: dict[str, str]) -> Path:
        log = BENCH_DIR / "logs" / f"{name}.log"
        output: IO[bytes]
        with log.open("wb") as output:
            self.processes[name] = subprocess.Popen(
                command,
                cwd=REPO,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.logs[name] = log
        return log

    def start_emulator(self) -> None:
        o = self.options
        flags = ["--rate-scale", str(o.rate_scale)] if o.rate_scale > 0 else ["--no-rate-limits"]
        log = self._spawn(
            "emulator",
            [
                sys.executable, "-m", "emulator", "serve",
                "--host", "127.0.0.1", "--port", str(self.emulator_port),
                "--db", str(self.emulator_db),
                "--latency", str(o.latency_ms),
                "--redirect-uri", f"{self.web_url}/accounts/callback/",
                *flags,
            ],
            {**os.environ},
        )  # fmt: skip
        wait_http(f"{self.emulator_url}/_emulator/requests", self.processes["emulator"], log, 30)

    def start_web(self) -> None:
        o = self.options
        # the time each request spent in a worker, by the bench's phase header: gunicorn's
        # access log for its own workers, bench.asgi's (the same lines) for uvicorn's
        if o.web_is_asgi:
            app = ["bench.asgi:application"]
            env = {**self.env(), ACCESS_LOG_ENV: str(self.access_log)}
        else:
            app = [
                "config.wsgi:application", "--threads", str(o.web_threads),
                "--access-logfile", str(self.access_log),
                "--access-logformat", "%({x-bench-phase}i)s %(s)s %(D)s %(m)s %(U)s",
            ]  # fmt: skip
            env = self.env()
        log = self._spawn(
            "web",
            [
                sys.executable, "-m", "gunicorn", *app,
                "--config", "config/gunicorn.py",
                "--bind", f"127.0.0.1:{self.web_port}",
                "--workers", str(o.web_workers),
                "--worker-class", o.web_worker_class, "--timeout", "120",
            ],
            env,
        )  # fmt: skip
        wait_http(f"{self.web_url}/healthz", self.processes["web"], log, 60)

    def start_worker(self) -> None:
        o = self.options
        log = self._spawn(
            "worker",
            [
                sys.executable, "-m", "celery", "-A", "config", "worker",
                "-Q", "default,ringcentral", "-n", f"bench-{os.getpid()}@%h", "-l", "info",
                # threads: one process, so one rate budget even without Redis
                "--pool", "threads", "--concurrency", str(o.worker_concurrency),
                "--without-gossip", "--without-mingle", "--without-heartbeat",
            ],
            self.env(),
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while "ready." not in log.read_text(errors="replace"):
            if self.processes["worker"].poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the worker did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)

    def start_beat(self) -> None:
        """Celery beat with the project's schedule (config/celery.py): the periodic syncs, the
        subscriptions' upkeep and the recovery of stuck sends, as production runs it."""
        log = self._spawn(
            "beat",
            [
                sys.executable, "-m", "celery", "-A", "config", "beat", "-l", "info",
                "--schedule", str(BENCH_DIR / "celery" / "beat-schedule"),
            ],
            self.env(),
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while "beat: Starting..." not in log.read_text(errors="replace"):
            if self.processes["beat"].poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"beat did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)

    def web_worker_pids(self) -> list[int]:
        master = self.processes["web"].pid
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        return [int(pid) for pid in children]

    def alive(self) -> dict[str, bool]:
        return {name: p.poll() is None for name, p in self.processes.items()}

    def stop(self) -> None:
        for name in ("beat", "worker", "web", "emulator"):
            process = self.processes.get(name)
            if process is not None:
                stop_process(process)
