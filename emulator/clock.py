"""Time as the platform writes it: ISO 8601 in UTC with milliseconds and a `Z`."""

from __future__ import annotations

import time
from datetime import UTC, datetime


def now() -> float:
    return time.time()


def iso(ts: float, *, seconds_only: bool = False) -> str:
    moment = datetime.fromtimestamp(ts, tz=UTC)
    if seconds_only:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def iso_minute(ts: float) -> str:
    """The platform echoes `dateFrom` in paging links truncated to the minute."""
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:00.000Z")


def parse_iso(value: str) -> float:
    """Parse the date-times clients send: `Z`, `+0000`, `+00:00`, or no offset (taken as UTC)."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    elif len(text) > 5 and text[-5] in "+-" and text[-4:].isdigit() and text[-3] != ":":
        text = text[:-2] + ":" + text[-2:]
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()
