"""Hostile input through a real gunicorn (the product's config/gunicorn.py, one uvicorn worker as in
docker-compose.yml), measuring that worker: every request is answered with a clear refusal,
none with a 500 or a hang, the worker's peak memory grows by less than half the largest body
sent, the worker is still the same process at the end, and nothing was queued (no `Send` row,
no message file in the server's broker folder).

How memory is measured: the worker's `VmHWM` (/proc/<pid>/status, the kernel's high-water
mark of its resident memory) after a warm-up that sends a small one of each kind (imports,
connection pools and the error pages in place), and again after everything. Holding a 50 MB
body would raise the mark by 50 MB whatever the allocator did meanwhile.

About 10 s on 2 cores, so it runs with the rest of `make test`; `make hostile` runs the
hostile-input tests alone.
"""

from __future__ import annotations

import json
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from django.conf import settings
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from inbox.models import Send
from tests.emulator.factories import conversation_of, make_sms, unique_number
from tests.hostile.inputs import (
    FIFTY_MB,
    LONG_TEXT,
    NOT_UTF8_PERCENT,
    json_body_of_size,
    json_not_utf8,
    multipart_flood,
    query_flood,
    zip_bomb,
)
from tests.inbox.conftest import extension_of, sign_in
from tests.inbox.support import own_day
from tests.support.emulator import RunningEmulator
from tests.support.gunicorn import WebServer, peak_memory, web_server, worker_pids

pytestmark = pytest.mark.django_db(transaction=True)

GROWTH_LIMIT = FIFTY_MB // 2
TIMEOUT = 60  # seconds: a request not answered by then has hung


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    content_type: str
    seconds: float


@dataclass(frozen=True)
class Probe:
    name: str
    send: Callable[[], Answer]
    status: int
    says: str  # the API's error code, or words of the page


@dataclass
class Visitor:
    """Bob at the server: his browser's session (with its CSRF token) and his API token."""

    server: WebServer
    browser: requests.Session
    token: str
    extension_id: int
    from_number: str
    conversation_id: int

    def page(self, method: str, path: str, **kwargs: Any) -> Answer:
        headers = {"X-CSRFToken": self.browser.cookies.get("csrftoken", ""),
                   **kwargs.pop("headers", {})}  # fmt: skip
        return timed(self.browser, method, self.server.url + path, headers=headers, **kwargs)

    def api(self, method: str, path: str, **kwargs: Any) -> Answer:
        headers = {"Authorization": f"Token {self.token}", "Idempotency-Key": str(uuid.uuid4()),
                   **kwargs.pop("headers", {})}  # fmt: skip
        return timed(requests.Session(), method, self.server.url + path, headers=headers, **kwargs)


def timed(http: requests.Session, method: str, url: str, **kwargs: Any) -> Answer:
    started = time.monotonic()
    answer = http.request(method, url, timeout=TIMEOUT, allow_redirects=False, **kwargs)
    return Answer(
        answer.status_code,
        answer.content,
        answer.headers.get("Content-Type", ""),
        time.monotonic() - started,
    )


def raw_request(server: WebServer, request_line: bytes) -> Answer:
    """A GET whose request line is sent byte for byte (requests would percent-encode it)."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT) as sock:
        sock.sendall(request_line + b"\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    content_type = next(
        (line.split(b":", 1)[1].strip().decode() for line in head.split(b"\r\n")
         if line.lower().startswith(b"content-type:")),
        "",
    )  # fmt: skip
    return Answer(status, body, content_type, time.monotonic() - started)


def says(answer: Answer, expected: str) -> bool:
    """The API's error envelope with this code, or a page (ours or gunicorn's) with these
    words."""
    if answer.content_type == "application/json":
        envelope = json.loads(answer.body)
        return bool(envelope["code"] == expected and envelope["message"].endswith("."))
    return answer.content_type.startswith("text/html") and expected in answer.body.decode()


@pytest.fixture
def visitor(rc: RunningEmulator, tmp_path: Path) -> Iterator[Visitor]:
    client = Client()
    bob = sign_in(client, rc, "agent")  # committed: the server process sees the session
    token = Token.objects.create(user=bob).key
    day, _ = own_day()
    extension_id = extension_of(rc, "agent")
    conversation_id = conversation_of(rc.db_path, make_sms(
        rc.db_path, extension_id, other_number=unique_number(), text="Is it ready?",
        created_ts=day + 10,
    ))  # fmt: skip
    env = {
        "DJANGO_SETTINGS_MODULE": "tests.hostile.server_settings",
        "HOSTILE_BROKER_DIR": str(tmp_path / "broker"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "CACHE_KEY_PREFIX": f"hostile-{uuid.uuid4().hex}",
    }
    with web_server(rc, tmp_path, env=env) as server:
        browser = requests.Session()
        browser.cookies.set(
            settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value
        )
        # a page with a form sets the CSRF cookie the browser's writes need
        assert browser.get(f"{server.url}/inbox/{extension_id}/fax/new/", timeout=60).ok
        from_number = rc.user("agent")["sms_numbers"][0]
        yield Visitor(server, browser, token, extension_id, from_number, conversation_id)


def probes(visitor: Visitor, *, size: int, parts: int, parameters: int) -> list[Probe]:
    """One request of each kind; the full run sends the hostile sizes, the warm-up small ones
    that are refused the same way."""
    extension = visitor.extension_id
    sms_api = reverse("api:sms_send", args=[extension])
    fax_api = reverse("api:fax_send_create", args=[extension])
    fax_page = reverse("inbox:fax_new", args=[extension])
    reply_page = reverse("inbox:sms_reply", args=[extension, visitor.conversation_id])
    list_page = reverse("inbox:conversations", args=[extension])
    list_api = reverse("api:conversations", args=[extension])
    json_type = {"Content-Type": "application/json"}
    form_type = {"Content-Type": "application/x-www-form-urlencoded"}
    sms = {"from_number": visitor.from_number, "to": ["+12095550147"], "text": LONG_TEXT}
    reply = {"from_number": visitor.from_number, "idempotency_key": str(uuid.uuid4()),
             "text": LONG_TEXT}  # fmt: skip
    page, api = visitor.page, visitor.api

    def multipart(send: Callable[..., Answer], path: str, field: str, files: bool) -> Answer:
        body, content_type = multipart_flood(parts, files=files, field=field)
        return send("POST", path, data=body, headers={"Content-Type": content_type})

    def bomb() -> Answer:
        expanded_mb = size // 2**18  # 200 MB of zeros in the full run
        documents = [("documents", ("scan.pdf", zip_bomb(expanded_mb), "application/pdf"))]
        return api("POST", fax_api, data={"to": "+16505550123"}, files=documents)

    # bytes that are not ASCII in the request line are refused by the server itself (uvicorn's
    # parser), before Django, with a page as gunicorn's refusals (config/gunicorn.py)
    raw_query = f"GET {list_api}?number=".encode() + b"\xff\xfe HTTP/1.0"
    raw_path = b"GET /inbox/\xff\xfe/ HTTP/1.0"
    return [
        Probe("JSON body too large (API)", lambda: api(
            "POST", sms_api, data=json_body_of_size(size), headers=json_type
        ), 413, "request_too_large"),
        Probe("form too large (page)", lambda: page(
            "POST", reply_page, data=b"text=" + b"x" * size, headers=form_type
        ), 413, "too large"),
        Probe("100,000-character text (API)", lambda: api("POST", sms_api, json=sms),
              400, "invalid"),
        Probe("100,000-character text (page)", lambda: page("POST", reply_page, data=reply),
              400, "100,008 characters long"),
        Probe("JSON not UTF-8 (API)", lambda: api(
            "POST", sms_api, data=json_not_utf8(), headers=json_type
        ), 400, "parse_error"),
        Probe("form not UTF-8 (page)", lambda: page(
            "POST", reply_page, data=f"text={NOT_UTF8_PERCENT}".encode(), headers=form_type
        ), 400, "not UTF-8"),
        Probe("query not UTF-8 (page)", lambda: page(
            "GET", f"{list_page}?number={NOT_UTF8_PERCENT}"
        ), 400, "not UTF-8"),
        Probe("query not UTF-8, raw bytes (API)", lambda: raw_request(visitor.server, raw_query),
              400, "Invalid HTTP request"),
        Probe("path not UTF-8 (API)", lambda: api(
            "GET", f"/api/mailboxes/{NOT_UTF8_PERCENT}/"
        ), 400, "not_utf8"),
        Probe("path of raw bytes (page)", lambda: raw_request(visitor.server, raw_path),
              400, "Invalid HTTP request"),
        Probe("multipart fields (fax page)", lambda: multipart(page, fax_page, "documents", False),
              400, "fields or parameters"),
        Probe("multipart files (fax page)", lambda: multipart(page, fax_page, "documents", True),
              400, "files, so it was not read"),
        Probe("multipart fields (fax API)", lambda: multipart(api, fax_api, "documents", False),
              400, "too_many_fields"),
        Probe("multipart files (fax API)", lambda: multipart(api, fax_api, "documents", True),
              400, "too_many_files"),
        Probe("multipart files (SMS API)", lambda: multipart(api, sms_api, "attachments", True),
              400, "too_many_files"),
        Probe("zip bomb named .pdf (fax API)", bomb, 400, "invalid"),
        Probe("query parameters (page)", lambda: page(
            "GET", f"{list_page}?{query_flood(parameters)}"
        ), 400, "fields or parameters"),
        Probe("query parameters (API)", lambda: api(
            "GET", f"{list_api}?{query_flood(parameters)}"
        ), 400, "too_many_fields"),
        Probe("request line past 4094 bytes", lambda: page(
            "GET", f"{list_page}?{query_flood(10_000)}"
        ), 400, "Request Line is too large"),
        Probe("500 headers", lambda: page(
            "GET", list_page, headers={f"X-Flood-{n}": "1" for n in range(500)}
        ), 431, "limit request headers fields"),
        Probe("one header of 100 KB", lambda: page(
            "GET", list_page, headers={"X-Flood": "a" * 100_000}
        ), 431, "limit request headers fields size"),
    ]  # fmt: skip


def run(checks: list[Probe]) -> tuple[list[str], list[str]]:
    """Each probe sent: the ones answered otherwise than expected, as lines saying how, and a
    line per probe with its answer and time."""
    wrong, lines = [], []
    for probe in checks:
        answer = probe.send()
        if answer.status != probe.status or not says(answer, probe.says):
            wrong.append(f"{probe.name}: {answer.status} {answer.body[:300]!r}")
        lines.append(f"{probe.name:<36} {answer.status}  {answer.seconds * 1000:7.1f} ms")
    return wrong, lines


def broker_messages(directory: Path) -> list[Path]:
    return [path for path in directory.rglob("*") if path.is_file()]


def test_it_refuses_hostile_input_with_bounded_memory_and_queues_nothing(
    visitor: Visitor, tmp_path: Path
) -> None:
    warm_up = probes(visitor, size=3 * 2**20, parts=1_200, parameters=1_900)
    assert run(warm_up)[0] == []
    before = peak_memory(visitor.server.worker)

    wrong, lines = run(probes(visitor, size=FIFTY_MB, parts=10_000, parameters=1_900))
    growth = peak_memory(visitor.server.worker) - before

    assert wrong == []
    assert growth < GROWTH_LIMIT, f"the worker's peak memory grew by {growth / 2**20:.1f} MiB"
    assert worker_pids(visitor.server.master) == [visitor.server.worker]
    assert Send.objects.count() == 0
    assert broker_messages(tmp_path / "broker") == []
    print("", *lines, f"worker peak memory: +{growth / 2**20:.1f} MiB", sep="\n")
