"""Files going to RingCentral (MMS attachments, fax documents) and attachment content coming
back, streamed.

Attachments can be large (a fax up to 50 MB, video MMS), so a download is never read whole:
`AttachmentStream` hands out chunks as they arrive and must be closed (it is a context
manager), which returns the connection to the pool. Transport failures in the middle of the
body — a read timeout, a connection that ends short of `Content-Length` — surface as
`Unavailable`, like every other failure of the client.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import BinaryIO

import requests

from rcapi.errors import error_from_exception

CHUNK_SIZE = 64 * 1024


@dataclass(frozen=True)
class UploadFile:
    """One file of a multipart send: an MMS attachment or a fax document."""

    file_name: str
    content: bytes | BinaryIO
    content_type: str = "application/octet-stream"

    def as_form_part(self) -> tuple[str, bytes | BinaryIO, str]:
        return (self.file_name, self.content, self.content_type)


class AttachmentStream:
    """The body of an attachment download, read chunk by chunk.

    `status` is 200, or 206 for a byte range (then `content_range` says which bytes, e.g.
    `bytes 0-99/5000`); `content_length` is the size of this answer's body when announced.
    """

    def __init__(self, response: requests.Response, *, secrets: tuple[str, ...] = ()) -> None:
        self._response = response
        self._secrets = secrets
        self.status: int = response.status_code
        self.content_type: str | None = response.headers.get("Content-Type")
        self.content_disposition: str | None = response.headers.get("Content-Disposition")
        self.content_range: str | None = response.headers.get("Content-Range")
        length = response.headers.get("Content-Length")
        self.content_length: int | None = int(length) if length and length.isdigit() else None

    def __repr__(self) -> str:
        return (
            f"AttachmentStream(status={self.status}, content_type={self.content_type!r}, "
            f"content_length={self.content_length})"
        )

    def iter_content(self, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
        failure = None
        try:
            yield from self._response.iter_content(chunk_size=chunk_size)
        except requests.RequestException as exc:
            failure = error_from_exception(exc, what="attachment download", secrets=self._secrets)
        if failure is not None:
            self.close()
            raise failure  # outside `except`: the request (and its token) is not chained

    def close(self) -> None:
        self._response.close()

    def __enter__(self) -> AttachmentStream:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
