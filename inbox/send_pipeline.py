"""The send pipeline: a queued `Send` row goes to RingCentral exactly once, and is followed
until RingCentral's answer about it is final. (Work in progress: claim and send.)"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from inbox.models import Send

log = logging.getLogger(__name__)


def _task_options() -> dict[str, str]:
    queue = settings.SEND_TASK_QUEUE
    return {"queue": queue, "routing_key": queue, "exchange": queue} if queue else {}


def send_enqueue(*, send_id: int, countdown: float | None = None) -> None:
    """Hand send `send_id` to a worker (after `countdown` seconds). Harmless if repeated: the
    worker claims the row before doing anything."""
    from inbox.tasks import rc_send_process

    rc_send_process.apply_async(args=[send_id], countdown=countdown, **_task_options())


def send_process(*, send_id: int) -> None:
    """Claim send `send_id` and send it (no-op when another worker has it or it is not due)."""
    now = timezone.now()
    claimed = (
        Send.objects.filter(
            pk=send_id, status__in=[Send.Status.QUEUED, Send.Status.RETRYING]
        )
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(
            status=Send.Status.SENDING, attempts=F("attempts") + 1, claimed_at=now,
            call_started_at=None,
        )
    )  # fmt: skip
    if not claimed:
        return
    raise NotImplementedError("sending is being written")


def sends_track(*, extension_id: int) -> None:
    raise NotImplementedError("tracking is being written")


def sends_recover() -> None:
    raise NotImplementedError("recovery is being written")
