"""A 100 MB attachment through the proxy of a real web server process, measuring that process.

How it is measured: the dashboard runs under gunicorn (one worker, with the product's
config/gunicorn.py) in a subprocess, on this test's database and emulator. The worker's peak
resident memory (`VmHWM` in /proc/<pid>/status: the high-water mark of its RSS, which the
kernel keeps) is read after a warm-up download (so imports and connection pools are in place)
and again after the 100 MB download. The difference is how much the peak grew because of the
big file — it would be 100 MB or more if the proxy held the file, whatever Python's allocator
did meanwhile.
"""

from __future__ import annotations

import hashlib
import os
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
from tests.support.emulator import RunningEmulator
from tests.support.gunicorn import peak_memory
from tests.support.gunicorn import web_server as gunicorn_server

SIZE = 100 * 1024 * 1024
LIMIT = 50 * 1024 * 1024


@pytest.fixture
def web_server(running: RunningEmulator, tmp_path: Path) -> Iterator[tuple[str, int]]:
    """gunicorn serving the dashboard on this test's database and emulator: (url, worker pid)."""
    with gunicorn_server(running, tmp_path) as server:
        yield server.url, server.worker


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
