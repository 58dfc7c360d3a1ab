"""Notes' pages: a note added to a thread, one's own note changed or deleted, and the
Mentions view across one's mailboxes."""

from __future__ import annotations

from django.urls import path

import inbox.path_ids  # noqa: F401  (registers the <int64:…> path converter)
from inbox.notes import views

urlpatterns = [
    path("inbox/mentions/", views.mentions, name="notes_mentions"),
    path(
        "inbox/<int64:extension_id>/threads/<slug:kind>/<int64:thread_id>/notes/",
        views.note_add,
        name="notes_add",
    ),
    path(
        "inbox/<int64:extension_id>/notes/<int64:note_id>/edit/",
        views.note_edit,
        name="notes_edit",
    ),
    path(
        "inbox/<int64:extension_id>/notes/<int64:note_id>/delete/",
        views.note_delete,
        name="notes_delete",
    ),
]
