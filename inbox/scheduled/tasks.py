"""The scheduled sends' Celery tasks: the release of those due, run by Celery beat and by
every worker that starts (so a send whose time came while nothing ran goes when they are
back)."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from celery.signals import worker_ready

from inbox.queueing import task_enqueue
from inbox.scheduled import services
from inbox.sending.queue import send_task_options

SCHEDULED_RELEASE_TASK = "inbox.scheduled.tasks.scheduled_sends_release"


@shared_task(  # type: ignore[untyped-decorator]
    name=SCHEDULED_RELEASE_TASK, acks_late=True, soft_time_limit=60, time_limit=70
)
def scheduled_sends_release() -> None:
    """Queue the scheduled sends whose time has come (see `services.scheduled_sends_release`)."""
    services.scheduled_sends_release()


@worker_ready.connect  # type: ignore[untyped-decorator]
def _release_on_start(**_: Any) -> None:
    """A worker that starts (again) does not wait for beat's next run to send what is due."""
    task_enqueue(SCHEDULED_RELEASE_TASK, **send_task_options())
