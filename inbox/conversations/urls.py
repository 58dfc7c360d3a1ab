"""The conversations' pages: the mailbox's list, threads, messages, read state, deleting and
attachments."""

from __future__ import annotations

from django.urls import path

import inbox.path_ids  # noqa: F401  (registers the <int64:…> path converter)
from inbox.conversations import views

mailbox = "inbox/<int64:extension_id>"

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/switch/", views.mailbox_switch, name="switch"),
    path(f"{mailbox}/", views.conversation_list, name="conversations"),
    path(f"{mailbox}/conversations/<int64:conversation_id>/", views.thread, name="thread"),
    path(
        f"{mailbox}/conversations/<int64:conversation_id>/read-status/",
        views.conversation_read_status,
        name="conversation_read_status",
    ),
    path(
        f"{mailbox}/conversations/<int64:conversation_id>/delete/",
        views.conversation_delete,
        name="conversation_delete",
    ),
    path(f"{mailbox}/messages/<int64:message_id>/", views.message_detail, name="message"),
    path(
        f"{mailbox}/messages/<int64:message_id>/read-status/",
        views.message_read_status,
        name="message_read_status",
    ),
    path(
        f"{mailbox}/messages/<int64:message_id>/delete/",
        views.message_delete,
        name="message_delete",
    ),
    path(
        f"{mailbox}/messages/<int64:message_id>/attachments/<int64:attachment_id>/",
        views.attachment,
        name="attachment",
    ),
]
