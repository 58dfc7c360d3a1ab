"""The import's upload: at most `IMPORT_MAX_BYTES`, and a larger one stops being stored as soon
as it passes the limit (`inbox.uploads`). Installed before anything reads `request.POST`, as
the fax upload's limit is: the import view checks CSRF itself once it is in place.
"""

from __future__ import annotations

from django.http import HttpRequest

from inbox.contacts.forms import IMPORT_MAX_BYTES
from inbox.uploads import UploadLimit, upload_limit_exceeded, upload_limit_install


def import_upload_limit_install(request: HttpRequest) -> UploadLimit:
    return upload_limit_install(request, limit=IMPORT_MAX_BYTES)


def import_upload_exceeded(request: HttpRequest) -> bool:
    return upload_limit_exceeded(request)
