"""Bringing back sends that got stuck: their task was lost (the broker dropped it, or holds
it for a dead worker), or their worker died holding them.

`sends_recover` runs from Celery beat and whenever a worker starts. Everything it does is
safe to repeat: a send enqueued twice is claimed once, and a claim taken over from a dead
worker makes that worker leave the send alone should it wake up.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from inbox.models import Send
from inbox.queueing import task_enqueue
from inbox.sending.pipeline import send_held, send_reconcile
from inbox.sending.queue import send_enqueue, send_task_options
from inbox.sending.tracking import sends_track_start, tracker_alive

log = logging.getLogger(__name__)

SENDS_RECOVER_TASK = "inbox.sending.tasks.sends_recover"


def sends_recover_enqueue() -> None:
    """Have a worker run `sends_recover` soon."""
    task_enqueue(SENDS_RECOVER_TASK, **send_task_options())


def sends_recover() -> int:
    """Bring stuck sends back; the number of sends touched.

    * QUEUED / RETRYING overdue by `SEND_OVERDUE_SECONDS`: enqueued again (a duplicate task
      is harmless: the claim lets one through).
    * SENDING claimed longer than `SEND_LEASE_SECONDS` ago: without `call_started_at` the
      request never went out, so back to RETRYING; with it, looked up in the message store.
    * mailboxes with unfinished SUBMITTED sends and no live tracker: a tracker is started.
    """
    now = timezone.now()
    touched = 0
    overdue = now - timedelta(seconds=settings.SEND_OVERDUE_SECONDS)
    stuck = Send.objects.filter(status__in=[Send.Status.QUEUED, Send.Status.RETRYING]).filter(
        Q(next_attempt_at__lte=overdue) | Q(next_attempt_at__isnull=True, created_at__lte=overdue)
    )
    for send_id in stuck.values_list("id", flat=True):
        send_enqueue(send_id=send_id)
        touched += 1

    lease_end = now - timedelta(seconds=settings.SEND_LEASE_SECONDS)
    for send in Send.objects.filter(status=Send.Status.SENDING, claimed_at__lte=lease_end):
        claim = send.claimed_at
        assert claim is not None
        if send.call_started_at is None:
            moved = send_held(send=send, claim=claim).update(
                status=Send.Status.RETRYING, next_attempt_at=now, claimed_at=None
            )
            if moved:
                send_enqueue(send_id=send.pk)
                touched += 1
            continue
        # take the claim over, so that the dead worker (should it wake up) leaves it alone
        if send_held(send=send, claim=claim).update(claimed_at=now):
            send.claimed_at = now
            log.warning("Send %s lost its worker after its call started; looking it up.", send.pk)
            send_reconcile(send=send, claim=now)
            touched += 1

    unfinished = Send.objects.filter(status=Send.Status.SUBMITTED, finished_at__isnull=True)
    for extension_id in unfinished.values_list("extension_id", flat=True).distinct():
        if not tracker_alive(extension_id=extension_id):
            sends_track_start(extension_id=extension_id)
    return touched
