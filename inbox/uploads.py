"""A limit on the bytes of a request's uploaded files, enforced as they arrive.

Django keeps large uploads in temporary files and does not count file data against
`DATA_UPLOAD_MAX_MEMORY_SIZE`, so its own limits do not stop a 500 MB body. `UploadLimit`
counts the file bytes as they arrive and, past the limit, stops storing them: the rest of the
body is read and dropped, so the browser still gets the page that says why.

It must be installed before anything reads `request.POST`, which the CSRF check does: a page
view that takes uploads is `csrf_exempt` and checks CSRF itself right after installing it (see
`inbox.fax.views.fax_new`, `inbox.contacts.views.contacts_import`).
"""

from __future__ import annotations

from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest


class UploadLimit(FileUploadHandler):
    """Counts the bytes of every file of the request; past `limit`, stops the upload."""

    def __init__(self, request: HttpRequest | None = None, *, limit: int) -> None:
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


def upload_limit_install(request: HttpRequest, *, limit: int) -> UploadLimit:
    """Put a limit of `limit` bytes in front of the request's upload handlers (before its
    body is read)."""
    handler = UploadLimit(request, limit=limit)
    request.upload_handlers.insert(0, handler)
    return handler


def upload_limit_exceeded(request: HttpRequest) -> bool:
    """Whether the request's files went past its limit (after its body was read)."""
    return any(
        isinstance(handler, UploadLimit) and handler.exceeded for handler in request.upload_handlers
    )
