from __future__ import annotations

from django.db import models


class TaskProbe(models.Model):
    """One round trip through the task queue: recorded here, answered by a worker.

    A probe that stays unanswered means no worker is consuming the queue.
    """

    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.CharField(max_length=255, blank=True)

    def __str__(self) -> str:
        state = f"answered by {self.answered_by}" if self.answered_at else "waiting"
        return f"Task probe {self.pk} ({state})"
