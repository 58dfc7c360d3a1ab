"""The send pipeline's Celery tasks: each takes ids, calls one service, and keeps no state of
its own.

Tasks named `rc_*` call RingCentral and are routed to the `ringcentral` queue
(config/celery.py); the send pipeline's tasks may all be sent to `SEND_TASK_QUEUE` instead.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from celery.signals import worker_ready

from inbox.sending import pipeline, recovery, tracking
from inbox.sending.queue import SEND_PROCESS_TASK
from inbox.sending.recovery import SENDS_RECOVER_TASK
from inbox.sending.tracking import SENDS_TRACK_TASK


# A send waits at most 30 s for a rate-budget slot, then its call may take 35 s: the limits
# leave room for both, and for a look-up in the message store afterwards.
@shared_task(  # type: ignore[untyped-decorator]
    name=SEND_PROCESS_TASK, acks_late=True, soft_time_limit=100, time_limit=110
)
def rc_send_process(send_id: int) -> None:
    """Send one queued send to RingCentral (see `inbox.sending.pipeline.send_process`)."""
    pipeline.send_process(send_id=send_id)


@shared_task(  # type: ignore[untyped-decorator]
    name=SENDS_TRACK_TASK, acks_late=True, soft_time_limit=60, time_limit=70
)
def rc_sends_track(extension_id: int, token: str = "") -> None:  # a tracker's name  # nosec B107
    """Follow the unfinished sends of one mailbox until RingCentral's answer is final
    (`token` names the mailbox's live tracker; see `tracking.sends_track`)."""
    tracking.sends_track(extension_id=extension_id, token=token)


@shared_task(  # type: ignore[untyped-decorator]
    name=SENDS_RECOVER_TASK, acks_late=True, soft_time_limit=60, time_limit=70
)
def sends_recover() -> None:
    """Bring back sends whose task or worker was lost (run by Celery beat)."""
    recovery.sends_recover()


@worker_ready.connect  # type: ignore[untyped-decorator]
def _recover_on_start(**_: Any) -> None:
    """A worker that starts (again) first looks for sends a dead worker left behind."""
    recovery.sends_recover_enqueue()
