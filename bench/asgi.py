"""The dashboard's ASGI application (config/asgi.py) with an access log for the benchmarks.

gunicorn's `--access-logformat` applies to its own workers only, not to uvicorn's, so the
bench's stack serves this instead: each request writes the line gunicorn wrote for it under
WSGI, `<X-Bench-Phase or -> <status> <microseconds> <method> <path>`, to `BENCH_ACCESS_LOG`
(`bench.measure.server_times` reads it). The time runs from the request's arrival to its
response's last byte, as gunicorn's `%(D)s` does. Lines are appended whole, so several worker
processes share the file.
"""

from __future__ import annotations

import os
import time
from typing import Any

from bench.stack import ACCESS_LOG_ENV
from config.asgi import application as dashboard


def _line(phase: str, status: int, micros: int, method: str, path: str) -> bytes:
    return f"{phase or '-'} {status} {micros} {method} {path}\n".encode()


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    log = os.environ.get(ACCESS_LOG_ENV)
    if scope["type"] != "http" or not log:
        await dashboard(scope, receive, send)
        return
    started = time.perf_counter()
    headers = dict(scope.get("headers") or [])
    phase = headers.get(b"x-bench-phase", b"-").decode("latin-1")
    status = 500

    async def send_noting_status(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])
        await send(message)

    try:
        await dashboard(scope, receive, send_noting_status)
    finally:
        micros = int((time.perf_counter() - started) * 1_000_000)
        line = _line(phase, status, micros, scope["method"], scope["path"])
        descriptor = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(descriptor, line)
        finally:
            os.close(descriptor)
