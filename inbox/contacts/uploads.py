"""The import's upload: at most `IMPORT_MAX_BYTES`, and a larger one stops being stored as soon
as it passes the limit (the rest of the body is read and dropped, so the browser still gets
the page that says why). Installed before anything reads `request.POST`, as the fax upload's
limit is: the import view checks CSRF itself once it is in place.
"""

from __future__ import annotations

from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest

from inbox.contacts.forms import IMPORT_MAX_BYTES


class ImportUploadLimit(FileUploadHandler):
    """Counts the bytes of the request's files; past `limit`, stops the upload."""

    def __init__(self, request: HttpRequest | None = None, *, limit: int = IMPORT_MAX_BYTES):
        super().__init__(request)
        self.limit = limit
        self.received = 0
        self.exceeded = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.exceeded = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler (memory or temporary file) makes the file


def import_upload_limit_install(request: HttpRequest) -> ImportUploadLimit:
    limit = ImportUploadLimit(request)
    request.upload_handlers.insert(0, limit)
    return limit
