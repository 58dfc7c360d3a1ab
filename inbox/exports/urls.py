"""The exports' addresses: a thread's CSV and printable transcript beside the thread's own
address (a conversation's, or a fax's or voicemail's), a mailbox's CSV beside its list, and a
search's beside the search page."""

from __future__ import annotations

from django.urls import path

import inbox.path_ids  # noqa: F401  (registers the <int64:…> path converter)
from inbox.exports import views

mailbox = "inbox/<int64:extension_id>"
conversation = f"{mailbox}/conversations/<int64:conversation_id>"
message = f"{mailbox}/messages/<int64:message_id>"

urlpatterns = [
    path("inbox/search/export.csv", views.search_csv, name="search_export_csv"),
    path(f"{mailbox}/export.csv", views.mailbox_csv, name="mailbox_export_csv"),
    path(f"{conversation}/export.csv", views.conversation_csv, name="conversation_export_csv"),
    path(
        f"{conversation}/transcript/",
        views.conversation_transcript,
        name="conversation_transcript",
    ),
    path(f"{message}/export.csv", views.message_csv, name="message_export_csv"),
    path(f"{message}/transcript/", views.message_transcript, name="message_transcript"),
]
