"""JSON API for: Sending SMS and pager messages, and following their status.

Included by `inbox.api_urls`, so the names live in the `api` namespace.
"""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
