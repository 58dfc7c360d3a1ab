"""The back-fill with a real Celery worker: beat's round enqueues the first step, and the chain
of tasks the worker runs (each one page, each enqueueing the next with its countdown) brings a
mailbox's whole history into the index.

The worker takes the test's history tasks (`HISTORY_TASK_QUEUE` names its queue here and in
its environment) and shares this process's cache under a key prefix of the test's own."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from accounts.models import User
from inbox.history.services import mailboxes_history_due
from inbox.models import MailboxSync
from inbox.ringcentral import HISTORY_START
from tests.inbox.conftest import extension_of, point_at, signed_in
from tests.inbox.history.support import at_ringcentral, in_index, old_messages, spread
from tests.inbox.index.conftest import sync
from tests.support.celery_worker import Worker, cache_shared_with_workers, sending_worker
from tests.support.emulator import RunningEmulator
from tests.support.sends import request_count, wait_until


@pytest.fixture
def rc(settings: Any, emulator_factory: Any) -> RunningEmulator:
    return point_at(settings, emulator_factory())


@pytest.fixture
def worker(tmp_path: Path, rc: RunningEmulator, settings: Any) -> Iterator[Worker]:
    queue = f"history-{uuid.uuid4().hex[:12]}"
    with cache_shared_with_workers() as prefix:
        environment = {"CACHE_KEY_PREFIX": prefix, "HISTORY_TASK_QUEUE": queue}
        with sending_worker(tmp_path, rc, name="history", env=environment, queue=queue) as started:
            settings.HISTORY_TASK_QUEUE = queue
            yield started


def test_the_task_chain_back_fills_a_mailbox(
    rc: RunningEmulator, worker: Worker, transactional_db: None
) -> None:
    signed_in(rc, "agent")
    bob = User.objects.get(rc_extension_id=extension_of(rc, "agent"))
    old_messages(rc, bob, spread(1_500, newest_days_ago=35, days=400))
    sync(bob)
    assert bob.rc_extension_id is not None
    state = MailboxSync.objects.get(extension_id=bob.rc_extension_id)
    assert state.index_window_start is not None
    older = at_ringcentral(rc, bob, before=state.index_window_start)

    assert mailboxes_history_due() == 1

    def done() -> bool:
        assert worker.process.poll() is None, f"the worker stopped:\n{worker.output()}"
        state.refresh_from_db()
        return state.history_done_at is not None

    wait_until(done, seconds=90, every=0.3, what=f"the back-fill:\n{worker.output()}")
    assert in_index(bob, before=state.index_window_start) == older
    assert state.history_start == HISTORY_START and state.history_messages == len(older)
    assert state.history_calls == len(older) // 1000 + 1
    assert request_count(rc, operation="listMessages", status=200) == state.history_calls
    assert request_count(rc, status=429) == 0
