"""PostgreSQL drops every connection of the workers while they send and while they run a bulk
delete: `pg_terminate_backend` on each backend of the test database but this process's own,
as a database restart or a failover would.

The moments are chosen by progress counters (sends submitted, conversations deleted), and the
emulator's Medium limit paces the work, so that at each of them the worker still has work to
do, and so a statement to make on a connection that is gone: the limit decides, not the timing.

SQLite has no server whose connections could drop, so these tests need DATABASE_URL to name
PostgreSQL: `make faults` with it set, as CI should run it; on SQLite they are skipped, saying so.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connection, transaction
from django.test import Client

from inbox.models import AuditEntry, BulkDeleteItem, BulkDeleteJob, Send
from tests.inbox.bulk.test_worker import conversations_of_a_day, job_start
from tests.inbox.conftest import point_at, sign_in
from tests.inbox.support import availability, rc_calls
from tests.support.celery_worker import celery_beat, sending_worker
from tests.support.sends import outbound, request_count, sms_queue, wait_until

pytestmark = [
    pytest.mark.faults,
    pytest.mark.integration,
    pytest.mark.skipif(
        "postgresql" not in django_settings.DATABASES["default"]["ENGINE"],
        reason="drops PostgreSQL's connections: run it with DATABASE_URL=postgres://…",
    ),
]

WINDOW = 2


def backends_terminate() -> int:
    """End every other connection to the test database; how many there were."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        row = cursor.fetchone()
    assert row is not None
    return int(row[0])


# recovery as soon as a send is 3 s overdue, looked for every second; a claim held 10 s
# without an answer (the emulator answers in milliseconds) lost its worker
RECOVERY = {"SEND_OVERDUE_SECONDS": "3", "SEND_RECOVER_EVERY": "1", "SEND_LEASE_SECONDS": "10"}


def reached(counter: Callable[[], int], mark: int) -> bool:
    return counter() >= mark


def test_it_sends_every_sms_once_when_the_database_drops_its_connections(
    transactional_db: None, tmp_path: Path, settings: Any, emulator_factory: Any
) -> None:
    rc = point_at(
        settings,
        emulator_factory(
            *("--rate-limit", "Medium=20", "--rate-window", str(WINDOW)),
            *("--rate-penalty", str(WINDOW), "--sms-step", "0.3"),
            rate_limits=True,
        ),
    )
    bob = sign_in(Client(), rc, "agent")
    count, drops_at = 80, (20, 40, 60)
    with (
        sending_worker(
            tmp_path, rc, name="db-drops", env=RECOVERY, pool="threads", concurrency=4
        ) as worker,
        celery_beat(tmp_path, worker, env=RECOVERY) as beat_log,
    ):
        texts = [f"Dropped {uuid.uuid4().hex[:8]} #{n}" for n in range(count)]
        with transaction.atomic():
            ids = [sms_queue(bob, text=text).pk for text in texts]
        started = time.monotonic()
        sends = Send.objects.filter(pk__in=ids)

        def submitted() -> int:
            assert worker.process.poll() is None, worker.output()
            return sends.filter(status=Send.Status.SUBMITTED).count()

        dropped = []
        for mark in drops_at:
            wait_until(partial(reached, submitted, mark), seconds=60, what=worker.output())
            dropped.append(backends_terminate())
        wait_until(
            lambda: submitted() == count,
            seconds=90,
            every=0.25,
            what=f"{worker.output()}\n{beat_log.read_text(errors='replace')[-2000:]}",
        )
        drained = time.monotonic() - started

    rows = list(sends)
    store = Counter(m.get("subject", "") for m in outbound(rc, "agent"))
    print(
        f"\nconnections dropped during sends: {count} SMS; every connection of the workers "
        f"ended when {', '.join(map(str, drops_at))} were submitted ({dropped} backends); "
        f"all submitted after {drained:.1f} s (the limit allows {count / 20 * WINDOW:.0f} s); "
        f"{sum(1 for s in rows if s.attempts > 1)} sends took more than one try; "
        f"{request_count(rc, status=429)} answers 429"
    )
    assert all(n > 0 for n in dropped)
    assert all(s.status == Send.Status.SUBMITTED for s in rows)
    assert all(store[text] == 1 for text in texts)
    assert len({s.rc_message_id for s in rows}) == count
    assert request_count(rc, operation="createSMSMessage", status=200) == count


def test_it_finishes_a_bulk_delete_when_the_database_drops_its_connections(
    transactional_db: None, tmp_path: Path, settings: Any, emulator_factory: Any
) -> None:
    # one delete call per 2 s: after each chunk the job waits for its next slot, holding
    # the connection that is about to end
    rc = point_at(
        settings,
        emulator_factory(
            "--rate-limit", "Medium=1", "--rate-window", str(WINDOW), rate_limits=True
        ),
    )
    client = Client()
    sign_in(client, rc, "admin")
    mailbox = int(rc.user("admin")["extension_id"])
    count = 200  # four chunks of 50
    message_ids, filters = conversations_of_a_day(rc, mailbox, count)
    since = time.time()
    with sending_worker(tmp_path, rc, name="db-drops-bulk", pool="threads", concurrency=2) as (
        worker
    ):
        job_id = job_start(client, mailbox, filters, count)
        started = time.monotonic()
        job = BulkDeleteJob.objects.filter(id=job_id)
        dropped = []
        for mark in (50, 100):
            wait_until(
                partial(reached, lambda: job.get().done_count, mark),
                seconds=60,
                every=0.05,
                what=worker.output(),
            )
            dropped.append(backends_terminate())

        def ended() -> bool:
            assert worker.process.poll() is None, worker.output()
            return job.get().status in (BulkDeleteJob.Status.DONE, BulkDeleteJob.Status.FAILED)

        wait_until(ended, seconds=90, every=0.1, what=worker.output())
        took = time.monotonic() - started

    finished = job.get()
    deletes = rc_calls(rc, since, "deleteMessageByFilter")
    print(
        f"\nconnections dropped during a bulk delete of {count} conversations (one delete call "
        f"per {WINDOW} s): every connection of the worker ended after 50 and 100 were deleted "
        f"({dropped} backends); the job ended {finished.status} after {took:.1f} s with "
        f"{finished.done_count} done, {finished.failed_count} failed, in {deletes} delete calls"
    )
    assert all(n > 0 for n in dropped)
    assert finished.status == BulkDeleteJob.Status.DONE, finished.last_error
    assert finished.done_count == count and finished.failed_count == 0
    assert not finished.items.exclude(state=BulkDeleteItem.State.DONE).exists()
    assert availability(rc, message_ids) == {"Deleted": count}  # each once: none purged
    (entry,) = AuditEntry.objects.filter(action=AuditEntry.Action.BULK_DELETE)
    assert entry.outcome == AuditEntry.Outcome.DONE and len(entry.conversation_ids) == count
