"""JSON API for: Sending faxes: the fax composer, cover pages, resend and forward.

Included by `inbox.api_urls`, so the names live in the `api` namespace.
"""

from __future__ import annotations

from django.urls import URLPattern, path

import inbox.path_ids  # noqa: F401  (registers the <int64:…> path converter)
from inbox.fax import api

mailbox = "mailboxes/<int64:extension_id>"

urlpatterns: list[URLPattern] = [
    path(f"{mailbox}/fax/", api.FaxSendApi.as_view(), name="fax_send_create"),
    path(f"{mailbox}/fax/resend/", api.FaxResendApi.as_view(), name="fax_resend"),
    path(f"{mailbox}/fax/<int64:send_id>/", api.FaxSendDetailApi.as_view(), name="fax_send"),
    path(
        f"{mailbox}/fax-cover-pages/",
        api.FaxCoverPageListApi.as_view(),
        name="fax_cover_pages",
    ),
]
