"""Exports through the server the product ships (gunicorn with uvicorn workers, config/asgi.py),
on this test's database: a whole download is recorded with every row, and a client that
hangs up halfway is recorded too, with the rows the server had sent when it noticed — the
response is closed on the client's disconnect, and the stream's close writes the entry."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.models import User
from inbox.models import AuditEntry
from tests.inbox.conftest import extension_of, point_at, sign_in
from tests.inbox.exports.support import long_thread
from tests.support.emulator import RunningEmulator
from tests.support.gunicorn import WebServer, web_server

MESSAGES = 20_000  # about 6 MB of CSV: far more than the sockets between client and server hold
TEXT = "Could you check the delivery window for my order, please? " * 4


@pytest.fixture
def running(emulator_factory: Any, settings: Any) -> RunningEmulator:
    return point_at(settings, emulator_factory())


@pytest.fixture
def server(running: RunningEmulator, tmp_path: Path) -> Iterator[WebServer]:
    with web_server(running, tmp_path) as started:
        yield started


def entry_of(conversation_id: int) -> AuditEntry:
    """The export's entry, once the server has written it (it does when the stream ends)."""
    deadline = time.monotonic() + 30
    while True:
        found = AuditEntry.objects.filter(conversation_id=conversation_id).first()
        if found is not None:
            return found
        assert time.monotonic() < deadline, "the export's audit entry was never written"
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True)
def test_whole_and_abandoned_downloads_are_recorded_with_the_rows_sent(
    running: RunningEmulator, server: WebServer
) -> None:
    client = Client()
    sign_in(client, running, "agent")  # committed: the server process sees the session
    bob = User.objects.get(rc_extension_id=extension_of(running, "agent"))
    long_thread(bob, 300, conversation_id=1, text="Hello")
    long_thread(bob, MESSAGES, conversation_id=2, text=TEXT)
    http = requests.Session()
    http.cookies.set(
        settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value
    )

    def url(conversation_id: int) -> str:
        path = reverse("inbox:conversation_export_csv", args=[bob.rc_extension_id, conversation_id])
        return server.url + path

    whole = http.get(url(1), timeout=60)
    assert whole.status_code == 200
    assert whole.content.count(b"\r\n") == 301
    done = entry_of(1)
    assert (done.outcome, done.message_count) == (AuditEntry.Outcome.DONE, 300)

    # a client that reads the start of the file, then hangs up
    cookie = f"{settings.SESSION_COOKIE_NAME}={http.cookies[settings.SESSION_COOKIE_NAME]}"
    path = url(2).removeprefix(server.url)
    with socket.create_connection(("127.0.0.1", server.port), timeout=60) as hanging_up:
        hanging_up.sendall(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n\r\n".encode()
        )
        received = b""
        while len(received) < 256 * 1024:
            chunk = hanging_up.recv(65536)
            assert chunk, "the server ended the download itself"
            received += chunk
        assert received.startswith(b"HTTP/1.1 200 ")
        assert b"time,direction,type,from,to,text" in received
    stopped = entry_of(2)

    assert stopped.outcome == AuditEntry.Outcome.PARTLY
    assert stopped.message_count is not None
    assert 0 < stopped.message_count < MESSAGES
    assert stopped.detail.endswith(f"the download stopped after {stopped.message_count} messages")
