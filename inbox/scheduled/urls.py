"""Pages of the inbox for: changing and cancelling scheduled SMS.

Included by `inbox.urls`, so the names live in the `inbox` namespace.
"""

from __future__ import annotations

from django.urls import URLPattern, path

import inbox.path_ids  # noqa: F401  (registers the <int64:…> path converter)
from inbox.scheduled import views

scheduled = "inbox/<int64:extension_id>/sends/<int64:send_id>/scheduled"

urlpatterns: list[URLPattern] = [
    path(f"{scheduled}/", views.scheduled_edit, name="scheduled_edit"),
    path(f"{scheduled}/cancel/", views.scheduled_cancel, name="scheduled_cancel"),
]
