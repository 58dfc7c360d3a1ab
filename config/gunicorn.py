"""gunicorn's settings for the dashboard (`gunicorn config.asgi -c config/gunicorn.py`): the worker
class, and the bounds on what a request may send before Django sees it. The Dockerfile,
docker-compose.yml, the benchmarks' stack (bench/stack.py) and the tests that measure a real
server (tests/support/gunicorn.py) start gunicorn with this file; the number of workers stays on
their command lines.

Workers are uvicorn's (ASGI, one event loop each; `UvicornWorker` below): an open page's event
stream (`inbox.live.stream`) is a coroutine, not a thread, so hundreds of them fit in one
worker, while each ordinary page runs on one of the worker's request threads
(`config.asgi.REQUEST_THREADS`, 8, as many as the threaded WSGI workers had before): a page
waiting on RingCentral's round trip holds a thread, not the worker (docs/benchmarks.md,
"Load").

A request line, header count or header size past these bounds is answered by the worker itself
(400 or 431, gunicorn's own answers), as soon as it is read past the bound, without reading
further and without reaching Django. uvicorn has no such bounds of its own (its HTTP parser
takes a header of any size), so `UvicornWorker` checks them while it parses. Django bounds the
body (config/settings.py, "Request limits").
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn_worker import UvicornWorker as _UvicornWorker  # type: ignore[import-untyped]

# The request line (method, address with its query, version), in bytes. The longest address the
# dashboard makes is a conversation list with every filter and a `back=` link: well under 1 KB.
limit_request_line = 4094
# Header fields per request. Browsers send about 15, proxies add a few.
limit_request_fields = 100
# Bytes of one header field (name and value): the cookies (session and CSRF, under 200 bytes)
# are the largest a browser sends here.
limit_request_field_size = 8190

worker_class = "config.gunicorn.UvicornWorker"

# Seconds an idle keep-alive connection stays open. Longer than the pages' fallback poll (every
# 2 s, while their event stream is down): with a shorter one, a poll could arrive just as the
# server closed its connection and fail.
keepalive = 5


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol (httptools) with gunicorn's request bounds: the request
    line, the number of header fields and each field's size, and the whole head (line and
    fields), counted as the bytes arrive, so that an endless header is cut off, not kept."""

    line_limit = limit_request_line
    fields_limit = limit_request_fields
    field_size_limit = limit_request_field_size

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._refused = False
        self._head_bytes = 0
        self._reading_head = True
        self._fields = 0

    @classmethod
    def head_limit(cls) -> int:
        # as gunicorn's: the line, then every field with its CRLF, then the blank line
        return cls.line_limit + 2 + cls.fields_limit * (cls.field_size_limit + 2) + 2

    def _refuse(self, status: int, reason: str, message: str) -> None:
        """Answer as gunicorn does, then close the connection."""
        if self._refused:
            return
        self._refused = True
        body = (
            f"<html><head><title>{reason}</title></head><body><h1><p>{reason}</p></h1>"
            f"{message}</body></html>"
        ).encode()
        head = (
            f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\n"
            f"Content-Type: text/html\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode()
        self.transport.write(head + body)
        self.transport.close()

    def send_400_response(self, msg: str) -> None:
        """What uvicorn answers to a request it cannot parse (bytes that are not ASCII in the
        request line, a malformed header), as gunicorn answers it: a page."""
        self._refuse(400, "Bad Request", msg)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        if self._reading_head:
            self._head_bytes += len(data)
            if self._head_bytes > self.head_limit():
                self._refuse(
                    431,
                    "Request Header Fields Too Large",
                    "Error parsing headers: 'max buffer headers'",
                )
                return
        super().data_received(data)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._fields = 0

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        # "GET " + address + " HTTP/1.1", as gunicorn measures it
        line = len(self.url) + len(b"GET  HTTP/1.1") + 3
        if line > self.line_limit:
            self._refuse(
                400, "Bad Request", f"Request Line is too large ({line} > {self.line_limit})"
            )

    def on_header(self, name: bytes, value: bytes) -> None:
        if self._refused:
            return
        self._fields += 1
        if self._fields > self.fields_limit:
            self._refuse(
                431,
                "Request Header Fields Too Large",
                "Error parsing headers: 'limit request headers fields'",
            )
            return
        if len(name) + len(value) + len(b": \r\n") > self.field_size_limit:
            self._refuse(
                431,
                "Request Header Fields Too Large",
                "Error parsing headers: 'limit request headers fields size'",
            )
            return
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        if self._refused:
            return  # nothing reaches the application
        self._reading_head = False
        self._head_bytes = 0
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        if self._refused:
            return
        super().on_message_complete()
        self._reading_head = True  # the next request on the connection


class UvicornWorker(_UvicornWorker):  # type: ignore[misc]
    """uvicorn's gunicorn worker, with this file's request bounds (gunicorn's own
    `limit_request_*` settings, which uvicorn's worker would otherwise ignore). Django speaks
    no WebSocket: it is off. A worker told to stop gives the requests in flight 10 s, then ends
    what is left (config/asgi.py): open event streams never end by themselves, and their pages
    connect again, to the next worker. The lifespan protocol stays on: its shutdown is the
    moment those ends are sent, before the worker exits."""

    CONFIG_KWARGS: dict[str, Any] = {
        "loop": "auto",
        "http": "httptools",
        "ws": "none",
        "lifespan": "on",
        "timeout_graceful_shutdown": 10,
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        config = self.cfg
        self.config.http = type(
            "Protocol",
            (BoundedHttpToolsProtocol,),
            {
                "line_limit": config.limit_request_line,
                "fields_limit": config.limit_request_fields,
                "field_size_limit": config.limit_request_field_size,
            },
        )
