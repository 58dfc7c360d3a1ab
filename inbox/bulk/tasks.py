"""Tasks of admins' bulk jobs. Named `….tasks.rc_*`, they go to the `ringcentral` queue
(config/celery.py); `SEND_TASK_QUEUE` sends them to one queue instead (tests use it)."""

from __future__ import annotations

from celery import shared_task

from inbox.bulk.services import BULK_JOB_RUN_TASK, bulk_job_run


@shared_task(  # type: ignore[untyped-decorator]
    name=BULK_JOB_RUN_TASK,
    acks_late=True,
    soft_time_limit=240,
    time_limit=300,
)
def rc_bulk_job_run(job_id: int) -> None:
    """Run a bulk job's current action for a while (it hands itself on when not done)."""
    bulk_job_run(job_id=job_id)
