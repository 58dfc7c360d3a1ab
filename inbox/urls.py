"""The dashboard's pages, feature by feature, under the `inbox` namespace."""

from __future__ import annotations

from django.urls import path

from inbox import web
from inbox.bulk.urls import urlpatterns as bulk_patterns
from inbox.contacts.urls import urlpatterns as contact_patterns
from inbox.conversations.urls import urlpatterns as conversation_patterns
from inbox.deleted.urls import urlpatterns as deleted_patterns
from inbox.exports.urls import urlpatterns as export_patterns
from inbox.fax.urls import urlpatterns as fax_patterns
from inbox.live.urls import urlpatterns as live_patterns
from inbox.notes.urls import urlpatterns as note_patterns
from inbox.optout.urls import urlpatterns as optout_patterns
from inbox.ownership.urls import urlpatterns as ownership_patterns
from inbox.presence.urls import urlpatterns as presence_patterns
from inbox.replies.urls import urlpatterns as reply_patterns
from inbox.scheduled.urls import urlpatterns as scheduled_patterns
from inbox.search.urls import urlpatterns as search_patterns
from inbox.sending.urls import urlpatterns as send_patterns
from inbox.team.urls import urlpatterns as team_patterns
from inbox.workspace.urls import urlpatterns as workspace_patterns

app_name = "inbox"

urlpatterns = [path("", web.home, name="home")]
urlpatterns += conversation_patterns
urlpatterns += send_patterns + fax_patterns + bulk_patterns
urlpatterns += live_patterns
urlpatterns += deleted_patterns
urlpatterns += team_patterns
urlpatterns += ownership_patterns
urlpatterns += optout_patterns
urlpatterns += note_patterns
urlpatterns += presence_patterns
urlpatterns += reply_patterns
urlpatterns += scheduled_patterns
urlpatterns += search_patterns
urlpatterns += workspace_patterns
urlpatterns += contact_patterns
urlpatterns += export_patterns
