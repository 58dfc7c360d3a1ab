from __future__ import annotations

from typing import Any

from django.conf import settings
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


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    """Entries are never changed or removed through the app, not even in bulk."""

    def update(self, **kwargs: Any) -> int:
        raise AuditLogIsAppendOnly("Audit entries cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly("Audit entries cannot be deleted.")


class AuditLogIsAppendOnly(Exception):
    """Something tried to change or delete an audit entry."""


class AuditEntry(models.Model):
    """One change made to a mailbox through the inbox: who did what to which messages, and how
    it ended. Append-only: `save` refuses to change an entry once created, `delete` refuses
    always, and the database refuses UPDATE and DELETE too (a trigger, see migration 0002).
    """

    class Action(models.TextChoices):
        MESSAGE_READ = "message_read", "Marked a message read"
        MESSAGE_UNREAD = "message_unread", "Marked a message unread"
        CONVERSATION_READ = "conversation_read", "Marked a conversation read"
        CONVERSATION_UNREAD = "conversation_unread", "Marked a conversation unread"
        MESSAGE_DELETE = "message_delete", "Deleted a message"
        MESSAGE_PURGE = "message_purge", "Purged a message"
        CONVERSATION_DELETE = "conversation_delete", "Deleted a conversation"
        CONVERSATION_PURGE = "conversation_purge", "Purged a conversation"

    class Outcome(models.TextChoices):
        DONE = "done", "Done"
        PARTLY = "partly", "Partly done"
        FAILED = "failed", "Failed"

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # who: a user with entries cannot be deleted (deactivate them); the label keeps the name
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=255)
    action = models.CharField(max_length=32, choices=Action.choices)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.DONE)
    # the mailbox: RingCentral ids, int64
    account_id = models.BigIntegerField()
    extension_id = models.BigIntegerField()
    conversation_id = models.BigIntegerField(null=True, blank=True)
    message_ids = models.JSONField(default=list, blank=True)
    detail = models.TextField(blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "audit entries"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["account_id", "extension_id", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.actor_label}: {self.get_action_display()} ({self.get_outcome_display()})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditLogIsAppendOnly("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly("Audit entries cannot be deleted.")
