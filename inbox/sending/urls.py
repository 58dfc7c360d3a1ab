"""Pages of the inbox for: Sending SMS and pager messages, and following their status.

Included by `inbox.urls`, so the names live in the `inbox` namespace.
"""

from __future__ import annotations

from django.urls import URLPattern, path

import inbox.path_ids  # noqa: F401  (registers the <int64:…> path converter)
from inbox.sending import views

mailbox = "inbox/<int64:extension_id>"

urlpatterns: list[URLPattern] = [
    path(
        f"{mailbox}/conversations/<int64:conversation_id>/reply/",
        views.sms_reply,
        name="sms_reply",
    ),
    path(
        f"{mailbox}/conversations/<int64:conversation_id>/pager-reply/",
        views.pager_reply,
        name="pager_reply",
    ),
    path(f"{mailbox}/new/sms/", views.sms_new, name="sms_new"),
    path(f"{mailbox}/new/pager/", views.pager_new, name="pager_new"),
    path(f"{mailbox}/sends/status/", views.sends_status, name="sends_status"),
    path(f"{mailbox}/sends/<int64:send_id>/", views.send_detail, name="send"),
    path(f"{mailbox}/sends/<int64:send_id>/retry/", views.send_retry, name="send_retry"),
    path(f"{mailbox}/sends/<int64:send_id>/cancel/", views.send_cancel, name="send_cancel"),
    path(f"{mailbox}/sends/<int64:send_id>/decide/", views.send_decide, name="send_decide"),
]
