from __future__ import annotations

from django.urls import path

import inbox.path_ids  # noqa: F401  (registers the <int64:…> path converter)
from inbox import views
from inbox.bulk_urls import urlpatterns as bulk_patterns
from inbox.deleted_urls import urlpatterns as deleted_patterns
from inbox.fax_urls import urlpatterns as fax_patterns
from inbox.live_urls import urlpatterns as live_patterns
from inbox.send_urls import urlpatterns as send_patterns

app_name = "inbox"

mailbox = "inbox/<int64:extension_id>"

urlpatterns = [
    path("", views.home, name="home"),
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

urlpatterns += send_patterns + fax_patterns + bulk_patterns
urlpatterns += live_patterns
urlpatterns += deleted_patterns
