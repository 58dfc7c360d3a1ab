"""JSON API for: Admins' bulk deletion of conversations, and the audit log.

Included by `inbox.api_urls`, so the names live in the `api` namespace.
"""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
