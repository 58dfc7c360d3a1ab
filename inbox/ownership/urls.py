"""Ownership's pages: the views of one mailbox and across one's mailboxes, and the change the
thread's panel and the views' bulk bar post."""

from __future__ import annotations

from django.urls import path

import inbox.path_ids  # noqa: F401  (registers the <int64:…> path converter)
from inbox.ownership import views

urlpatterns = [
    path("inbox/views/<slug:view>/", views.view_all, name="ownership_view_all"),
    path(
        "inbox/<int64:extension_id>/views/<slug:view>/",
        views.view_mailbox,
        name="ownership_view",
    ),
    path("inbox/threads/change/", views.threads_change, name="ownership_change"),
]
