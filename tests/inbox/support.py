"""Helpers of the inbox tests: days and numbers of a test's own, RingCentral call counts, and
messages with details the factories do not set."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from typing import Any

import requests

from emulator.mailstore import update_message
from emulator.store import Store, loads
from tests.emulator.factories import ancient_day, store
from tests.support.emulator import RunningEmulator


def day_of(ts: float) -> str:
    """The UTC date of a timestamp, as the list's date filters take it."""
    return datetime.fromtimestamp(ts, tz=UTC).date().isoformat()


def own_day() -> tuple[float, dict[str, str]]:
    """A day of 2001-2003 no other test uses, and list filters that show exactly that day."""
    day = ancient_day()
    return day, {"start": day_of(day), "end": day_of(day)}


def rc_calls(running: RunningEmulator, since: float, operation: str | None = None) -> int:
    """RingCentral API requests the emulator served since `since` (of one operation)."""
    body: dict[str, Any] = requests.get(
        f"{running.url}/_emulator/requests", params={"since": since}, timeout=10
    ).json()
    return sum(
        r["count"] for r in body["records"] if operation is None or r["operation"] == operation
    )


def now() -> float:
    return time.time()


def set_delivery_failure(running: RunningEmulator, message_id: int, status: str, code: str) -> None:
    """Make an outbound SMS end as `status` with `deliveryErrorCode` `code`."""
    with store(running.db_path).write() as db:
        row = db.execute("SELECT body FROM message WHERE id = ?", (message_id,)).fetchone()
        body = loads(row["body"])
        body["deliveryErrorCode"] = code
        update_message(db, message_id, message_status=status, body=body)


def set_faults(running: RunningEmulator, **faults: Any) -> None:
    answer = requests.put(f"{running.url}/_emulator/faults", json=faults, timeout=10)
    answer.raise_for_status()


def found(pattern: str, text: str, group: int = 1) -> str:
    """The group of the first match of `pattern` in `text` (the test fails without one)."""
    match = re.search(pattern, text, re.S)
    assert match is not None, f"{pattern!r} not found"
    return match.group(group)


def availability(running: RunningEmulator, message_ids: list[int]) -> dict[str, int]:
    """Messages of the emulator's store with these ids, counted by availability."""
    marks = ",".join("?" * len(message_ids))
    with Store(running.db_path).read() as db:
        rows = db.execute(
            f"SELECT availability, COUNT(*) AS n FROM message WHERE id IN ({marks}) "  # noqa: S608
            "GROUP BY availability",
            message_ids,
        ).fetchall()
    return {row["availability"]: row["n"] for row in rows}
