"""How a bulk job's progress reads: plain sentences, the same on the page and in the JSON the
page polls; a pace only while the job runs and only when it means something."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from inbox.bulk.selectors import bulk_job_progress
from inbox.models import BulkDeleteJob
from tests.inbox.conftest import extension_of
from tests.support.emulator import RunningEmulator

Status = BulkDeleteJob.Status
Action = BulkDeleteJob.Action
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.get_fixed_timezone(0))


def job_at(
    *,
    action: str = Action.DELETE,
    status: str = Status.RUNNING,
    total: int = 150,
    done: int = 0,
    failed: int = 0,
    ran_for: float | None = None,
    finished: bool = False,
) -> BulkDeleteJob:
    """A job (not saved) that started `ran_for` seconds before NOW."""
    started = NOW - timedelta(seconds=ran_for) if ran_for is not None else None
    return BulkDeleteJob(
        action=action,
        status=status,
        conversation_count=total,
        done_count=done,
        failed_count=failed,
        started_at=started,
        finished_at=NOW if finished else None,
    )


def test_it_says_a_finished_deletion_plainly() -> None:
    job = job_at(status=Status.DONE, total=53, done=53, ran_for=0.0484, finished=True)

    progress = bulk_job_progress(job=job, now=NOW)

    assert progress.heading == "Deletion finished"
    assert progress.counts == "53 of 53 conversations deleted"
    assert progress.pace == ""  # the job is over: no rate


@pytest.mark.parametrize(
    ("action", "status", "heading"),
    [
        (Action.DELETE, Status.QUEUED, "Deletion queued"),
        (Action.DELETE, Status.RUNNING, "Deleting conversations…"),
        (Action.DELETE, Status.CANCELLING, "Cancelling the deletion…"),
        (Action.DELETE, Status.CANCELLED, "Deletion cancelled"),
        (Action.DELETE, Status.FAILED, "Deletion stopped"),
        (Action.RESTORE, Status.RUNNING, "Restoring conversations…"),
        (Action.RESTORE, Status.DONE, "Restore finished"),
        (Action.PURGE, Status.RUNNING, "Purging conversations…"),
        (Action.PURGE, Status.DONE, "Purge finished"),
    ],
)
def test_it_heads_the_progress_by_action_and_status(action: str, status: str, heading: str) -> None:
    assert bulk_job_progress(job=job_at(action=action, status=status), now=NOW).heading == heading


def test_it_counts_with_the_actions_own_verb_and_the_failures() -> None:
    restore = job_at(action=Action.RESTORE, status=Status.DONE, total=1, done=1, finished=True)
    purge = job_at(action=Action.PURGE, total=2000, done=1200, failed=3, ran_for=60)

    assert bulk_job_progress(job=restore, now=NOW).counts == "1 of 1 conversation restored"
    assert bulk_job_progress(job=purge, now=NOW).counts == (
        "1,200 of 2,000 conversations purged, 3 failed"
    )


@pytest.mark.parametrize(
    ("done", "ran_for", "pace"),
    [
        (50, 10, "About 5 a second; about 20 seconds left"),
        (100, 0.0914, ""),  # a first chunk, moments after the start: no rate worth showing
        (0, 10, ""),  # nothing finished yet
        (30, 120, "About 15 a minute; about 8 minutes left"),
        (1, 3600, "About 1 an hour; about 149 hours left"),
        (149, 136.2, "About 1 a second; about 1 second left"),
        (150, 30, "About 5 a second"),  # all handled, the last chunk not yet recorded
    ],
)
def test_it_shows_the_pace_while_running_only_when_it_means_something(
    done: int, ran_for: float, pace: str
) -> None:
    job = job_at(total=150, done=done, ran_for=ran_for)

    assert bulk_job_progress(job=job, now=NOW).pace == pace


def test_it_leaves_the_pace_out_while_cancelling() -> None:
    job = job_at(status=Status.CANCELLING, done=50, ran_for=10)

    assert bulk_job_progress(job=job, now=NOW).pace == ""


def test_it_rounds_a_fast_pace_with_thousands_separators() -> None:
    job = job_at(total=20000, done=10941, ran_for=10)

    assert bulk_job_progress(job=job, now=NOW).pace == "About 1,094 a second; about 9 seconds left"


@pytest.fixture
def finished_job(alice_client: Client, rc: RunningEmulator) -> BulkDeleteJob:
    alice = User.objects.get(rc_extension_id=extension_of(rc, "admin"))
    started = timezone.now() - timedelta(seconds=1)
    return BulkDeleteJob.objects.create(
        owner=alice,
        actor=alice,
        account_id=alice.rc_account_id or 0,
        extension_id=extension_of(rc, "agent"),
        mailbox_label="Bob (ext. 102)",
        conversation_count=53,
        message_count=60,
        done_count=53,
        status=Status.DONE,
        started_at=started,
        finished_at=started + timedelta(seconds=0.0484),
    )


def test_the_job_page_reads_plainly_when_done(
    alice_client: Client, finished_job: BulkDeleteJob
) -> None:
    url = reverse("inbox:bulk_job", args=[finished_job.extension_id, finished_job.id])

    page = alice_client.get(url).content.decode()

    assert "<h2 data-heading>Deletion finished</h2>" in page
    assert "<p data-counts>53 of 53 conversations deleted</p>" in page
    assert "<p data-pace hidden></p>" in page
    progress = page.split('<div class="bulk-progress"', 1)[1].split("</div>", 1)[0]
    assert "Done" not in progress and "a second" not in progress and "·" not in progress


def test_the_progress_json_carries_the_pages_sentences(
    alice_client: Client, finished_job: BulkDeleteJob
) -> None:
    url = reverse("inbox:bulk_job_progress", args=[finished_job.extension_id, finished_job.id])

    body = alice_client.get(url).json()

    assert body["heading"] == "Deletion finished"
    assert body["counts"] == "53 of 53 conversations deleted"
    assert body["pace"] == ""
