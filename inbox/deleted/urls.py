"""Pages of the inbox for: Recently deleted, with restore and purge.

Included by `inbox.urls`, so the names live in the `inbox` namespace.
"""

from __future__ import annotations

from django.urls import URLPattern, path

import inbox.path_ids  # noqa: F401  (registers the <int64:…> path converter)
from inbox.deleted import views

deleted = "inbox/<int64:extension_id>/deleted"

urlpatterns: list[URLPattern] = [
    path(f"{deleted}/", views.deleted_list, name="deleted"),
    path(f"{deleted}/restore/", views.deleted_restore, name="deleted_restore"),
    path(f"{deleted}/purge/", views.deleted_purge, name="deleted_purge"),
]
