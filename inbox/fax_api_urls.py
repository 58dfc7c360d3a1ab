"""JSON API for: Sending faxes: the fax composer, cover pages, resend and forward.

Included by `inbox.api_urls`, so the names live in the `api` namespace.
"""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
