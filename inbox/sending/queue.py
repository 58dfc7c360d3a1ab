"""Handing sends to Celery workers. A task carries only a send's id: the row is the truth,
and a worker claims it before doing anything, so enqueueing twice is harmless."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from inbox.queueing import task_enqueue

SEND_PROCESS_TASK = "inbox.sending.tasks.rc_send_process"


def send_task_options() -> dict[str, Any]:
    """Where the send tasks go: `SEND_TASK_QUEUE`, or the routes of config/celery.py."""
    queue = settings.SEND_TASK_QUEUE
    return {"queue": queue, "routing_key": queue, "exchange": queue} if queue else {}


def send_enqueue(*, send_id: int, countdown: float | None = None) -> None:
    """Hand send `send_id` to a worker (after `countdown` seconds). Harmless if repeated: the
    worker claims the row before doing anything."""
    task_enqueue(SEND_PROCESS_TASK, args=[send_id], countdown=countdown, **send_task_options())
