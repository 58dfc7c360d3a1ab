"""Receiving fax documents: up to 50 MB together, never held in memory, and anything larger
refused without being stored.

Django keeps uploads above `FILE_UPLOAD_MAX_MEMORY_SIZE` (2.5 MB) in temporary files, and file
data does not count against `DATA_UPLOAD_MAX_MEMORY_SIZE`, so a 50 MB fax passes Django's own
limits as they are. What they do not do is stop a 500 MB body: `FaxUploadLimit` counts the
file bytes as they arrive and, past the limit, stops storing them (the rest of the body is read
and dropped, so the browser still gets the page that says why).

It must be installed before anything reads `request.POST`, which the CSRF check does: the
page view (`inbox.fax.views.fax_new`) is `csrf_exempt` and checks CSRF itself right after; the
API view installs it in `initialize_request`, before DRF's session authentication checks CSRF.
"""

from __future__ import annotations

from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest

from inbox.fax.rules import MAX_TOTAL_BYTES


class FaxUploadLimit(FileUploadHandler):
    """Counts the bytes of every file of the request; past `limit`, stops the upload."""

    def __init__(self, request: HttpRequest | None = None, *, limit: int = MAX_TOTAL_BYTES):
        super().__init__(request)
        self.limit = limit
        self.received = 0
        self.exceeded = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.exceeded = True
            # read and drop the rest of the body (connection kept), store nothing more
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler (memory or temporary file) makes the file


def fax_upload_limit_install(request: HttpRequest) -> FaxUploadLimit:
    """Put the limit in front of the request's upload handlers (before its body is read)."""
    limit = FaxUploadLimit(request)
    request.upload_handlers.insert(0, limit)
    return limit


def fax_upload_exceeded(request: HttpRequest) -> bool:
    """Whether the request's files went past the limit (after its body was read)."""
    return any(
        isinstance(handler, FaxUploadLimit) and handler.exceeded
        for handler in request.upload_handlers
    )
