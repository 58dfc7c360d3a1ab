"""Faults on demand: the ways the real platform misbehaves, switched on by flags or at run time
through `/_emulator/faults`.

- latency: a fixed delay, or a uniform or normal distribution, added to every `/restapi` answer;
- errors: a share of requests answered 503 `CMN-201` before anything is done, drawn at random
  (`error_rate`) or counted (`error_every`: every Nth request after the plan takes effect, so a
  test knows which calls fail whatever the timing);
- hangs: a share of requests that are carried out, then held until the client gives up
  (the case where a client cannot know whether its POST took effect);
- forced 429s for a user and/or a rate group, until a moment or until cleared;
- a throttle: every `/restapi` call answered 429 until a moment (`throttle_until`, or
  `throttle_seconds` from now), with `Retry-After` the time left (and no `X-Rate-Limit-*`
  headers: nothing is counted against a limit), so a client that waits as told is let
  through the moment the throttle ends;
- attachment streams that trickle at a set rate, or stop after a number of bytes.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from emulator import clock


@dataclass(frozen=True)
class Latency:
    fixed_ms: float = 0.0
    min_ms: float | None = None  # uniform between min and max
    max_ms: float | None = None
    mean_ms: float | None = None  # normal around mean
    stddev_ms: float | None = None

    @classmethod
    def parse(cls, text: str) -> Latency:
        """`150` (fixed), `100-300` (uniform) or `150~40` (normal: mean~stddev), in ms."""
        text = text.strip()
        if "~" in text:
            mean, stddev = text.split("~", 1)
            return cls(mean_ms=float(mean), stddev_ms=float(stddev))
        if "-" in text[1:]:
            low, high = text.split("-", 1)
            return cls(min_ms=float(low), max_ms=float(high))
        return cls(fixed_ms=float(text))

    def sample(self, rng: random.Random) -> float:
        """Seconds to wait."""
        if self.min_ms is not None and self.max_ms is not None:
            return rng.uniform(self.min_ms, self.max_ms) / 1000
        if self.mean_ms is not None:
            return max(0.0, rng.gauss(self.mean_ms, self.stddev_ms or 0.0)) / 1000
        return self.fixed_ms / 1000


@dataclass(frozen=True)
class Forced429:
    extension_id: int | None = None  # None: every user
    group: str | None = None  # None: every group
    until: float | None = None  # unix time; None: until cleared

    def matches(self, extension_id: int | None, group: str | None, now: float) -> bool:
        if self.until is not None and now >= self.until:
            return False
        if self.extension_id is not None and self.extension_id != extension_id:
            return False
        return self.group is None or self.group == group


@dataclass(frozen=True)
class FaultPlan:
    latency: Latency = field(default_factory=Latency)
    error_rate: float = 0.0
    error_every: int = 0  # every Nth request since the plan took effect answers 503; 0: none
    hang_rate: float = 0.0
    hang_seconds: float = 120.0
    forced_429: tuple[Forced429, ...] = ()
    throttle_until: float | None = None  # unix time; every call answers 429 until then
    stream_bytes_per_second: int | None = None
    stream_cut_after_bytes: int | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["forced_429"] = [asdict(item) for item in self.forced_429]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FaultPlan:
        """Build a plan from the admin endpoint's JSON; unknown keys are a ValueError.
        `throttle_seconds` is `throttle_until` counted from now, on the emulator's clock."""
        known = set(cls.__dataclass_fields__) | {"throttle_seconds"}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fault settings: {sorted(unknown)}")
        values = dict(data)
        if "throttle_seconds" in values:
            if "throttle_until" in values:
                raise ValueError("give throttle_seconds or throttle_until, not both")
            values["throttle_until"] = throttle_end(values.pop("throttle_seconds"))
        until = values.get("throttle_until")
        if until is not None and (not isinstance(until, (int, float)) or isinstance(until, bool)):
            raise ValueError("throttle_until must be a unix time in seconds")
        latency = values.get("latency", {})
        if isinstance(latency, (int, float)):
            values["latency"] = Latency(fixed_ms=float(latency))
        elif isinstance(latency, str):
            values["latency"] = Latency.parse(latency)
        else:
            values["latency"] = Latency(**latency)
        values["forced_429"] = tuple(Forced429(**item) for item in values.get("forced_429", ()))
        for share in ("error_rate", "hang_rate"):
            if not 0.0 <= float(values.get(share, 0.0)) <= 1.0:
                raise ValueError(f"{share} must lie between 0 and 1")
        every = values.get("error_every", 0)
        if not isinstance(every, int) or isinstance(every, bool) or every < 0:
            raise ValueError("error_every must be a whole number, 0 or more")
        return cls(**values)


def throttle_end(seconds: Any) -> float | None:
    """The moment a throttle of `seconds` from now ends (None: no throttle)."""
    if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or seconds < 0:
        raise ValueError("throttle_seconds must be a number of seconds, 0 or more")
    return clock.now() + float(seconds) if seconds else None


class FaultState:
    """The plan in force, swapped whole by the admin endpoint; decisions drawn under a lock."""

    def __init__(self, plan: FaultPlan, *, seed: int | None = None) -> None:
        self.plan = plan
        self._rng = random.Random(seed)  # noqa: S311 (fault injection, not cryptography)  # nosec B311
        self._lock = threading.Lock()
        self._requests_under_plan = 0

    def replace(self, plan: FaultPlan) -> None:
        with self._lock:
            self.plan = plan
            self._requests_under_plan = 0

    def delay(self) -> float:
        with self._lock:
            return self.plan.latency.sample(self._rng)

    def should_fail(self) -> bool:
        with self._lock:
            self._requests_under_plan += 1
            every = self.plan.error_every
            if every and self._requests_under_plan % every == 0:
                return True
            return self._rng.random() < self.plan.error_rate

    def should_hang(self) -> bool:
        with self._lock:
            return self._rng.random() < self.plan.hang_rate

    def throttled_for(self) -> float:
        """Seconds the throttle still holds every call back; 0 when none is in force."""
        until = self.plan.throttle_until
        return max(0.0, until - clock.now()) if until is not None else 0.0

    def forced_429(self, extension_id: int | None, group: str | None) -> bool:
        now = clock.now()
        return any(item.matches(extension_id, group, now) for item in self.plan.forced_429)

    def shape_stream(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        """Apply the stream faults to an attachment body."""
        rate = self.plan.stream_bytes_per_second
        cut = self.plan.stream_cut_after_bytes
        sent = 0
        for chunk in chunks:
            if cut is not None and sent + len(chunk) >= cut:
                yield chunk[: max(0, cut - sent)]
                return  # the connection ends short of Content-Length
            if rate:
                for start in range(0, len(chunk), max(1, rate // 10)):
                    piece = chunk[start : start + max(1, rate // 10)]
                    time.sleep(len(piece) / rate)
                    yield piece
            else:
                yield chunk
            sent += len(chunk)
