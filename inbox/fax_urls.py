"""Pages of the inbox for: Sending faxes: the fax composer, cover pages, resend and forward.

Included by `inbox.urls`, so the names live in the `inbox` namespace.
"""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
