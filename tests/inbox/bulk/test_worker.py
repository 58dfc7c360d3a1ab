"""A bulk job beside the rest of the RingCentral work, with real workers and the emulator:

* interactive sends that share the admin's rate budget go out while the job still runs, ahead
  of all but the chunk already on its way;
* a job whose worker is SIGKILLed in the middle of a DeleteMessagesByFilter is taken over by a
  new worker and ends with every conversation deleted exactly once: no second delete (which
  would purge) for the conversations of the call that was cut off.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from inbox.bulk import services as bulk_services
from inbox.bulk.services import LEASE
from inbox.models import AuditEntry, BulkDeleteJob, Send
from tests.emulator.factories import make_sms
from tests.inbox.conftest import point_at, sign_in
from tests.inbox.support import availability, own_day, rc_calls
from tests.support.celery_worker import Worker, sending_worker
from tests.support.emulator import RunningEmulator
from tests.support.sends import faults_set, sms_queue, wait_until

pytestmark = pytest.mark.integration

DELETE = "deleteMessageByFilter"
WINDOW = 2.0


def worker_budget_clear(running: RunningEmulator) -> None:
    """Forget what the workers' shared Redis budget learned of this test's people. Each test
    has a fresh emulator, but the budget in Redis outlives it: a limit learned from another
    test's emulator, or the slot of a call a killed worker never settled (counted until its
    lease ends, minutes later), would hold this test's calls back."""
    if not settings.REDIS_URL:
        return  # each worker process has a budget of its own
    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        for which in ("admin", "agent"):
            pattern = f"rcapi:budget:{{ext:{running.user(which)['extension_id']}|*"
            keys = list(client.scan_iter(match=pattern, count=500))
            if keys:
                client.delete(*keys)
    finally:
        client.close()


def conversations_of_a_day(
    running: RunningEmulator, extension: int, count: int
) -> tuple[list[int], dict[str, str]]:
    """`count` one-message conversations of `extension` on a day of their own: their message
    ids, and the list filters that select exactly them."""
    day, filters = own_day()
    message_ids = [
        make_sms(running.db_path, extension, other_number=f"+1209556{n:04d}",
                 text=f"Thread {n}", created_ts=day + 30 * n)
        for n in range(count)
    ]  # fmt: skip
    return message_ids, filters


def job_start(
    client: Client,
    extension: int,
    filters: dict[str, str],
    count: int,
    *,
    before_confirm: Callable[[], None] = lambda: None,
) -> int:
    """Preview every conversation of the filters, then confirm with the count: the job's id."""
    preview = client.post(
        reverse("inbox:bulk_preview", args=[extension]), {"all_matching": "1", **filters}
    )
    assert preview.status_code == 302, preview.content
    job = BulkDeleteJob.objects.latest("id")
    assert job.conversation_count == count
    # without Redis this process and the worker keep rate budgets of their own: let the
    # preview's Medium call (the directory's listExtensions) leave the window first
    time.sleep(WINDOW + 0.2)
    before_confirm()
    client.post(
        reverse("inbox:bulk_job_confirm", args=[extension, job.id]), {"typed_count": str(count)}
    )
    job.refresh_from_db()
    # confirmed: queued, or already taken by a worker that was running when it was queued
    assert job.status in (
        BulkDeleteJob.Status.QUEUED,
        BulkDeleteJob.Status.RUNNING,
        BulkDeleteJob.Status.DONE,
    ), job.status
    return job.id


def job_wait(job_id: int, worker: Worker, *, seconds: float = 120) -> BulkDeleteJob:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = BulkDeleteJob.objects.get(id=job_id)
        if job.status in (BulkDeleteJob.Status.DONE, BulkDeleteJob.Status.FAILED):
            return job
        assert worker.process.poll() is None, worker.output()
        time.sleep(0.1)
    raise AssertionError(f"the job did not end\n{worker.output()}")


@pytest.fixture
def limited(emulator_factory: Any, settings: Any) -> Iterator[RunningEmulator]:
    """An emulator whose Medium group (SMS and deletes alike) takes 1 request per 2 s."""
    running: RunningEmulator = emulator_factory(
        "--rate-limit", "Medium=1", "--rate-window", str(int(WINDOW)), rate_limits=True
    )
    worker_budget_clear(running)
    yield point_at(settings, running)
    worker_budget_clear(running)


@pytest.fixture
def plain(emulator_factory: Any, settings: Any) -> Iterator[RunningEmulator]:
    """An emulator with the platform's rate limits."""
    running: RunningEmulator = emulator_factory(rate_limits=True)
    worker_budget_clear(running)
    yield point_at(settings, running)
    worker_budget_clear(running)


def test_it_lets_the_admins_sends_go_ahead_of_a_running_job(
    transactional_db: None, tmp_path: Path, limited: RunningEmulator
) -> None:
    """The job deletes in an agent's mailbox, calling as the admin; the admin's own sends
    share that budget (it is per calling user), so the job waits for them."""
    client = Client()
    alice = sign_in(client, limited, "admin")
    agent = limited.user("agent")
    mailbox = int(agent["extension_id"])
    count = 250  # five chunks, one every 2 s
    message_ids, filters = conversations_of_a_day(limited, mailbox, count)
    # two threads: the job holds one for its whole slice, the sends take the other; one
    # process, so one rate budget even without Redis
    with sending_worker(tmp_path, limited, name="bulk-sends", pool="threads", concurrency=2) as (
        worker
    ):
        job_id = job_start(client, mailbox, filters, count)
        wait_until(
            lambda: BulkDeleteJob.objects.get(id=job_id).done_count >= 50,
            seconds=30,
            every=0.05,
            what="the first chunk",
        )
        done_before = BulkDeleteJob.objects.get(id=job_id).done_count
        sends = [sms_queue(alice, text=f"Urgent reply {n}") for n in range(2)]

        def submitted() -> bool:
            return all(
                s.status == Send.Status.SUBMITTED
                for s in Send.objects.filter(id__in=[s.id for s in sends])
            )

        wait_until(submitted, seconds=30, every=0.05, what="the sends")
        job = BulkDeleteJob.objects.get(id=job_id)
        done_when_sent = job.done_count
        still_running = job.status == BulkDeleteJob.Status.RUNNING
        job = job_wait(job_id, worker)

    print(
        f"\nsends first: the job had {done_before} of {count} done when the sends were queued, "
        f"{done_when_sent} when both were submitted; it ended {job.status}"
    )
    assert job.status == BulkDeleteJob.Status.DONE, job.last_error
    assert still_running and done_when_sent < count
    # at most the chunk that was already waiting for its slot went before the sends
    assert done_when_sent <= done_before + 50
    assert job.finished_at is not None
    for send in Send.objects.filter(id__in=[s.id for s in sends]):
        assert send.submitted_at is not None and send.submitted_at < job.finished_at
    assert availability(limited, message_ids) == {"Deleted": count}


def test_it_takes_over_a_job_whose_worker_was_killed_and_deletes_each_conversation_once(
    transactional_db: None, tmp_path: Path, plain: RunningEmulator
) -> None:
    running = plain
    client = Client()
    sign_in(client, running, "admin")
    mailbox = int(running.user("admin")["extension_id"])
    count = 150  # three chunks of 50
    message_ids, filters = conversations_of_a_day(running, mailbox, count)
    since = time.time()

    with sending_worker(tmp_path, running, name="bulk-dies") as first:
        # every RingCentral answer now comes 2 s after the request was carried out. The first
        # delete is answered (so the rate budget learns the limit); the worker is killed while
        # the second has taken effect but is not answered yet
        job_id = job_start(
            client,
            mailbox,
            filters,
            count,
            before_confirm=lambda: faults_set(running, hang_rate=1.0, hang_seconds=2),
        )
        wait_until(
            lambda: BulkDeleteJob.objects.get(id=job_id).done_count == 50,
            seconds=30,
            every=0.05,
            what="the first delete answered",
        )
        wait_until(
            lambda: availability(running, message_ids).get("Deleted", 0) == 100,
            seconds=30,
            every=0.05,
            what="the second delete carried out",
        )
        first.kill()
        faults_set(running, hang_rate=0.0)
        job = BulkDeleteJob.objects.get(id=job_id)
        assert job.status == BulkDeleteJob.Status.RUNNING and job.done_count == 50
        assert job.items.filter(state="claimed").count() == 50
        # as if the lease had run out: no worker has beaten for longer than LEASE
        BulkDeleteJob.objects.filter(id=job_id).update(
            heartbeat_at=timezone.now() - LEASE - timedelta(seconds=1)
        )

        with sending_worker(tmp_path, running, name="bulk-dies", queue=first.queue) as second:
            # the job's page polls its progress; that notices the stale heartbeat
            progress = client.get(reverse("inbox:bulk_job_progress", args=[mailbox, job_id]))
            assert progress.status_code == 200
            job = job_wait(job_id, second)

    assert job.status == BulkDeleteJob.Status.DONE, job.last_error
    assert job.done_count == count and job.failed_count == 0
    # the cut-off call is counted once its hang is over
    wait_until(lambda: rc_calls(running, since, DELETE) >= 3, seconds=10, what="the calls")
    time.sleep(1)
    assert rc_calls(running, since, DELETE) == 3
    assert availability(running, message_ids) == {"Deleted": count}  # none purged
    (entry,) = AuditEntry.objects.filter(action=AuditEntry.Action.BULK_DELETE)
    assert entry.outcome == AuditEntry.Outcome.DONE
    assert entry.actor == User.objects.get(rc_extension_id=mailbox)
    assert len(entry.conversation_ids) == count
    assert entry.message_count == count


def _waiting_send(owner: User, extension_id: int) -> Send:
    return Send.objects.create(
        owner=owner, kind=Send.Kind.SMS, account_id=1, extension_id=extension_id,
        idempotency_key=uuid.uuid4(), from_number="+16505550100",
        recipients=["+16505550199"], text="Are you open?", status=Send.Status.QUEUED,
    )  # fmt: skip


@pytest.mark.django_db
def test_it_holds_a_chunk_back_for_the_calling_admins_sends_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The budget is per calling user: a chunk waits for sends of the admin it calls as (and
    of the mailbox it cleans), not for other people's."""
    monkeypatch.setattr(bulk_services, "SEND_YIELD_MAX", 0.6)
    admin = User.objects.create(
        username="admin@example.com", rc_account_id=1, rc_extension_id=11,
        role=User.Role.ADMIN,
    )  # fmt: skip
    other = User.objects.create(username="other@example.com", rc_account_id=1, rc_extension_id=33)
    job = BulkDeleteJob.objects.create(
        owner=admin, actor=admin, account_id=1, extension_id=22, mailbox_label="Agent (ext. 102)"
    )
    run = bulk_services._Run(job, runner="test")

    def held() -> float:
        started = time.monotonic()
        run.wait_for_sends()
        return time.monotonic() - started

    someone_elses = _waiting_send(other, 33)
    assert held() < 0.3
    someone_elses.delete()
    admins = _waiting_send(admin, 11)
    assert held() >= 0.6
    admins.delete()
    _waiting_send(other, 22)  # a send of the mailbox being cleaned
    assert held() >= 0.6


@pytest.mark.django_db(transaction=True)
def test_a_job_ends_together_with_its_audit_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    """The end of a job and its audit entry are one change: a failure writing the entry leaves
    the job running (to be taken over), never done without its entry."""
    admin = User.objects.create(
        username="admin@example.com", rc_account_id=1, rc_extension_id=11,
        role=User.Role.ADMIN,
    )  # fmt: skip
    job = BulkDeleteJob.objects.create(
        owner=admin, actor=admin, account_id=1, extension_id=22, mailbox_label="Agent (ext. 102)",
        status=BulkDeleteJob.Status.RUNNING, conversation_count=1,
    )  # fmt: skip
    job.items.create(position=0, conversation_id=7, message_count=2, state="done")
    run = bulk_services._Run(job, runner="test")

    def entry_refused(**_: Any) -> None:
        raise RuntimeError("the audit table refused the entry")

    with monkeypatch.context() as patch:
        patch.setattr(AuditEntry.objects, "create", entry_refused)
        with pytest.raises(RuntimeError):
            run.finish(BulkDeleteJob.Status.DONE)
    job.refresh_from_db()
    assert job.status == BulkDeleteJob.Status.RUNNING and job.finished_at is None
    assert not AuditEntry.objects.exists()

    run.finish(BulkDeleteJob.Status.DONE)
    job.refresh_from_db()
    assert job.status == BulkDeleteJob.Status.DONE
    assert [(e.action, e.outcome) for e in AuditEntry.objects.all()] == [
        (AuditEntry.Action.BULK_DELETE, AuditEntry.Outcome.DONE)
    ]
