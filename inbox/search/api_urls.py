"""Search's JSON API.

Included by `inbox.api_urls`, so the names live in the `api` namespace.
"""

from __future__ import annotations

from django.urls import path

from inbox.search import api

urlpatterns = [
    path("search/", api.SearchApi.as_view(), name="search"),
]
