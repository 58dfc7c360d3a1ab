"""Pages of the inbox for: Sending SMS and pager messages, and following their status.

Included by `inbox.urls`, so the names live in the `inbox` namespace.
"""

from __future__ import annotations

from django.urls import URLPattern, path

import inbox.path_ids  # noqa: F401  (registers the <int64:…> path converter)
from inbox import send_views

mailbox = "inbox/<int64:extension_id>"

urlpatterns: list[URLPattern] = [
    path(
        f"{mailbox}/conversations/<int64:conversation_id>/reply/",
        send_views.sms_reply,
        name="sms_reply",
    ),
    path(
        f"{mailbox}/conversations/<int64:conversation_id>/pager-reply/",
        send_views.pager_reply,
        name="pager_reply",
    ),
    path(f"{mailbox}/new/sms/", send_views.sms_new, name="sms_new"),
    path(f"{mailbox}/new/pager/", send_views.pager_new, name="pager_new"),
    path(f"{mailbox}/sends/status/", send_views.sends_status, name="sends_status"),
    path(f"{mailbox}/sends/<int64:send_id>/", send_views.send_detail, name="send"),
    path(f"{mailbox}/sends/<int64:send_id>/retry/", send_views.send_retry, name="send_retry"),
    path(f"{mailbox}/sends/<int64:send_id>/cancel/", send_views.send_cancel, name="send_cancel"),
    path(f"{mailbox}/sends/<int64:send_id>/decide/", send_views.send_decide, name="send_decide"),
]
