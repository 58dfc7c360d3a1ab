"""Pages of the inbox for: Admins' bulk deletion of conversations, and the audit log.

Included by `inbox.urls`, so the names live in the `inbox` namespace.
"""

from __future__ import annotations

from django.urls import URLPattern, path

import inbox.path_ids  # noqa: F401  (registers the <int64:…> path converter)
from inbox.bulk import views

job = "inbox/<int64:extension_id>/bulk/<int64:job_id>"

urlpatterns: list[URLPattern] = [
    path("inbox/<int64:extension_id>/bulk/preview/", views.bulk_preview, name="bulk_preview"),
    path(f"{job}/", views.bulk_job, name="bulk_job"),
    path(f"{job}/progress/", views.bulk_job_progress, name="bulk_job_progress"),
    path(f"{job}/confirm/", views.bulk_job_confirm, name="bulk_job_confirm"),
    path(f"{job}/cancel/", views.bulk_job_cancel, name="bulk_job_cancel"),
    path(f"{job}/restore/", views.bulk_job_restore, name="bulk_job_restore"),
    path(f"{job}/purge/", views.bulk_job_purge, name="bulk_job_purge"),
    path("inbox/audit/", views.audit_log, name="audit_log"),
    path("inbox/audit/export.csv", views.audit_log_csv, name="audit_log_csv"),
]
