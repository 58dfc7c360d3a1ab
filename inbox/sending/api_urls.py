"""JSON API for: Sending SMS and pager messages, and following their status.

Included by `inbox.api_urls`, so the names live in the `api` namespace.
"""

from __future__ import annotations

from django.urls import URLPattern, path

import inbox.path_ids  # noqa: F401  (registers the <int64:…> path converter)
from inbox.sending import api

mailbox = "mailboxes/<int64:extension_id>"

urlpatterns: list[URLPattern] = [
    path(f"{mailbox}/sms/", api.SmsSendApi.as_view(), name="sms_send"),
    path(f"{mailbox}/pager/", api.PagerSendApi.as_view(), name="pager_send"),
    path(f"{mailbox}/sends/<int64:send_id>/", api.SendDetailApi.as_view(), name="send"),
    path(
        f"{mailbox}/sends/<int64:send_id>/retry/",
        api.SendRetryApi.as_view(),
        name="send_retry",
    ),
    path(
        f"{mailbox}/sends/<int64:send_id>/cancel/",
        api.SendCancelApi.as_view(),
        name="send_cancel",
    ),
]
