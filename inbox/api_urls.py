"""The JSON API (`/api/`), feature by feature, its OpenAPI schema and its documentation page."""

from __future__ import annotations

from django.urls import path, re_path

from inbox.api.docs import SchemaApi, SchemaDocsApi
from inbox.api.errors import NOT_FOUND_NAME, api_not_found
from inbox.bulk.api_urls import urlpatterns as bulk_patterns
from inbox.conversations.api_urls import urlpatterns as conversation_patterns
from inbox.fax.api_urls import urlpatterns as fax_patterns
from inbox.ownership.api_urls import urlpatterns as ownership_patterns
from inbox.search.api_urls import urlpatterns as search_patterns
from inbox.sending.api_urls import urlpatterns as send_patterns

app_name = "api"

urlpatterns = [
    path("schema/", SchemaApi.as_view(), name="schema"),
    path("docs/", SchemaDocsApi.as_view(url_name="api:schema"), name="docs"),
]
urlpatterns += conversation_patterns
urlpatterns += send_patterns + fax_patterns + bulk_patterns
urlpatterns += ownership_patterns
urlpatterns += search_patterns

# last: any other address under /api/ is a JSON 404, not the pages' HTML one (an address
# holding a line break, %0A, too: `.` would not match it)
urlpatterns.append(re_path(r"^[\s\S]*$", api_not_found, name=NOT_FOUND_NAME))
