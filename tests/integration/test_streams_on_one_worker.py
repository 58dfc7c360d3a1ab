"""200 open event streams on one worker process of the server the product ships (gunicorn with
one uvicorn worker, config/gunicorn.py, `config.asgi`), on the run's database and cache
(PostgreSQL and Redis when DATABASE_URL/REDIS_URL are set, else SQLite and the file cache):
while they stay open, pages still answer, the worker holds a handful of threads and, on
PostgreSQL, a handful of database connections, not one per stream; and a counter bump reaches
every one of them (through Redis pub/sub, or the cache read every half second without Redis).

No assertion on time beyond generous timeouts: the machine may be busy."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from django.conf import settings
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from accounts.models import User
from inbox.live.sync import mailbox_counter_bump
from tests.inbox.conftest import own_rate_budget, point_at, sign_in  # noqa: F401  (fixture)
from tests.support.celery_worker import cache_shared_with_workers
from tests.support.emulator import (  # noqa: F401  (fixtures)
    RunningEmulator,
    emulator,
    emulator_template,
)
from tests.support.gunicorn import WebServer, web_server

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

STREAMS = 200
TIMEOUT = 120.0  # seconds: generous, for a busy machine


@dataclass(frozen=True)
class Scene:
    server: WebServer
    bob: User
    session: str


@pytest.fixture
def scene(emulator: RunningEmulator, settings: Any, tmp_path: Path) -> Iterator[Scene]:  # noqa: F811
    point_at(settings, emulator)
    with ExitStack() as stack:
        prefix = stack.enter_context(cache_shared_with_workers())
        client = Client()
        bob = sign_in(client, emulator, "agent")  # committed: the server sees the session
        # DEBUG on for static files by plain name (a test run makes no collectstatic manifest)
        env = {"CACHE_KEY_PREFIX": prefix, "DJANGO_DEBUG": "true"}
        server = stack.enter_context(web_server(emulator, tmp_path, env=env, workers=1))
        yield Scene(server, bob, client.cookies[settings.SESSION_COOKIE_NAME].value)


@dataclass
class Stream:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    received: bytes = b""

    async def until(self, wanted: bytes) -> None:
        while wanted not in self.received:
            chunk = await self.reader.read(65536)
            if not chunk:
                raise AssertionError(f"the stream ended: {self.received[-500:]!r}")
            self.received += chunk


async def stream_open(scene: Scene, path: str) -> Stream:
    reader, writer = await asyncio.open_connection("127.0.0.1", scene.server.port)
    writer.write(
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
        f"Cookie: {settings.SESSION_COOKIE_NAME}={scene.session}\r\n\r\n".encode()
    )
    await writer.drain()
    opened = Stream(reader, writer)
    await opened.until(b"event: counters")
    head = opened.received.split(b"\r\n\r\n", 1)[0]
    assert head.startswith(b"HTTP/1.1 200"), head
    assert b"content-type: text/event-stream" in head.lower(), head
    return opened


def threads_of(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    raise AssertionError(f"no thread count for process {pid}")


def server_database_connections() -> int | None:
    """Connections to this test's PostgreSQL database other than this process's; None on
    SQLite, which has no server."""
    if connection.vendor != "postgresql":
        return None
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            (count,) = cursor.fetchone()
        return int(count)
    finally:
        connections.close_all()


def page_status(scene: Scene, path: str) -> int:
    answer = requests.get(
        scene.server.url + path,
        cookies={settings.SESSION_COOKIE_NAME: scene.session},
        timeout=TIMEOUT,
        allow_redirects=False,
    )
    return answer.status_code


def bump(bob: User) -> int:
    assert bob.rc_account_id is not None and bob.rc_extension_id is not None
    try:
        return mailbox_counter_bump(account_id=bob.rc_account_id, extension_id=bob.rc_extension_id)
    finally:
        connections.close_all()  # this helper thread's


def test_200_open_streams_leave_pages_answering_and_all_hear_a_bump(scene: Scene) -> None:
    extension = scene.bob.rc_extension_id
    path = f"{reverse('inbox:live_stream')}?extension={extension}"
    pages = [
        "/healthz",
        reverse("accounts:profile"),
        reverse("inbox:conversations", args=[extension]),
    ]

    async def scenario() -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        streams = await asyncio.wait_for(
            asyncio.gather(*(stream_open(scene, path) for _ in range(STREAMS))), TIMEOUT
        )
        try:
            seen: dict[str, Any] = {
                "threads": threads_of(scene.server.worker),
                "connections": await loop.run_in_executor(None, server_database_connections),
            }
            seen["pages"] = {
                page: [await loop.run_in_executor(None, page_status, scene, page) for _ in range(3)]
                for page in pages
            }
            seen["open"] = sum(not s.reader.at_eof() for s in streams)
            counter = await loop.run_in_executor(None, bump, scene.bob)
            change = json.dumps(
                {"extension_id": extension, "counter": counter}, separators=(",", ":")
            )
            wanted = f"event: changed\ndata: {change}\n\n".encode()
            results = await asyncio.wait_for(
                asyncio.gather(*(s.until(wanted) for s in streams), return_exceptions=True),
                TIMEOUT,
            )
            seen["heard"] = sum(result is None for result in results)
            seen["threads_after"] = threads_of(scene.server.worker)
            return seen
        finally:
            for s in streams:
                s.writer.close()

    seen = asyncio.run(scenario())
    log = scene.server.log.read_text(errors="replace")[-3000:]
    print(f"{STREAMS} streams open:", {k: v for k, v in seen.items() if k != "pages"})

    assert seen["pages"] == {page: [200, 200, 200] for page in pages}, log
    assert seen["open"] == STREAMS
    assert seen["heard"] == STREAMS, log
    # a stream holds no thread: the worker's request threads, its event loop and a few more
    assert seen["threads"] < 50 and seen["threads_after"] < 50, seen
    if seen["connections"] is not None:  # PostgreSQL: at most one per request thread
        assert seen["connections"] < 20, seen
