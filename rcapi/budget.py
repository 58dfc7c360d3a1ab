"""A rate budget shared by every process that calls RingCentral for the same user, so that in
normal use the platform never answers 429 — and never springs its "429 trap", where every
request made during the penalty starts the penalty again (REFERENCE §14).

The platform counts requests per (user, app, rate group) over a sliding window. The budget
keeps the same log: before each call the client takes a *slot* for (key, group) — the key
names the RingCentral user, e.g. `ext:<extension id>` — and settles it when the answer is in.

How a slot is counted, and why:

* While the call is in flight its slot counts as used (and until `lease` seconds have passed,
  should the process die mid-call).
* Once the call has ended, the slot is dated to that moment, not to when it was taken: the
  platform counted the request somewhere between the two, so the end is the latest moment
  it can have counted it, and the slot frees `window + margin` seconds after that. Measuring
  from the end makes the budget safe whatever the network latency; `margin` (1 % of the
  window, at least 50 ms) covers the rest: a platform counting on coarser clocks, the window
  being rounded to whole seconds in `X-Rate-Limit-Window`, and clocks running at slightly
  different rates. All times of one budget come from one clock (Redis's `TIME` for
  `RedisRateBudget`, so web and worker hosts need not agree on the time).
* Every answer corrects the budget: `X-Rate-Limit-Limit` and `-Window` replace the seeded
  defaults (a limit of 5 is used as 5 from then on), and `-Remaining` reveals requests the
  budget did not see (another app instance, a restart): when the platform has counted more
  than the log holds, the difference is added to the log, dated now. Until the first answer
  for a (key, group) has revealed the real limit, only one call at a time is let through,
  so a server with a lower limit than the defaults is never overrun by a first burst. A
  first call whose process died without settling holds that line for `PROBE_WAIT` seconds,
  not for its whole lease: otherwise a crash would stall the user's group for minutes.
* A 429 blocks the (key, group) for its `Retry-After` (plus the margin); no call is sent
  meanwhile, which is what lets the penalty end.

`RedisRateBudget` is the one to use in production: one log per (key, group) in Redis, changed
only by Lua scripts, so every web and worker process shares it atomically.
`LocalRateBudget` keeps the same log in memory: the fallback when Redis is not configured, and
**per process** — two processes with their own local budgets can together exceed the limit.

`usage(key, group)` reads a lane for display (an operations page) without changing it: the
limit and window in force, the slots counted in the window, when a 429 block ends, and how
many 429 answers — and refusals by the budget itself, where nothing was sent — the lane had
in the last hour (counted per minute; the oldest minute drops out whole).
"""

from __future__ import annotations

import logging
import math
import threading
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import redis

from rcapi.errors import RateLimited, Unavailable, header_value, retry_after_of
from rcapi.operations import normalize_group

log = logging.getLogger(__name__)

DEFAULT_LIMITS: Mapping[str, int] = MappingProxyType(
    {"Light": 50, "Medium": 40, "Heavy": 10, "Auth": 5}
)
DEFAULT_WINDOW = 60.0
MARGIN_MIN = 0.05  # seconds
MARGIN_FRACTION = 0.01  # of the window
LEASE = 300.0  # seconds an unsettled slot is kept: longer than any call may take
POLL = 0.02  # seconds between looks while the slot to wait for is still in flight
PROBE_WAIT = 60.0  # seconds an unsettled first call keeps others waiting for the limit
EVENT_BUCKET = 60  # seconds per counter of 429s and refusals
EVENT_BUCKETS = 60  # counters kept: "the last hour"
RATE_LIMITED = "429"  # the platform answered 429
REFUSED = "refused"  # the budget refused a slot: nothing was sent


@dataclass(frozen=True)
class RateAnswer:
    """What one answer said about the limits: the `X-Rate-Limit-*` headers and, for a 429,
    `Retry-After`."""

    status: int
    group: str | None = None
    limit: int | None = None
    remaining: int | None = None
    window: float | None = None
    retry_after: float | None = None

    @classmethod
    def from_response(cls, status: int, headers: Mapping[str, str]) -> RateAnswer:
        def number(name: str) -> float | None:
            raw = header_value(headers, name)
            try:
                value = float(raw) if raw is not None else None
            except ValueError:
                return None
            return value if value is not None and math.isfinite(value) and value >= 0 else None

        limit, remaining = number("X-Rate-Limit-Limit"), number("X-Rate-Limit-Remaining")
        window = number("X-Rate-Limit-Window")
        retry_after = retry_after_of(headers) if status == 429 else None
        if status == 429 and retry_after is None:
            retry_after = window or DEFAULT_WINDOW  # "if absent, wait": the penalty is a window
        return cls(
            status=status,
            group=normalize_group(header_value(headers, "X-Rate-Limit-Group")),
            limit=None if limit is None else int(limit),
            remaining=None if remaining is None else int(remaining),
            window=window or None,
            retry_after=retry_after,
        )


@dataclass(frozen=True)
class Slot:
    """A place in the budget of (key, group), taken at `taken_at` on the budget's clock."""

    key: str
    group: str
    token: str
    taken_at: float


@dataclass(frozen=True)
class LaneUsage:
    """One (key, group) lane as it stands, for display: nothing decides with it, and by the
    time it is shown the lane may have moved."""

    key: str
    group: str
    limit: int
    confirmed: bool  # the platform stated `limit`; False: the seeded default, not yet confirmed
    window: float
    used: int  # slots counted in the window now, calls in flight included
    in_flight: int
    blocked_until: float | None  # Unix time a 429 block ends; None when not blocked
    rate_limited: int  # 429 answers in the last hour
    refused: int  # slots the budget refused in the last hour (nothing was sent)

    @property
    def remaining(self) -> int:
        return max(self.limit - self.used, 0)

    @property
    def headroom(self) -> float:
        """The share of the limit still free, 0.0 to 1.0; none while blocked."""
        if self.limit <= 0 or self.blocked_until is not None:
            return 0.0
        return self.remaining / self.limit


class RateBudget(ABC):
    """Slots per (key, group): `acquire` one before a call, `settle` it with the answer."""

    def __init__(
        self,
        *,
        limits: Mapping[str, int] = DEFAULT_LIMITS,
        window: float = DEFAULT_WINDOW,
        margin: float = MARGIN_MIN,
        margin_fraction: float = MARGIN_FRACTION,
    ) -> None:
        self.limits = dict(limits)
        self.window = window
        self.margin = margin
        self.margin_fraction = margin_fraction

    def default_limit(self, group: str) -> int:
        """Unknown groups get the smallest documented limit: safe until an answer corrects it."""
        return self.limits.get(group, min(self.limits.values(), default=1))

    def margin_for(self, window: float) -> float:
        return max(self.margin, window * self.margin_fraction)

    def acquire(
        self, key: str, group: str, *, wait: bool = True, timeout: float | None = None
    ) -> Slot:
        """Take a slot, waiting for one when `wait` (at most `timeout` seconds, if given).

        Raises `RateLimited` (status None: nothing was sent) with the time until a slot is
        expected to free when `wait` is False or the wait would pass `timeout`.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        token = uuid.uuid4().hex
        while True:
            slot, delay = self._try_take(key, group, token)
            if slot is not None:
                return slot
            left = None if deadline is None else deadline - time.monotonic()
            # a slot expected only after the timeout (a 429's block, a full window) is not
            # waited for: the caller hears at once how long it would be
            if not wait or (left is not None and (left <= 0 or delay > left)):
                self._count(key, group, REFUSED)
                raise RateLimited(
                    f"No {group} request slot free for {key}: the next one is expected in "
                    f"{delay:.2f} s",
                    retry_after=delay,
                    group=group,
                    status=None,
                    error_code=None,
                )
            self._pause(key, group, delay if left is None else min(delay, left))

    def settle(self, slot: Slot, answer: RateAnswer | None) -> None:
        """The call of `slot` has ended (`answer` None: it got no answer at all).
        Never raises: the call's own outcome matters more than the bookkeeping."""
        if answer is not None and answer.status == 429:
            self._count(slot.key, answer.group or slot.group, RATE_LIMITED)
        same_group = answer is None or answer.group in (None, slot.group)
        self._settle(slot, slot.group, answer if same_group else None)
        if answer is not None and not same_group and answer.group is not None:
            # the platform counted the call in another group than the table says:
            # believe the platform for what it reveals about that group
            self._settle(slot, answer.group, answer, mark_slot=False)

    def usage(self, key: str, group: str) -> LaneUsage:
        """The lane of (key, group) as it stands; changes nothing."""
        return self.usages([(key, group)])[0]

    def usages(self, lanes: Sequence[tuple[str, str]]) -> list[LaneUsage]:
        """`usage` of each (key, group), in order."""
        return [self._usage(key, group) for key, group in lanes]

    @abstractmethod
    def _usage(self, key: str, group: str) -> LaneUsage: ...

    @abstractmethod
    def _count(self, key: str, group: str, kind: str) -> None:
        """One more `kind` (RATE_LIMITED or REFUSED) for the lane this minute. Never raises:
        it is bookkeeping beside a call whose outcome matters more."""

    @abstractmethod
    def _try_take(self, key: str, group: str, token: str) -> tuple[Slot | None, float]:
        """The slot, or None and the seconds to wait before trying again."""

    @abstractmethod
    def _settle(
        self, slot: Slot, group: str, answer: RateAnswer | None, *, mark_slot: bool = True
    ) -> None: ...

    @abstractmethod
    def _pause(self, key: str, group: str, seconds: float) -> None: ...


# --------------------------------------------------------------------------- in process


@dataclass
class _Lane:
    """The log of one (key, group): slot token → end of its call (or lease end)."""

    entries: dict[str, float] = field(default_factory=dict)
    limit: int | None = None  # as the platform said; None until an answer
    window: float | None = None
    blocked_until: float = 0.0


class LocalRateBudget(RateBudget):
    """The budget kept in this process's memory (thread-safe). Per process only: use
    `RedisRateBudget` whenever several processes call RingCentral for the same users."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._lanes: dict[tuple[str, str], _Lane] = {}
        self._changed = threading.Condition()
        # (key, group, kind) → minute (on the wall clock) → count
        self._events: dict[tuple[str, str, str], dict[int, int]] = {}

    @staticmethod
    def _now() -> float:
        return time.monotonic()

    def _lane(self, key: str, group: str) -> _Lane:
        return self._lanes.setdefault((key, group), _Lane())

    def _try_take(self, key: str, group: str, token: str) -> tuple[Slot | None, float]:
        with self._changed:
            now = self._now()
            lane = self._lane(key, group)
            limit = self.default_limit(group) if lane.limit is None else lane.limit
            window = lane.window or self.window
            margin = self.margin_for(window)
            if lane.blocked_until > now:
                return None, lane.blocked_until - now
            horizon = now - 2 * window - margin
            lane.entries = {t: s for t, s in lane.entries.items() if s > horizon}
            active = sorted(s for s in lane.entries.values() if s > now - window - margin)
            if lane.limit is None and any(s > now for s in active):
                return None, POLL  # limit not confirmed yet: one call at a time
            if len(active) < limit:
                lane.entries[token] = math.inf  # in flight: this process cannot outlive it
                return Slot(key, group, token, now), 0.0
            if limit <= 0:
                return None, window
            freeing = active[len(active) - limit]
            if freeing > now:
                return None, POLL
            return None, max(freeing + window + margin - now, 0.001)

    def _settle(
        self, slot: Slot, group: str, answer: RateAnswer | None, *, mark_slot: bool = True
    ) -> None:
        with self._changed:
            now = self._now()
            lane = self._lane(slot.key, group)
            if mark_slot and slot.token in lane.entries:
                lane.entries[slot.token] = now
            if answer is not None:
                self._learn(lane, slot, answer, now)
            self._changed.notify_all()

    def _learn(self, lane: _Lane, slot: Slot, answer: RateAnswer, now: float) -> None:
        if answer.limit is not None:
            lane.limit = answer.limit
        if answer.window:
            lane.window = answer.window
        window = lane.window or self.window
        margin = self.margin_for(window)
        if answer.retry_after is not None:
            lane.blocked_until = max(lane.blocked_until, now + answer.retry_after + margin)
        if answer.limit is None or answer.remaining is None or now - slot.taken_at > window:
            return  # nothing to compare, or the answer is too old to compare with the log
        used = answer.limit - answer.remaining
        known = sum(1 for s in lane.entries.values() if s > slot.taken_at - window - margin)
        for n in range(used - known):
            lane.entries[f"{slot.token}:seen:{n}"] = now

    def _pause(self, key: str, group: str, seconds: float) -> None:
        with self._changed:
            self._changed.wait(timeout=seconds)

    def _count(self, key: str, group: str, kind: str) -> None:
        minute = int(time.time() // EVENT_BUCKET)
        with self._changed:
            counts = self._events.setdefault((key, group, kind), {})
            counts[minute] = counts.get(minute, 0) + 1
            for old in [m for m in counts if m <= minute - EVENT_BUCKETS]:
                del counts[old]

    def _recent(self, key: str, group: str, kind: str, minute: int) -> int:
        counts = self._events.get((key, group, kind), {})
        return sum(n for m, n in counts.items() if m > minute - EVENT_BUCKETS)

    def _usage(self, key: str, group: str) -> LaneUsage:
        with self._changed:
            now, wall = self._now(), time.time()
            lane = self._lanes.get((key, group)) or _Lane()
            window = lane.window or self.window
            floor = now - window - self.margin_for(window)
            minute = int(wall // EVENT_BUCKET)
            return LaneUsage(
                key=key,
                group=group,
                limit=self.default_limit(group) if lane.limit is None else lane.limit,
                confirmed=lane.limit is not None,
                window=window,
                used=sum(1 for s in lane.entries.values() if s > floor),
                in_flight=sum(1 for s in lane.entries.values() if s > now),
                blocked_until=wall + lane.blocked_until - now if lane.blocked_until > now else None,
                rate_limited=self._recent(key, group, RATE_LIMITED, minute),
                refused=self._recent(key, group, REFUSED, minute),
            )


# --------------------------------------------------------------------------- Redis

# KEYS[1] log (sorted set: slot token → end of its call, or lease end while in flight)
# KEYS[2] state (hash: limit, window — as the platform said —, blocked_until)
# ARGV: token, default limit, default window, margin, margin fraction, lease, poll, probe wait
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[2], 'limit', 'window', 'blocked_until')
local confirmed = state[1] ~= false
local limit = tonumber(state[1] or ARGV[2])
local window = tonumber(state[2] or ARGV[3])
local blocked = tonumber(state[3] or '0')
local margin = math.max(tonumber(ARGV[4]), window * tonumber(ARGV[5]))
local poll = ARGV[7]
local stamp = string.format('%.6f', now)
if blocked > now then
  return {0, string.format('%.6f', blocked - now), stamp}
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%.6f', now - 2 * window - margin))
local floor = string.format('(%.6f', now - window - margin)
local active = redis.call('ZCOUNT', KEYS[1], floor, '+inf')
-- in flight: a lease end still ahead; taken less than `probe wait` ago: lease end beyond
-- now + lease - probe wait
local probing = string.format('(%.6f', now + tonumber(ARGV[6]) - tonumber(ARGV[8]))
if not confirmed and redis.call('ZCOUNT', KEYS[1], probing, '+inf') > 0 then
  return {0, poll, stamp}
end
if active < limit then
  local lease = tonumber(ARGV[6])
  redis.call('ZADD', KEYS[1], string.format('%.6f', now + lease), ARGV[1])
  redis.call('PEXPIRE', KEYS[1], math.ceil((2 * window + margin + lease) * 1000))
  return {1, '0', stamp}
end
if limit <= 0 then
  return {0, string.format('%.6f', window), stamp}
end
local entry = redis.call('ZRANGEBYSCORE', KEYS[1], floor, '+inf', 'WITHSCORES',
                         'LIMIT', active - limit, 1)
local freeing = tonumber(entry[2])
if freeing > now then
  return {0, poll, stamp}
end
return {0, string.format('%.6f', math.max(freeing + window + margin - now, 0.001)), stamp}
"""

# KEYS as above. ARGV: token, mark ('1' to date the slot), taken_at, limit, remaining, window,
# retry_after ('' when the answer had none), default window, margin, margin fraction,
# state ttl, lease
_SETTLE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
if ARGV[2] == '1' and redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  redis.call('ZADD', KEYS[1], 'XX', string.format('%.6f', now), ARGV[1])
end
if ARGV[4] ~= '' then redis.call('HSET', KEYS[2], 'limit', ARGV[4]) end
if ARGV[6] ~= '' then redis.call('HSET', KEYS[2], 'window', ARGV[6]) end
local window = tonumber(redis.call('HGET', KEYS[2], 'window') or ARGV[8])
local margin = math.max(tonumber(ARGV[9]), window * tonumber(ARGV[10]))
if ARGV[7] ~= '' then
  local ends = now + tonumber(ARGV[7]) + margin
  local blocked = tonumber(redis.call('HGET', KEYS[2], 'blocked_until') or '0')
  if ends > blocked then
    redis.call('HSET', KEYS[2], 'blocked_until', string.format('%.6f', ends))
  end
end
local taken = tonumber(ARGV[3])
if ARGV[4] ~= '' and ARGV[5] ~= '' and now - taken <= window then
  local used = tonumber(ARGV[4]) - tonumber(ARGV[5])
  local known = redis.call('ZCOUNT', KEYS[1], string.format('(%.6f', taken - window - margin),
                           '+inf')
  for n = 1, used - known do
    redis.call('ZADD', KEYS[1], string.format('%.6f', now), ARGV[1] .. ':seen:' .. n)
  end
  redis.call('PEXPIRE', KEYS[1], math.ceil((2 * window + margin + tonumber(ARGV[12])) * 1000))
end
redis.call('EXPIRE', KEYS[2], ARGV[11])
return 1
"""


# KEYS[1] counts (hash: '<kind>:<minute>' → count). ARGV: kind, buckets kept, bucket seconds,
# ttl. The minute comes from Redis's clock, like every other time of the budget.
_COUNT = """
local t = redis.call('TIME')
local minute = math.floor(tonumber(t[1]) / tonumber(ARGV[3]))
redis.call('HINCRBY', KEYS[1], ARGV[1] .. ':' .. minute, 1)
for _, name in ipairs(redis.call('HKEYS', KEYS[1])) do
  local at = tonumber(string.match(name, ':(%d+)$'))
  if at and at <= minute - tonumber(ARGV[2]) then redis.call('HDEL', KEYS[1], name) end
end
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1
"""

# KEYS[1] log, KEYS[2] state, KEYS[3] counts. ARGV: default limit, default window, margin,
# margin fraction, buckets kept, bucket seconds. Reads only: the lane is left as it is.
_USAGE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[2], 'limit', 'window', 'blocked_until')
local limit = tonumber(state[1] or ARGV[1])
local window = tonumber(state[2] or ARGV[2])
local blocked = tonumber(state[3] or '0')
local margin = math.max(tonumber(ARGV[3]), window * tonumber(ARGV[4]))
local used = redis.call('ZCOUNT', KEYS[1], string.format('(%.6f', now - window - margin), '+inf')
local in_flight = redis.call('ZCOUNT', KEYS[1], string.format('(%.6f', now), '+inf')
local minute = math.floor(tonumber(t[1]) / tonumber(ARGV[6]))
local limited, refused = 0, 0
local counts = redis.call('HGETALL', KEYS[3])
for i = 1, #counts, 2 do
  local kind, at = string.match(counts[i], '^(.+):(%d+)$')
  if at and tonumber(at) > minute - tonumber(ARGV[5]) then
    if kind == '429' then limited = limited + tonumber(counts[i + 1])
    elseif kind == 'refused' then refused = refused + tonumber(counts[i + 1]) end
  end
end
return {tostring(limit), state[1] ~= false and 1 or 0, string.format('%.6f', window), used,
        in_flight, string.format('%.6f', math.max(blocked - now, 0)), limited, refused}
"""


class RedisRateBudget(RateBudget):
    """The budget in Redis, shared by every process using the same server and `prefix`.

    Each (key, group) has a sorted set (the log) and a hash (what the platform said); both
    are changed only by the Lua scripts above, so taking a slot is one atomic step however
    many processes compete. Key names carry a `{…}` hash tag, so both keys of a (key, group)
    live on the same node of a Redis cluster.

    Redis failures surface as `Unavailable` (transient), like the platform's own.
    """

    def __init__(
        self,
        client: redis.Redis,
        *,
        prefix: str = "rcapi:budget",
        lease: float = LEASE,
        probe_wait: float = PROBE_WAIT,
        state_ttl: int = 86400,
        **options: Any,
    ) -> None:
        super().__init__(**options)
        self.redis = client
        self.prefix = prefix
        self.lease = lease
        self.probe_wait = min(probe_wait, lease)
        self.state_ttl = state_ttl
        self._acquire = client.register_script(_ACQUIRE)
        self._settle_script = client.register_script(_SETTLE)
        self._count_script = client.register_script(_COUNT)
        self._usage_script = client.register_script(_USAGE)

    def keys(self, key: str, group: str) -> list[str]:
        tag = f"{self.prefix}:{{{key}|{group}}}"
        return [f"{tag}:log", f"{tag}:state"]

    def counts_key(self, key: str, group: str) -> str:
        """The lane's counts of 429s and refusals: beside its log, under the same hash tag."""
        return f"{self.prefix}:{{{key}|{group}}}:counts"

    def _count(self, key: str, group: str, kind: str) -> None:
        ttl = (EVENT_BUCKETS + 1) * EVENT_BUCKET
        args: list[str | int | float] = [kind, EVENT_BUCKETS, EVENT_BUCKET, ttl]
        try:
            self._count_script(keys=[self.counts_key(key, group)], args=args)
        except redis.RedisError as exc:
            log.warning("Could not count a %s %s: %s", group, kind, type(exc).__name__)

    def _usage(self, key: str, group: str) -> LaneUsage:
        return self.usages([(key, group)])[0]

    def usages(self, lanes: Sequence[tuple[str, str]]) -> list[LaneUsage]:
        """One round trip for all `lanes` (a pipeline of read-only scripts)."""
        if not lanes:
            return []
        args: list[str | int | float] = [self.window, self.margin, self.margin_fraction]
        args += [EVENT_BUCKETS, EVENT_BUCKET]
        try:
            with self.redis.pipeline(transaction=False) as pipe:
                for key, group in lanes:
                    keys = [*self.keys(key, group), self.counts_key(key, group)]
                    self._usage_script(
                        keys=keys, args=[self.default_limit(group), *args], client=pipe
                    )
                rows = pipe.execute()
        except redis.RedisError as exc:
            raise Unavailable(
                f"the rate budget store is unreachable ({type(exc).__name__})",
                may_have_taken_effect=False,
            ) from exc
        wall = time.time()
        usages = []
        for (key, group), row in zip(lanes, rows, strict=True):
            limit, confirmed, window, used, in_flight, blocked_for, limited, refused = row
            blocked = float(blocked_for)
            usages.append(
                LaneUsage(
                    key=key,
                    group=group,
                    limit=int(float(limit)),
                    confirmed=bool(int(confirmed)),
                    window=float(window),
                    used=int(used),
                    in_flight=int(in_flight),
                    blocked_until=wall + blocked if blocked > 0 else None,
                    rate_limited=int(limited),
                    refused=int(refused),
                )
            )
        return usages

    def _try_take(self, key: str, group: str, token: str) -> tuple[Slot | None, float]:
        args: list[str | int | float] = [token, self.default_limit(group), self.window]
        args += [self.margin, self.margin_fraction, self.lease, POLL, self.probe_wait]
        try:
            granted, delay, now = self._acquire(keys=self.keys(key, group), args=args)
        except redis.RedisError as exc:
            raise Unavailable(
                f"the rate budget store is unreachable ({type(exc).__name__})",
                may_have_taken_effect=False,
            ) from exc
        if int(granted):
            return Slot(key, group, token, float(now)), 0.0
        return None, float(delay)

    def _settle(
        self, slot: Slot, group: str, answer: RateAnswer | None, *, mark_slot: bool = True
    ) -> None:
        def text(value: float | None) -> str:
            return "" if value is None else repr(value)

        seen = answer or RateAnswer(status=0)
        args: list[str | int | float] = [slot.token, "1" if mark_slot else "0", repr(slot.taken_at)]
        args += [text(seen.limit), text(seen.remaining), text(seen.window)]
        args += [text(seen.retry_after), self.window, self.margin, self.margin_fraction]
        args += [self.state_ttl, self.lease]
        try:
            self._settle_script(keys=self.keys(slot.key, group), args=args)
        except redis.RedisError as exc:
            # the call itself is over and may have changed something: failing it now would
            # invite a blind retry. The slot stays counted until its lease ends instead.
            log.warning("Could not settle a %s rate slot: %s", group, type(exc).__name__)

    def _pause(self, key: str, group: str, seconds: float) -> None:
        time.sleep(seconds)
