"""Receiving fax documents: up to 50 MB together, never held in memory, and anything larger
refused without being stored (`inbox.uploads`).

The page view (`inbox.fax.views.fax_new`) is `csrf_exempt` and checks CSRF itself right after
installing the limit; the API view installs it in `initialize_request`, before DRF's session
authentication checks CSRF.
"""

from __future__ import annotations

from django.http import HttpRequest

from inbox.fax.rules import MAX_TOTAL_BYTES
from inbox.uploads import UploadLimit, upload_limit_exceeded, upload_limit_install


def fax_upload_limit_install(request: HttpRequest) -> UploadLimit:
    """Put the fax limit in front of the request's upload handlers (before its body is read)."""
    return upload_limit_install(request, limit=MAX_TOTAL_BYTES)


def fax_upload_exceeded(request: HttpRequest) -> bool:
    """Whether the request's files went past the limit (after its body was read)."""
    return upload_limit_exceeded(request)
