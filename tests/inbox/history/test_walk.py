"""The back-fill against the emulator over HTTP (`inbox.history.services.history_step`, run here
step after step as the worker's chain runs them): every message older than the sync's window
ends in the index with its availability, a page boundary inside one second loses and doubles
nothing, the walk waits while its user's Light lane is busy and makes no call meanwhile, never
meets a 429 at RingCentral's limits, and an FSync after it keeps the history."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

import accounts.services
from accounts.models import User
from emulator.archive import OldSms
from inbox.history import services
from inbox.history.services import DONE, RUNNING, WAITING, history_step
from inbox.index.selectors import index_page, index_state_get
from inbox.models import IndexedConversation, MailboxSync
from inbox.ringcentral import HISTORY_START
from rcapi import LocalRateBudget
from tests.inbox.conftest import point_at, signed_in
from tests.inbox.history.support import (
    at_ringcentral,
    in_index,
    mailbox_of,
    old_messages,
    spread,
    state_of,
    walk,
)
from tests.inbox.index.conftest import sync
from tests.inbox.support import rc_calls
from tests.support.emulator import RunningEmulator
from tests.support.sends import TaskRecorder, request_count, wait_until


def window_start_of(user: User) -> Any:
    start = state_of(user).index_window_start
    assert start is not None
    return start


def test_it_back_fills_every_message_older_than_the_window(
    fresh_rc: RunningEmulator, bob: User
) -> None:
    old_messages(fresh_rc, bob, spread(2_500, newest_days_ago=40, days=600))
    sync(bob)  # the first sync fills the window
    window_start = window_start_of(bob)
    older = at_ringcentral(fresh_rc, bob, before=window_start)
    assert len(older) > 2_500  # the demo's own older messages too: more than two pages

    since = time.time()
    steps = walk(bob)

    assert [s.status for s in steps] == [RUNNING] * (len(steps) - 1) + [DONE]
    assert len(steps) == len(older) // services.PER_PAGE + 1
    assert rc_calls(fresh_rc, since, "listMessages") == len(steps)
    assert in_index(bob, before=window_start) == older  # every one, with its availability
    state = state_of(bob)
    assert state.history_done_at is not None and state.history_start == HISTORY_START
    assert state.history_messages == len(older) and state.history_calls == len(steps)
    assert state.history_cursor is None and state.history_error == ""
    index = index_state_get(account_id=mailbox_of(bob)[0], extension_id=mailbox_of(bob)[1])
    assert index.covers(HISTORY_START) and index.window_start == window_start
    # a list of the oldest year now comes from the index, as RingCentral would give it
    account_id, extension_id = mailbox_of(bob)
    alive_threads = {
        (row.thread_kind, row.thread_id)
        for row in IndexedConversation.objects.filter(
            account_id=account_id, extension_id=extension_id
        )
    }
    page = index_page(
        account_id=account_id,
        extension_id=extension_id,
        date_from=HISTORY_START,
        per_page=1000,
    )
    assert page.total == len(alive_threads)


def test_a_page_boundary_inside_one_second_loses_and_doubles_nothing(
    fresh_rc: RunningEmulator, bob: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "PER_PAGE", 5)
    sync(bob)
    window_start = window_start_of(bob)
    second = (window_start - timedelta(days=3)).timestamp()
    crowd = [
        OldSms(other=f"+120955599{n:02d}", text=f"Same second {n}", created_ts=second,
               inbound=True)
        for n in range(12)
    ]  # fmt: skip
    around = [
        OldSms(other="+12095559900", text=f"Around {n}", created_ts=second + offset,
               inbound=False)
        for n, offset in enumerate((3600.0, 1.0, -1.0, -60.0, -86400.0))
    ]  # fmt: skip
    ids = set(old_messages(fresh_rc, bob, crowd + around))
    older = at_ringcentral(fresh_rc, bob, before=window_start)

    pages: list[int] = []
    steps: list[services.Step] = []
    while not steps or steps[-1].next_phase is not None:
        account_id, extension_id = mailbox_of(bob)
        steps.append(history_step(account_id=account_id, extension_id=extension_id))
        pages.append(state_of(bob).history_page)

    assert steps[-1].status == DONE
    assert max(pages) >= 3  # 12 in one second: the cursor stayed while the pages moved on
    indexed = in_index(bob, before=window_start)
    assert ids <= set(indexed) and indexed == older
    state = state_of(bob)
    assert state.history_messages == len(older)  # each counted once, the boundary's too
    assert sum(s.added for s in steps) == len(older)


@pytest.fixture
def small_lane(monkeypatch: pytest.MonkeyPatch) -> LocalRateBudget:
    """A Light limit of 4 in a window of 1.5 s: the back-fill may take 2 of them."""
    budget = LocalRateBudget(
        limits={"Light": 4, "Medium": 40, "Heavy": 10, "Auth": 100}, window=1.5
    )
    monkeypatch.setattr(accounts.services, "rate_budget", lambda: budget)
    return budget


def test_it_waits_while_the_light_lane_is_busy_and_goes_on_after(
    fresh_rc: RunningEmulator, bob: User, small_lane: LocalRateBudget
) -> None:
    sync(bob)
    key = accounts.services.budget_key(mailbox_of(bob)[1])
    # pages of the mailbox's user: two calls in the window, half of the limit
    for _ in range(2):
        small_lane.settle(small_lane.acquire(key, "Light", wait=False), None)
    account_id, extension_id = mailbox_of(bob)
    since = time.time()

    waiting = history_step(account_id=account_id, extension_id=extension_id)

    assert waiting.status == WAITING and waiting.next_phase == "walk"
    assert 0 < waiting.countdown <= 1.5
    assert rc_calls(fresh_rc, since, "listMessages") == 0
    assert state_of(bob).history_calls == 0

    def went_on() -> bool:
        step = history_step(account_id=account_id, extension_id=extension_id)
        return step.status != WAITING

    wait_until(went_on, seconds=10, every=0.1, what="the lane's slots to free")
    assert rc_calls(fresh_rc, since, "listMessages") == 1
    assert state_of(bob).history_calls == 1


@pytest.fixture
def limited_rc(settings: Any, emulator_factory: Any, db: None) -> RunningEmulator:
    """An emulator with RingCentral's limits on, a Light limit of 10 a 3 s window."""
    running = emulator_factory(
        "--rate-limit", "Light=10", "--rate-window", "3", "--rate-penalty", "3",
        "--rate-limit", "Auth=100",
        rate_limits=True,
    )  # fmt: skip
    return point_at(settings, running)


@pytest.fixture
def default_budget(monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalRateBudget]:
    """The documented default limits until RingCentral states its own (as in production)."""
    budget = LocalRateBudget()
    monkeypatch.setattr(accounts.services, "rate_budget", lambda: budget)
    yield budget


def test_it_never_meets_a_429_at_ringcentrals_limits(
    limited_rc: RunningEmulator,
    default_budget: LocalRateBudget,
    recorded: TaskRecorder,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(services, "PER_PAGE", 50)
    browser = signed_in(limited_rc, "agent")
    bob = User.objects.get(rc_extension_id=limited_rc.user("agent")["extension_id"])
    old_messages(limited_rc, bob, spread(400, newest_days_ago=45, days=300))
    sync(bob)
    account_id, extension_id = mailbox_of(bob)
    conversations = f"/inbox/{extension_id}/conversations/"
    phase, page, steps = "walk", 1, 0
    while phase is not None:
        step = history_step(
            account_id=account_id, extension_id=extension_id, phase=phase, page=page
        )
        steps += 1
        # the person works the mailbox meanwhile: their pages take the same Light lane
        browser.get(conversations, {"start": "2010-01-01", "end": "2010-01-02"})
        time.sleep(step.countdown)  # as the task's countdown would
        phase, page = step.next_phase, step.next_page  # type: ignore[assignment]
        assert steps < 200

    assert state_of(bob).history_done_at is not None
    assert request_count(limited_rc, status=429) == 0
    assert request_count(limited_rc, operation="listMessages", status=200) > 400 // 50


def test_an_fsync_after_the_back_fill_keeps_the_history(
    fresh_rc: RunningEmulator, bob: User
) -> None:
    old_messages(fresh_rc, bob, spread(300, newest_days_ago=50, days=200))
    sync(bob)
    walk(bob)
    window_start = window_start_of(bob)
    history = in_index(bob, before=window_start)
    account_id, extension_id = mailbox_of(bob)
    MailboxSync.objects.filter(account_id=account_id, extension_id=extension_id).update(
        sync_token="not-a-token"
    )

    outcome = sync(bob)

    assert outcome.full
    assert in_index(bob, before=window_start) == history
    state = state_of(bob)
    assert state.history_start == HISTORY_START and state.history_done_at is not None
    assert index_state_get(account_id=account_id, extension_id=extension_id).covers(HISTORY_START)


def test_a_page_read_while_another_step_moved_the_walk_counts_for_nothing(
    fresh_rc: RunningEmulator, bob: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    old_messages(fresh_rc, bob, spread(20, newest_days_ago=45, days=30))
    sync(bob)
    window_start = window_start_of(bob)
    account_id, extension_id = mailbox_of(bob)
    real_list = services._list
    elsewhere = window_start - timedelta(days=1)

    def overtaken(*args: Any, **kwargs: Any) -> Any:
        answer = real_list(*args, **kwargs)
        # another step of the mailbox took its page meanwhile
        MailboxSync.objects.filter(account_id=account_id, extension_id=extension_id).update(
            history_cursor=elsewhere, history_page=1
        )
        return answer

    monkeypatch.setattr(services, "_list", overtaken)

    step = history_step(account_id=account_id, extension_id=extension_id)

    assert step.status == RUNNING and step.next_phase == "walk"
    assert in_index(bob, before=window_start) == {}
    state = state_of(bob)
    assert state.history_cursor == elsewhere and state.history_start is None
    assert state.history_messages == 0
