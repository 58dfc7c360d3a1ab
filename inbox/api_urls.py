"""The JSON API (`/api/`), its OpenAPI schema and its documentation page."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from inbox import api
from inbox.bulk_api_urls import urlpatterns as bulk_patterns
from inbox.fax_api_urls import urlpatterns as fax_patterns
from inbox.send_api_urls import urlpatterns as send_patterns

app_name = "api"

mailbox = "mailboxes/<int:extension_id>"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("mailboxes/", api.MailboxListApi.as_view(), name="mailboxes"),
    path(f"{mailbox}/conversations/", api.ConversationListApi.as_view(), name="conversations"),
    path(
        f"{mailbox}/conversations/<int:conversation_id>/",
        api.ConversationDetailApi.as_view(),
        name="conversation",
    ),
    path(
        f"{mailbox}/conversations/<int:conversation_id>/read-status/",
        api.ConversationReadStatusUpdateApi.as_view(),
        name="conversation_read_status",
    ),
    path(
        f"{mailbox}/conversations/<int:conversation_id>/delete/",
        api.ConversationDeleteApi.as_view(),
        name="conversation_delete",
    ),
    path(f"{mailbox}/messages/<int:message_id>/", api.MessageDetailApi.as_view(), name="message"),
    path(
        f"{mailbox}/messages/<int:message_id>/read-status/",
        api.MessageReadStatusUpdateApi.as_view(),
        name="message_read_status",
    ),
    path(
        f"{mailbox}/messages/<int:message_id>/delete/",
        api.MessageDeleteApi.as_view(),
        name="message_delete",
    ),
    path(
        f"{mailbox}/messages/<int:message_id>/attachments/<int:attachment_id>/",
        api.AttachmentDownloadApi.as_view(),
        name="attachment",
    ),
]

urlpatterns += send_patterns + fax_patterns + bulk_patterns
