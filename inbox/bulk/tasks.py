"""Tasks of admins' bulk deletion. Named `inbox.tasks.rc_*` so they go to the `ringcentral`
queue (config/celery.py); `inbox.tasks` imports this module so the worker registers them."""

from __future__ import annotations

from celery import shared_task

from inbox.bulk_services import bulk_job_run


@shared_task(  # type: ignore[untyped-decorator]
    name="inbox.tasks.rc_bulk_job_run",
    acks_late=True,
    soft_time_limit=240,
    time_limit=300,
)
def rc_bulk_job_run(job_id: int) -> None:
    """Run a bulk job's current action for a while (it hands itself on when not done)."""
    bulk_job_run(job_id=job_id)
