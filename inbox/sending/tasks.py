"""Celery tasks: each takes ids, calls one service, and keeps no state of its own.

Tasks named `rc_*` call RingCentral and are routed to the `ringcentral` queue
(config/celery.py); the send pipeline's tasks may all be sent to `SEND_TASK_QUEUE` instead.
"""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task
from celery.signals import worker_ready

from accounts.errors import ReconnectRequired
from inbox import send_pipeline, send_recovery, send_tracking
from inbox.ringcentral import InboxError
from inbox.services import messages_read_on_open, task_probe_answer
from rcapi import RateLimited, RingCentralError


@shared_task(name="inbox.tasks.healthcheck_ping", bind=True)  # type: ignore[untyped-decorator]
def healthcheck_ping(self: Task, probe_id: int) -> None:
    """Answer a task probe, proving a worker consumes the queue and reaches the database."""
    task_probe_answer(probe_id=probe_id, worker=self.request.hostname or "unknown worker")


# A send waits at most 30 s for a rate-budget slot, then its call may take 35 s: the limits
# leave room for both, and for a look-up in the message store afterwards.
@shared_task(  # type: ignore[untyped-decorator]
    name="inbox.tasks.rc_send_process", acks_late=True, soft_time_limit=100, time_limit=110
)
def rc_send_process(send_id: int) -> None:
    """Send one queued send to RingCentral (see `inbox.send_pipeline.send_process`)."""
    send_pipeline.send_process(send_id=send_id)


@shared_task(  # type: ignore[untyped-decorator]
    name="inbox.tasks.rc_sends_track", acks_late=True, soft_time_limit=60, time_limit=70
)
def rc_sends_track(extension_id: int, token: str = "") -> None:
    """Follow the unfinished sends of one mailbox until RingCentral's answer is final
    (`token` names the mailbox's live tracker; see `send_tracking.sends_track`)."""
    send_tracking.sends_track(extension_id=extension_id, token=token)


@shared_task(  # type: ignore[untyped-decorator]
    name="inbox.tasks.sends_recover", acks_late=True, soft_time_limit=60, time_limit=70
)
def sends_recover() -> None:
    """Bring back sends whose task or worker was lost (run by Celery beat)."""
    send_recovery.sends_recover()


@shared_task(  # type: ignore[untyped-decorator]
    name="inbox.tasks.rc_messages_read_on_open",
    bind=True,
    acks_late=True,
    max_retries=3,
    soft_time_limit=60,
    time_limit=70,
)
def rc_messages_read_on_open(
    self: Task, user_id: int, extension_id: int, thread_key: list[Any], message_ids: list[int]
) -> None:
    """Mark what a person opened read (see `inbox.services.thread_read_on_open`). Marking
    twice is harmless; a busy RingCentral is waited for, anything else is left for the next
    time the thread is opened."""
    try:
        messages_read_on_open(
            user_id=user_id,
            extension_id=extension_id,
            thread_key=thread_key,
            message_ids=message_ids,
        )
    except RateLimited as exc:
        raise self.retry(countdown=max(1.0, exc.retry_after)) from exc
    except (RingCentralError, InboxError, ReconnectRequired):
        return


from inbox.bulk_tasks import rc_bulk_job_run  # noqa: E402,F401  (registers bulk tasks)


@worker_ready.connect  # type: ignore[untyped-decorator]
def _recover_on_start(**_: Any) -> None:
    """A worker that starts (again) first looks for sends a dead worker left behind."""
    send_recovery.sends_recover_enqueue()
