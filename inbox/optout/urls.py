"""Opt-out's page address: the change by hand a thread's panel posts."""

from __future__ import annotations

from django.urls import path

import inbox.path_ids  # noqa: F401  (registers the <int64:…> path converter)
from inbox.optout import views

urlpatterns = [
    path("inbox/<int64:extension_id>/opt-out/", views.optout_change, name="optout_change"),
]
