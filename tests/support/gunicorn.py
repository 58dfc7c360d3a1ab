"""The dashboard under a real gunicorn, for tests that measure what a web server process does:
the server the product ships (`config.asgi` in uvicorn workers, with the product's gunicorn
settings, config/gunicorn.py), started on the test's database and emulator, and its worker's
memory read from /proc."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
from django.conf import settings

from tests.support.celery_worker import database_url_of_tests
from tests.support.emulator import REPO_ROOT, RunningEmulator, free_port


def peak_memory(pid: int) -> int:
    """The process's peak resident memory so far (VmHWM, the kernel's high-water mark of its
    RSS), in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmHWM for process {pid}")


def worker_pids(master: int) -> list[int]:
    return [int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()]


@dataclass(frozen=True)
class WebServer:
    url: str
    port: int
    master: int
    worker: int  # the one worker's pid
    log: Path


@contextmanager
def web_server(
    running: RunningEmulator,
    directory: Path,
    *,
    env: dict[str, str] | None = None,
    workers: int = 1,
) -> Iterator[WebServer]:
    """gunicorn with `workers` uvicorn workers and the product's settings (config/gunicorn.py)
    serving the dashboard on this test's database and emulator, DEBUG off unless `env` says
    otherwise; `worker` is the first worker's pid."""
    port = free_port()
    environment = {
        **os.environ,
        "DATABASE_URL": database_url_of_tests(),
        "RINGCENTRAL_SERVER_URL": running.url,
        "RINGCENTRAL_AUTHORIZE_URL": running.url,
        "SECRET_KEY": settings.SECRET_KEY,
        "TOKEN_ENCRYPTION_KEYS": ",".join(settings.TOKEN_ENCRYPTION_KEYS),
        "DJANGO_DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_LOG_LEVEL": "WARNING",
        **(env or {}),
    }
    log = directory / "gunicorn.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.asgi:application",
             "--config", "config/gunicorn.py", "--bind", f"127.0.0.1:{port}",
             "--workers", str(workers), "--timeout", "120"],
            cwd=REPO_ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(f"{url}/favicon.ico", timeout=10, allow_redirects=False)
                break
            except (requests.ConnectionError, requests.Timeout):  # still booting
                if time.monotonic() > deadline or process.poll() is not None:
                    raise AssertionError(log.read_text(errors="replace")) from None
                time.sleep(0.1)
        started = worker_pids(process.pid)
        assert len(started) == workers, started
        yield WebServer(url, port, process.pid, started[0], log)
    finally:
        process.terminate()
        process.wait(timeout=30)
