"""The conversations' JSON API: mailboxes, conversations, messages, read state, deleting and
attachments."""

from __future__ import annotations

from django.urls import path

import inbox.path_ids  # noqa: F401  (registers the <int64:…> path converter)
from inbox.conversations import api

mailbox = "mailboxes/<int64:extension_id>"

urlpatterns = [
    path("mailboxes/", api.MailboxListApi.as_view(), name="mailboxes"),
    path(f"{mailbox}/conversations/", api.ConversationListApi.as_view(), name="conversations"),
    path(
        f"{mailbox}/conversations/<int64:conversation_id>/",
        api.ConversationDetailApi.as_view(),
        name="conversation",
    ),
    path(
        f"{mailbox}/conversations/<int64:conversation_id>/read-status/",
        api.ConversationReadStatusUpdateApi.as_view(),
        name="conversation_read_status",
    ),
    path(
        f"{mailbox}/conversations/<int64:conversation_id>/delete/",
        api.ConversationDeleteApi.as_view(),
        name="conversation_delete",
    ),
    path(f"{mailbox}/messages/<int64:message_id>/", api.MessageDetailApi.as_view(), name="message"),
    path(
        f"{mailbox}/messages/<int64:message_id>/read-status/",
        api.MessageReadStatusUpdateApi.as_view(),
        name="message_read_status",
    ),
    path(
        f"{mailbox}/messages/<int64:message_id>/delete/",
        api.MessageDeleteApi.as_view(),
        name="message_delete",
    ),
    path(
        f"{mailbox}/messages/<int64:message_id>/attachments/<int64:attachment_id>/",
        api.AttachmentDownloadApi.as_view(),
        name="attachment",
    ),
]
