"""Pages of the inbox for: Sending SMS and pager messages, and following their status.

Included by `inbox.urls`, so the names live in the `inbox` namespace.
"""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
