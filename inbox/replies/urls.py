"""The saved replies' pages, and the replies filled in for a conversation."""

from __future__ import annotations

from django.urls import path

import inbox.path_ids  # noqa: F401  (registers the <int64:…> path converter)
from inbox.replies import views

urlpatterns = [
    path("saved-replies/", views.saved_replies, name="saved_replies"),
    path("saved-replies/<int:reply_id>/", views.saved_reply_edit, name="saved_reply"),
    path(
        "saved-replies/<int:reply_id>/delete/",
        views.saved_reply_delete_view,
        name="saved_reply_delete",
    ),
    path(
        "inbox/<int64:extension_id>/conversations/<int64:conversation_id>/saved-replies/",
        views.thread_saved_replies,
        name="thread_saved_replies",
    ),
]
