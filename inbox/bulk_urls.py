"""Pages of the inbox for: Admins' bulk deletion of conversations, and the audit log.

Included by `inbox.urls`, so the names live in the `inbox` namespace.
"""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
