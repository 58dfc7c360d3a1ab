"""The search page (the JSON API's search is in `api_urls`)."""

from __future__ import annotations

from django.urls import path

from inbox.search import views

urlpatterns = [
    path("inbox/search/", views.search, name="search"),
]
