"""The shared rate budget: its sliding-window log, what answers teach it, and the aim it
exists for — no 429 from the platform, and calls finishing close to what the limit allows.

The same behaviour is asked of both budgets: `LocalRateBudget` (in process) and
`RedisRateBudget` (shared by processes; Redis database 15, keys under a unique prefix).
"""

from __future__ import annotations

import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from rcapi import LocalRateBudget, RateBudget, RateLimited, RedisRateBudget, RingCentralClient
from rcapi.budget import RateAnswer
from tests.rcapi.support import (
    budget_key,
    delete_prefix,
    redis_for_tests,
    unique_prefix,
)
from tests.support.emulator import RunningEmulator


def answer(
    limit: int, remaining: int, window: float, status: int = 200, **extra: Any
) -> RateAnswer:
    return RateAnswer(status=status, group="Light", limit=limit, remaining=remaining,
                      window=window, **extra)  # fmt: skip


def take_confirmed(budget: RateBudget, key: str, *, limit: int, window: float) -> None:
    """Take and settle one slot with an answer stating the limit (confirms it)."""
    slot = budget.acquire(key, "Light", wait=False)
    budget.settle(slot, answer(limit, limit - 1, window))


# --------------------------------------------------------------------------- the log


def test_it_hands_out_the_limit_then_refuses_with_the_time_to_wait(make_budget):
    budget = make_budget(window=60.0)
    take_confirmed(budget, "ext:1", limit=3, window=1.0)
    for n in range(2):
        budget.settle(budget.acquire("ext:1", "Light", wait=False), answer(3, 1 - n, 1.0))
    with pytest.raises(RateLimited) as refused:
        budget.acquire("ext:1", "Light", wait=False)
    assert refused.value.status is None  # refused by the budget: nothing was sent
    assert refused.value.group == "Light"
    assert 0.5 < refused.value.retry_after <= 1.06  # the window (1 s) and a 50 ms margin


def test_it_waits_until_the_oldest_slot_leaves_the_window(make_budget):
    budget = make_budget()
    take_confirmed(budget, "ext:1", limit=2, window=1.0)
    budget.settle(budget.acquire("ext:1", "Light", wait=False), answer(2, 0, 1.0))
    started = time.monotonic()
    budget.acquire("ext:1", "Light", wait=True)
    waited = time.monotonic() - started
    assert 0.9 < waited < 1.3


def test_it_gives_up_waiting_at_the_timeout(make_budget):
    budget = make_budget()
    take_confirmed(budget, "ext:1", limit=1, window=5.0)
    started = time.monotonic()
    with pytest.raises(RateLimited):
        budget.acquire("ext:1", "Light", wait=True, timeout=0.3)
    assert time.monotonic() - started < 1.0


def test_it_keeps_keys_and_groups_apart(make_budget):
    budget = make_budget()
    take_confirmed(budget, "ext:1", limit=1, window=30.0)
    with pytest.raises(RateLimited):
        budget.acquire("ext:1", "Light", wait=False)
    budget.acquire("ext:2", "Light", wait=False)
    budget.acquire("ext:1", "Medium", wait=False)


def test_it_lets_one_call_through_until_an_answer_confirms_the_limit(make_budget):
    budget = make_budget()
    first = budget.acquire("ext:1", "Light", wait=False)
    with pytest.raises(RateLimited):
        budget.acquire("ext:1", "Light", wait=False)  # seeded 50, but not confirmed yet
    budget.settle(first, answer(50, 49, 60))
    for _ in range(5):
        budget.acquire("ext:1", "Light", wait=False)


def test_it_stops_waiting_for_a_first_call_whose_process_died() -> None:
    # Redis only: an in-process budget dies with its process, a shared one outlives it
    client = redis_for_tests()
    prefix = unique_prefix()
    try:
        budget = RedisRateBudget(client, prefix=prefix, probe_wait=0.3)
        budget.acquire("ext:1", "Light", wait=False)  # its process dies: never settled
        with pytest.raises(RateLimited):
            budget.acquire("ext:1", "Light", wait=False)
        time.sleep(0.4)
        budget.acquire("ext:1", "Light", wait=False)  # not held for the 300 s lease
        usage = budget.usage("ext:1", "Light")
        assert usage.in_flight == 2  # the dead call still counts until its lease ends
    finally:
        delete_prefix(client, prefix)
        client.close()


def test_it_uses_the_limit_the_platform_states(make_budget):
    budget = make_budget()  # seeded with the documented 50 a minute
    first = budget.acquire("ext:1", "Light", wait=False)
    budget.settle(first, answer(5, 4, 60))
    for _ in range(4):
        budget.acquire("ext:1", "Light", wait=False)
    with pytest.raises(RateLimited):
        budget.acquire("ext:1", "Light", wait=False)


def test_it_counts_requests_the_platform_saw_but_the_budget_did_not(make_budget):
    budget = make_budget()
    first = budget.acquire("ext:1", "Light", wait=False)
    # the platform has counted 8 of 10 (others spent them): 2 left, this call included
    budget.settle(first, answer(10, 2, 60))
    budget.acquire("ext:1", "Light", wait=False)
    budget.acquire("ext:1", "Light", wait=False)
    with pytest.raises(RateLimited):
        budget.acquire("ext:1", "Light", wait=False)


def test_it_blocks_the_group_for_retry_after_on_a_429(make_budget):
    budget = make_budget()
    take_confirmed(budget, "ext:1", limit=50, window=60)
    slot = budget.acquire("ext:1", "Light", wait=False)
    budget.settle(slot, RateAnswer(status=429, group="Light", retry_after=7.0))
    with pytest.raises(RateLimited) as refused:
        budget.acquire("ext:1", "Light", wait=False)
    assert 6.5 < refused.value.retry_after <= 7.7
    budget.acquire("ext:1", "Medium", wait=False)  # other groups go on


def test_it_shares_one_log_between_processes():
    """Two budgets on one Redis stand for two processes (web and worker)."""
    client = redis_for_tests()
    prefix = unique_prefix()
    try:
        web = RedisRateBudget(client, prefix=prefix)
        worker = RedisRateBudget(redis_for_tests(), prefix=prefix)
        web.settle(web.acquire("ext:1", "Light", wait=False), answer(3, 2, 60))
        worker.acquire("ext:1", "Light", wait=False)
        web.acquire("ext:1", "Light", wait=False)
        with pytest.raises(RateLimited):
            worker.acquire("ext:1", "Light", wait=False)
    finally:
        delete_prefix(client, prefix)
        client.close()


def test_it_reads_the_rate_headers_of_an_answer():
    headers = {
        "x-rate-limit-group": "medium",
        "X-Rate-Limit-Limit": "40",
        "X-Rate-Limit-Remaining": "0",
        "X-Rate-Limit-Window": "60",
        "Retry-After": "12",
    }
    seen = RateAnswer.from_response(429, headers)
    assert seen == RateAnswer(429, "Medium", 40, 0, 60.0, 12.0)
    assert RateAnswer.from_response(200, {}).limit is None
    assert RateAnswer.from_response(429, {"X-Rate-Limit-Window": "6"}).retry_after == 6.0


# --------------------------------------------------------------------------- with the platform

CALLS = 200
LIMIT, WINDOW = 20, 2


def minimum_seconds(calls: int, limit: int, window: float) -> float:
    """What the limit allows at best: after the first `limit` calls, each further batch of
    `limit` must wait a whole window."""
    return math.ceil(calls / limit - 1) * window


def listing_429s(running: RunningEmulator) -> tuple[int, int]:
    """(answered, refused with 429) `listMessages` requests in the emulator's log."""
    records = [r for r in running.request_counts()["records"] if r["operation"] == "listMessages"]
    refused = sum(r["count"] for r in records if r["status"] == 429)
    return sum(r["count"] for r in records), refused


def run_calls(clients: list[RingCentralClient], calls: int) -> float:
    """`calls` list calls spread over one thread per client, as fast as they may go."""
    counter = iter(range(calls))
    lock = threading.Lock()

    def worker(client: RingCentralClient) -> None:
        while True:
            with lock:
                if next(counter, None) is None:
                    return
            client.list_messages(per_page=1)

    started = time.monotonic()
    with ThreadPoolExecutor(len(clients)) as pool:
        for future in [pool.submit(worker, client) for client in clients]:
            future.result()
    return time.monotonic() - started


def limited_emulator(emulator_factory: Any) -> RunningEmulator:
    running: RunningEmulator = emulator_factory(
        "--rate-limit", f"Light={LIMIT}", "--rate-window", str(WINDOW),
        "--rate-penalty", str(WINDOW), rate_limits=True,
    )  # fmt: skip
    return running


def clients_sharing(running: RunningEmulator, budgets: list[RateBudget], threads: int):
    token = running.token("agent")["access_token"]
    return [
        RingCentralClient(running.url, token, budget=budgets[n % len(budgets)],
                          budget_key=budget_key(running, "agent"))
        for n in range(threads)
    ]  # fmt: skip


def assert_fast_and_never_refused(running: RunningEmulator, elapsed: float) -> None:
    answered, refused = listing_429s(running)
    least = minimum_seconds(CALLS, LIMIT, WINDOW)
    print(f"{CALLS} calls in {elapsed:.2f} s; the limit allows {least:.0f} s at best")
    assert refused == 0
    assert answered == CALLS
    assert least <= elapsed <= least * 1.10


@pytest.mark.rate_timing
def test_it_keeps_a_local_budget_below_the_limit_and_close_to_it(emulator_factory):
    running = limited_emulator(emulator_factory)
    clients = clients_sharing(running, [LocalRateBudget()], threads=8)
    elapsed = run_calls(clients, CALLS)
    assert_fast_and_never_refused(running, elapsed)


@pytest.mark.rate_timing
def test_it_keeps_a_shared_redis_budget_below_the_limit_and_close_to_it(emulator_factory):
    client = redis_for_tests()
    prefix = unique_prefix()
    try:
        running = limited_emulator(emulator_factory)
        # two budget objects with their own connections: a web and a worker process
        budgets: list[RateBudget] = [
            RedisRateBudget(client, prefix=prefix),
            RedisRateBudget(redis_for_tests(), prefix=prefix),
        ]
        elapsed = run_calls(clients_sharing(running, budgets, threads=8), CALLS)
        assert_fast_and_never_refused(running, elapsed)
    finally:
        delete_prefix(client, prefix)
        client.close()


def test_it_learns_a_lower_limit_from_the_first_answer(emulator_factory):
    running = emulator_factory(
        "--rate-limit", "Light=5", "--rate-window", "1", "--rate-penalty", "5",
        rate_limits=True,
    )  # fmt: skip
    budget = LocalRateBudget()  # seeded with the documented Light limit: 50
    clients = clients_sharing(running, [budget], threads=6)
    elapsed = run_calls(clients, 30)
    answered, refused = listing_429s(running)
    assert refused == 0
    assert answered == 30
    assert elapsed >= minimum_seconds(30, 5, 1)
