"""The JSON API (`/api/`), its OpenAPI schema and its documentation page."""

from __future__ import annotations

from django.urls import path, re_path

import inbox.path_ids  # noqa: F401  (registers the <int64:…> path converter)
from inbox import api
from inbox.api_docs import SchemaApi, SchemaDocsApi
from inbox.api_errors import NOT_FOUND_NAME, api_not_found
from inbox.bulk_api_urls import urlpatterns as bulk_patterns
from inbox.fax_api_urls import urlpatterns as fax_patterns
from inbox.send_api_urls import urlpatterns as send_patterns

app_name = "api"

mailbox = "mailboxes/<int64:extension_id>"

urlpatterns = [
    path("schema/", SchemaApi.as_view(), name="schema"),
    path("docs/", SchemaDocsApi.as_view(url_name="api:schema"), name="docs"),
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

urlpatterns += send_patterns + fax_patterns + bulk_patterns

# last: any other address under /api/ is a JSON 404, not the pages' HTML one
urlpatterns.append(re_path(r"^.*$", api_not_found, name=NOT_FOUND_NAME))
