"""The dashboard's pages, feature by feature, under the `inbox` namespace."""

from __future__ import annotations

from django.urls import path

from inbox import web
from inbox.bulk.urls import urlpatterns as bulk_patterns
from inbox.conversations.urls import urlpatterns as conversation_patterns
from inbox.deleted.urls import urlpatterns as deleted_patterns
from inbox.fax.urls import urlpatterns as fax_patterns
from inbox.live.urls import urlpatterns as live_patterns
from inbox.ownership.urls import urlpatterns as ownership_patterns
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
urlpatterns += workspace_patterns
