"""Reading a lane of the rate budget for display: the limit in force, the slots counted in the
window, a 429 block's end, and the 429s and refusals of the last hour — for both budgets, and
without changing the lane.
"""

from __future__ import annotations

import copy
import time
from typing import Any

import pytest

from rcapi import LocalRateBudget, RateBudget, RateLimited, RedisRateBudget
from rcapi.budget import EVENT_BUCKET, RATE_LIMITED, RateAnswer
from tests.rcapi.conftest import BudgetFactory
from tests.rcapi.support import (
    budget_key,
    client_for,
    count_of,
    delete_prefix,
    redis_for_tests,
    set_faults,
    unique_prefix,
)
from tests.support.emulator import RunningEmulator


def answer(limit: int, remaining: int, window: float, **extra: Any) -> RateAnswer:
    return RateAnswer(status=200, group="Light", limit=limit, remaining=remaining,
                      window=window, **extra)  # fmt: skip


def snapshot(budget: RateBudget) -> Any:
    """Everything the budget keeps, to compare before and after a read."""
    if isinstance(budget, RedisRateBudget):
        keys = sorted(budget.redis.scan_iter(match=f"{budget.prefix}:*", count=500))
        return {key: budget.redis.dump(key) for key in keys}
    assert isinstance(budget, LocalRateBudget)
    return copy.deepcopy((budget._lanes, budget._events))


def test_it_shows_an_untouched_lane_with_the_seeded_limit(make_budget):
    budget = make_budget()
    before = snapshot(budget)
    usage = budget.usage("ext:1", "Medium")
    assert (usage.limit, usage.confirmed, usage.window) == (40, False, 60.0)
    assert (usage.used, usage.in_flight, usage.remaining) == (0, 0, 40)
    assert usage.headroom == 1.0
    assert usage.blocked_until is None
    assert (usage.rate_limited, usage.refused) == (0, 0)
    assert snapshot(budget) == before  # reading made no lane


def test_it_counts_settled_and_in_flight_slots_against_the_stated_limit(make_budget):
    budget = make_budget()
    budget.settle(budget.acquire("ext:1", "Light", wait=False), answer(5, 4, 30))
    budget.settle(budget.acquire("ext:1", "Light", wait=False), answer(5, 3, 30))
    budget.acquire("ext:1", "Light", wait=False)  # still in flight
    usage = budget.usage("ext:1", "Light")
    assert (usage.limit, usage.confirmed, usage.window) == (5, True, 30.0)
    assert (usage.used, usage.in_flight, usage.remaining) == (3, 1, 2)
    assert usage.headroom == pytest.approx(0.4)
    assert budget.usage("ext:2", "Light").used == 0  # other keys and groups apart
    assert budget.usage("ext:1", "Medium").used == 0


def test_it_changes_nothing_when_read(make_budget):
    budget = make_budget()
    budget.settle(budget.acquire("ext:1", "Light", wait=False), answer(2, 1, 60))
    budget.acquire("ext:1", "Light", wait=False)
    before = snapshot(budget)
    for _ in range(5):
        assert budget.usage("ext:1", "Light").remaining == 0
    assert snapshot(budget) == before
    with pytest.raises(RateLimited):
        budget.acquire("ext:1", "Light", wait=False)


def test_it_shows_a_429_block_and_counts_429s_and_refusals(make_budget):
    budget = make_budget()
    budget.settle(budget.acquire("ext:1", "Light", wait=False), answer(50, 49, 60))
    slot = budget.acquire("ext:1", "Light", wait=False)
    budget.settle(slot, RateAnswer(status=429, group="Light", retry_after=7.0))
    for _ in range(3):
        with pytest.raises(RateLimited):
            budget.acquire("ext:1", "Light", wait=False)
    usage = budget.usage("ext:1", "Light")
    assert usage.blocked_until is not None
    assert 6.5 < usage.blocked_until - time.time() <= 7.7
    assert usage.headroom == 0.0
    assert (usage.rate_limited, usage.refused) == (1, 3)
    medium = budget.usage("ext:1", "Medium")
    assert (medium.blocked_until, medium.rate_limited, medium.refused) == (None, 0, 0)


def test_it_counts_a_429_in_the_group_the_platform_named(make_budget):
    budget = make_budget()
    slot = budget.acquire("ext:1", "Light", wait=False)
    budget.settle(slot, RateAnswer(status=429, group="Medium", retry_after=5.0))
    assert budget.usage("ext:1", "Medium").rate_limited == 1
    assert budget.usage("ext:1", "Light").rate_limited == 0


def test_it_reads_many_lanes_in_order(make_budget):
    budget = make_budget()
    heavy = RateAnswer(status=200, group="Heavy", limit=10, remaining=9, window=60)
    budget.settle(budget.acquire("ext:1", "Heavy", wait=False), heavy)
    lanes = [("ext:1", group) for group in ("Light", "Medium", "Heavy", "Auth")]
    usages = budget.usages(lanes)
    assert [(u.key, u.group) for u in usages] == lanes
    assert [u.used for u in usages] == [0, 0, 1, 0]
    assert [u.limit for u in usages] == [50, 40, 10, 5]
    assert budget.usages([]) == []


def test_it_forgets_local_429s_older_than_an_hour(monkeypatch: pytest.MonkeyPatch) -> None:
    budget = LocalRateBudget()
    an_hour_ago = time.time() - 3600
    with monkeypatch.context() as patched:
        patched.setattr(time, "time", lambda: an_hour_ago)
        slot = budget.acquire("ext:1", "Light", wait=False)
        budget.settle(slot, RateAnswer(status=429, group="Light", retry_after=0.01))
    with monkeypatch.context() as patched:
        patched.setattr(time, "time", lambda: an_hour_ago + 3600 - EVENT_BUCKET)
        assert budget.usage("ext:1", "Light").rate_limited == 1  # 59 minutes on: still in
    assert budget.usage("ext:1", "Light").rate_limited == 0


def test_it_forgets_redis_429s_older_than_an_hour() -> None:
    client = redis_for_tests()
    prefix = unique_prefix()
    try:
        budget = RedisRateBudget(client, prefix=prefix)
        now = client.time()
        assert isinstance(now, tuple)
        minute = int(now[0]) // EVENT_BUCKET
        counts = budget.counts_key("ext:1", "Light")
        # written as the budget writes them: one counter per minute, Redis's clock
        client.hset(counts, f"{RATE_LIMITED}:{minute - 60}", "5")
        client.hset(counts, f"{RATE_LIMITED}:{minute - 58}", "2")
        assert budget.usage("ext:1", "Light").rate_limited == 2
        budget._count("ext:1", "Light", RATE_LIMITED)
        assert budget.usage("ext:1", "Light").rate_limited == 3
        assert client.hget(counts, f"{RATE_LIMITED}:{minute - 60}") is None  # dropped
        ttl = client.ttl(counts)
        assert isinstance(ttl, int) and 0 < ttl <= 61 * EVENT_BUCKET
    finally:
        delete_prefix(client, prefix)
        client.close()


# --------------------------------------------------------------------------- with the platform


def test_it_counts_the_platforms_429_and_the_refusals_that_follow(
    make_budget: BudgetFactory, fresh_emulator: RunningEmulator
) -> None:
    budget = make_budget()
    key = budget_key(fresh_emulator, "agent")
    agent_id = fresh_emulator.user("agent")["extension_id"]
    with client_for(fresh_emulator, "agent", budget=budget, wait_for_slot=False) as agent:
        agent.get_extension()  # a Light call answered: the lane knows the platform's limit
        set_faults(fresh_emulator, forced_429=[{"extension_id": agent_id, "group": "Light"}])
        with pytest.raises(RateLimited) as from_platform:
            agent.list_messages()
        with pytest.raises(RateLimited) as from_budget:
            agent.list_messages()
        agent.list_extensions()  # Medium goes on
    assert from_platform.value.status == 429
    assert from_budget.value.status is None
    assert count_of(fresh_emulator, status=429) == 1
    light = budget.usage(key, "Light")
    assert (light.rate_limited, light.refused) == (1, 1)
    assert light.blocked_until is not None and light.blocked_until > time.time() + 30
    assert light.remaining == 0  # the 429 said so (X-Rate-Limit-Remaining: 0)
    assert light.headroom == 0.0
    medium = budget.usage(key, "Medium")
    assert (medium.used, medium.rate_limited, medium.blocked_until) == (1, 0, None)
