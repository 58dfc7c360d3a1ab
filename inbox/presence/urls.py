"""Presence's endpoints, under a thread's address (`inbox` namespace)."""

from __future__ import annotations

from django.urls import path

import inbox.path_ids  # noqa: F401  (registers the <int64:…> path converter)
from inbox.presence import views

thread = "inbox/<int64:extension_id>/conversations/<int64:conversation_id>"

urlpatterns = [
    path(f"{thread}/presence/", views.thread_presence, name="thread_presence"),
    path(f"{thread}/presence/leave/", views.thread_presence_leave, name="thread_presence_leave"),
    path(f"{thread}/presence/replies/", views.thread_replies_since, name="thread_replies_since"),
]
