"""User-level rate limits (REFERENCE §14): per (user, app, group), a sliding window, and a
penalty that every request made during it starts again (the "429 trap").

The state lives in the serving process: one emulator process is one platform.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from dataclasses import dataclass, field

from emulator import clock
from emulator.errors import ApiError

DEFAULT_LIMITS = {"Light": 50, "Medium": 40, "Heavy": 10, "Auth": 5}


@dataclass(frozen=True)
class RatePlan:
    enabled: bool = True
    limits: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_LIMITS))
    window: float = 60.0
    penalty: float = 60.0

    def scaled(self, scale: float) -> RatePlan:
        """The same limits over a window and penalty `scale` times shorter (fast tests)."""
        return RatePlan(self.enabled, dict(self.limits), self.window / scale, self.penalty / scale)


@dataclass
class _Bucket:
    hits: deque[float] = field(default_factory=deque)
    penalty_until: float = 0.0


@dataclass(frozen=True)
class Decision:
    group: str
    limit: int
    remaining: int
    window: float

    def headers(self) -> dict[str, str]:
        return {
            "X-Rate-Limit-Group": self.group.lower(),
            "X-Rate-Limit-Limit": str(self.limit),
            "X-Rate-Limit-Remaining": str(self.remaining),
            "X-Rate-Limit-Window": str(max(1, math.ceil(self.window))),
        }


class RateLimiter:
    def __init__(self, plan: RatePlan) -> None:
        self.plan = plan
        self._buckets: dict[tuple[str, str, str], _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, *, subject: str, client_id: str, group: str) -> Decision:
        """Count one request; raise 429 `CMN-301` when over the limit or inside a penalty."""
        limit = self.plan.limits.get(group, 0)
        now = clock.now()
        with self._lock:
            bucket = self._buckets.setdefault((subject, client_id, group), _Bucket())
            while bucket.hits and bucket.hits[0] <= now - self.plan.window:
                bucket.hits.popleft()
            if bucket.penalty_until > now or len(bucket.hits) >= limit:
                bucket.penalty_until = now + self.plan.penalty
                decision = Decision(group, limit, 0, self.plan.window)
                raise rate_exceeded(decision, retry_after=self.plan.penalty)
            bucket.hits.append(now)
            return Decision(group, limit, limit - len(bucket.hits), self.plan.window)

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()


def rate_exceeded(decision: Decision | None, *, retry_after: float) -> ApiError:
    headers = decision.headers() if decision else {}
    headers["Retry-After"] = str(max(1, math.ceil(retry_after)))
    return ApiError(429, "CMN-301", "Request rate exceeded", headers=headers)
