"""The task probe: a row a worker marks answered, proving it consumes the queue and reaches
the database."""

from __future__ import annotations

from django.utils import timezone

from inbox.models import TaskProbe


def task_probe_answer(*, probe_id: int, worker: str) -> bool:
    """Mark the probe answered; False when it was already answered or does not exist.

    Safe to run twice: a redelivered task leaves the first answer in place.
    """
    updated = TaskProbe.objects.filter(id=probe_id, answered_at__isnull=True).update(
        answered_at=timezone.now(), answered_by=worker[:255]
    )
    return updated == 1
