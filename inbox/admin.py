"""The audit log in Django admin: readable, never changed or deleted there."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import admin
from django.http import HttpRequest

from inbox.models import AuditEntry, BulkDeleteJob

if TYPE_CHECKING:
    _AuditEntryAdminBase = admin.ModelAdmin[AuditEntry]
else:
    _AuditEntryAdminBase = admin.ModelAdmin


@admin.register(AuditEntry)
class AuditEntryAdmin(_AuditEntryAdminBase):
    list_display = (
        "created_at", "actor_label", "ip_address", "action", "outcome", "extension_id",
        "message_count",
    )  # fmt: skip
    list_filter = ("action", "outcome")
    search_fields = ("actor_label", "conversation_id", "message_ids")
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False


if TYPE_CHECKING:
    _BulkDeleteJobAdminBase = admin.ModelAdmin[BulkDeleteJob]
else:
    _BulkDeleteJobAdminBase = admin.ModelAdmin


@admin.register(BulkDeleteJob)
class BulkDeleteJobAdmin(_BulkDeleteJobAdminBase):
    """Bulk jobs, to look at: they are started, cancelled and restored from their own page."""

    list_display = ("created_at", "owner", "mailbox_label", "action", "status", "done_count")
    list_filter = ("action", "status")
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: BulkDeleteJob | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: BulkDeleteJob | None = None) -> bool:
        return False
