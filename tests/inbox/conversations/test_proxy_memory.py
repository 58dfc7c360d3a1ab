"""A 100 MB attachment through the proxy of a real web server process, measuring that process.

How it is measured: the dashboard runs under gunicorn (one sync worker, as in production)
in a subprocess, on this test's database and emulator. The worker's peak resident memory
(`VmHWM` in /proc/<pid>/status: the high-water mark of its RSS, which the kernel keeps) is read
after a warm-up download (so imports and connection pools are in place) and again after the
100 MB download. The difference is how much the peak grew because of the big file — it would
be 100 MB or more if the proxy held the file, whatever Python's allocator did meanwhile.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.emulator.factories import attachment_ids, make_fax
from tests.inbox.conftest import extension_of, point_at, sign_in
from tests.support.emulator import REPO_ROOT, RunningEmulator, free_port

SIZE = 100 * 1024 * 1024
LIMIT = 50 * 1024 * 1024


def database_url() -> str:
    database: dict[str, Any] = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{database['NAME']}"
    user, password = database.get("USER") or "", database.get("PASSWORD") or ""
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    port = f":{database['PORT']}" if database.get("PORT") else ""
    return f"postgres://{credentials}{database.get('HOST') or 'localhost'}{port}/{database['NAME']}"


def peak_memory(pid: int) -> int:
    """The process's peak resident memory so far (VmHWM), in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


def worker_pid(master: int) -> int:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.1)
    raise AssertionError("gunicorn started no worker")


@pytest.fixture
def web_server(running: RunningEmulator, tmp_path: Path) -> Iterator[tuple[str, int]]:
    """gunicorn serving the dashboard on this test's database and emulator: (url, worker pid)."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "RINGCENTRAL_SERVER_URL": running.url,
        "RINGCENTRAL_AUTHORIZE_URL": running.url,
        "SECRET_KEY": settings.SECRET_KEY,
        "TOKEN_ENCRYPTION_KEYS": ",".join(settings.TOKEN_ENCRYPTION_KEYS),
        "DJANGO_DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    log = (tmp_path / "gunicorn.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind",
         f"127.0.0.1:{port}", "--workers", "1", "--timeout", "120"],
        cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(f"{url}/", timeout=10)
                break
            except (requests.ConnectionError, requests.Timeout):  # still booting, on a busy machine
                if time.monotonic() > deadline or process.poll() is not None:
                    raise AssertionError((tmp_path / "gunicorn.log").read_text()) from None
                time.sleep(0.1)
        yield url, worker_pid(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


@pytest.fixture
def running(emulator_factory: Any, settings: Any) -> RunningEmulator:
    return point_at(settings, emulator_factory())


@pytest.fixture
def big_fax(running: RunningEmulator) -> tuple[int, bytes]:
    content = b"%PDF-1.4\n" + os.urandom(SIZE - 16) + b"\n%%EOF\n"
    return make_fax(running.db_path, extension_of(running, "agent"), content=content), content


@pytest.mark.django_db(transaction=True)
def test_it_streams_100_mb_without_holding_it(
    running: RunningEmulator, big_fax: tuple[int, bytes], web_server: tuple[str, int]
) -> None:
    message_id, content = big_fax
    client = Client()
    sign_in(client, running, "agent")  # committed: the server process sees the session
    url, pid = web_server
    path = reverse(
        "inbox:attachment",
        args=[
            extension_of(running, "agent"),
            message_id,
            attachment_ids(running.db_path, message_id)[0],
        ],
    )
    http = requests.Session()
    http.cookies.set(
        settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value
    )

    warm_up = http.get(url + path, headers={"Range": "bytes=0-1048575"}, timeout=60)
    assert warm_up.status_code == 206
    before = peak_memory(pid)
    digest, received = hashlib.sha256(), 0
    with http.get(url + path, stream=True, timeout=120) as response:
        assert response.status_code == 200
        for chunk in response.iter_content(1024 * 1024):
            digest.update(chunk)
            received += len(chunk)
    after = peak_memory(pid)

    assert received == SIZE
    assert digest.hexdigest() == hashlib.sha256(content).hexdigest()
    assert after - before < LIMIT, f"peak memory grew by {(after - before) / 2**20:.1f} MiB"

    first, last = SIZE - 5000, SIZE - 1001
    ranged = http.get(url + path, headers={"Range": f"bytes={first}-{last}"}, timeout=60)
    assert ranged.status_code == 206
    assert ranged.headers["Content-Range"] == f"bytes {first}-{last}/{SIZE}"
    assert ranged.content == content[first : last + 1]
