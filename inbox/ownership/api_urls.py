"""Ownership's JSON API: the views, a thread's owner and status, and changes to them.

Included by `inbox.api_urls`, so the names live in the `api` namespace.
"""

from __future__ import annotations

from django.urls import path

import inbox.path_ids  # noqa: F401  (registers the <int64:…> path converter)
from inbox.ownership import api

mailbox = "mailboxes/<int64:extension_id>"

urlpatterns = [
    path("views/", api.ViewListApi.as_view(), name="ownership_views"),
    path("views/<slug:view>/", api.ViewReadApi.as_view(), name="ownership_view"),
    path(f"{mailbox}/views/", api.MailboxViewListApi.as_view(), name="ownership_mailbox_views"),
    path(
        f"{mailbox}/views/<slug:view>/",
        api.MailboxViewReadApi.as_view(),
        name="ownership_mailbox_view",
    ),
    path(
        f"{mailbox}/threads/<slug:kind>/<int64:thread_id>/",
        api.ThreadOwnershipApi.as_view(),
        name="ownership_thread",
    ),
    path(f"{mailbox}/threads/assign/", api.ThreadsAssignApi.as_view(), name="ownership_assign"),
    path(f"{mailbox}/threads/close/", api.ThreadsCloseApi.as_view(), name="ownership_close"),
    path(f"{mailbox}/threads/reopen/", api.ThreadsReopenApi.as_view(), name="ownership_reopen"),
    path(f"{mailbox}/threads/snooze/", api.ThreadsSnoozeApi.as_view(), name="ownership_snooze"),
    path(f"{mailbox}/threads/wake/", api.ThreadsWakeApi.as_view(), name="ownership_wake"),
]
