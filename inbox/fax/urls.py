"""Pages of the inbox for: Sending faxes: the fax composer, cover pages, resend and forward.

Included by `inbox.urls`, so the names live in the `inbox` namespace.
"""

from __future__ import annotations

from django.urls import URLPattern, path

import inbox.path_ids  # noqa: F401  (registers the <int64:…> path converter)
from inbox.fax import views

mailbox = "inbox/<int64:extension_id>"

urlpatterns: list[URLPattern] = [
    path(f"{mailbox}/fax/new/", views.fax_new, name="fax_new"),
    path(f"{mailbox}/fax/sends/<int64:send_id>/", views.fax_status, name="fax_status"),
    path(
        f"{mailbox}/fax/sends/<int64:send_id>/status/",
        views.fax_status_json,
        name="fax_status_json",
    ),
    path(f"{mailbox}/fax/sends/<int64:send_id>/cancel/", views.fax_cancel, name="fax_cancel"),
    path(f"{mailbox}/fax/sends/<int64:send_id>/resend/", views.fax_resend, name="fax_resend"),
    path(f"{mailbox}/messages/<int64:message_id>/fax/again/", views.fax_again, name="fax_again"),
]
