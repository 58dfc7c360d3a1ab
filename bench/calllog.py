"""Which part of the dashboard made each RingCentral call. The emulator's request log counts
calls by extension and operation, but not who asked: a thread page's `listMessages` and the
send tracker's look alike there. With `BENCH_RC_CALL_LOG` set (`StackOptions.call_log`),
`bench.settings` sends the client's own record of every call (`rcapi.client`, DEBUG, one
line per answer) through `CallOrigin` into a file per process, and `calls_read` reads them
back.

A line is `<unix time> <extension id> <origin> <method> <operation> <status>`, the origin the
Celery task that made the call (`inbox.sending.tasks.rc_sends_track`) or, in the web server,
`web:<X-Bench-Phase>` of the request (`web:thread`). The extension is the client's budget key
(`ext:<id>`); both are read from the calling frames, which is good enough for a benchmark and
touches nothing of the product.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

CALL_LOG_ENV = "BENCH_RC_CALL_LOG"  # the folder, set by bench.stack
CALL_LINE = re.compile(r"^RingCentral (\S+) (\S+): (\d+)$")
FRAMES_UP = 80


class CallOrigin(logging.Filter):
    """Gives `rcapi.client`'s record of a call the fields of a line (`call`: extension,
    origin, method, operation, status); drops the logger's other records."""

    def filter(self, record: logging.LogRecord) -> bool:
        found = CALL_LINE.match(record.getMessage())
        if found is None:
            return False
        method, operation, status = found.groups()
        frame: FrameType | None = sys._getframe(1)
        extension = ""
        phase = ""
        for _ in range(FRAMES_UP):
            if frame is None:
                break
            local = frame.f_locals
            if not extension and frame.f_code.co_name == "_call":
                key = getattr(local.get("self"), "budget_key", "")
                extension = str(key).removeprefix("ext:")
            request = local.get("request")
            headers = getattr(request, "headers", None)
            if not phase and headers is not None and hasattr(request, "path_info"):
                phase = str(headers.get("X-Bench-Phase", "") or "-")
            frame = frame.f_back
        record.call = f"{extension or '-'} {_origin(phase)} {method} {operation} {status}"
        return True


def _origin(phase: str) -> str:
    from celery import current_task

    if current_task:
        return str(current_task.name)
    if phase:
        return f"web:{phase}"
    # a page's calls made on a thread pool of its own have no request in their frames
    return "web:?" if "gunicorn" in " ".join(sys.argv) else "other"


def logging_config(folder: Path) -> dict[str, dict[str, object]]:
    """What to add to Django's `LOGGING` (by section) for a process writing into `folder`."""
    return {
        "filters": {"bench_rc_call_origin": {"()": "bench.calllog.CallOrigin"}},
        "formatters": {"bench_rc_calls": {"format": "%(created).3f %(call)s"}},
        "handlers": {
            "bench_rc_calls": {
                "()": "bench.calllog.PerProcessFile",
                "folder": str(folder),
                "formatter": "bench_rc_calls",
                "filters": ["bench_rc_call_origin"],
            }
        },
        "loggers": {
            "rcapi.client": {"handlers": ["bench_rc_calls"], "level": "DEBUG", "propagate": False}
        },
    }


class PerProcessFile(logging.FileHandler):
    """`<folder>/<pid>.log`, opened by the process writing into it: the web server's workers
    are forked after the logging is set up, and each writes a file of its own."""

    def __init__(self, folder: str) -> None:
        self.folder = Path(folder)
        self.pid = 0
        super().__init__(self.folder / "unopened.log", delay=True)

    def emit(self, record: logging.LogRecord) -> None:
        if self.pid != os.getpid():
            self.close()
            self.pid = os.getpid()
            self.baseFilename = str(self.folder / f"{self.pid}.log")
        super().emit(record)


@dataclass(frozen=True)
class Call:
    at: float
    extension_id: int | None
    origin: str
    method: str
    operation: str
    status: int


def calls_read(folder: Path, *, since: float = 0.0, until: float = float("inf")) -> list[Call]:
    """Every call the dashboard's processes wrote, answered between `since` and `until`."""
    found: list[Call] = []
    for path in sorted(folder.glob("*.log")):
        for line in path.read_text(errors="replace").splitlines():
            parts = line.split()
            if len(parts) != 6:
                continue
            at = float(parts[0])
            if since <= at < until:
                extension = int(parts[1]) if parts[1].isdigit() else None
                found.append(
                    Call(at, extension, parts[2], parts[3], parts[4], int(parts[5]))
                )  # fmt: skip
    return found


def by_origin(calls: list[Call]) -> dict[str, int]:
    """`<origin> <operation> <status>`: count, most first."""
    counted = Counter(f"{c.origin} {c.operation} {c.status}" for c in calls)
    return dict(counted.most_common())
