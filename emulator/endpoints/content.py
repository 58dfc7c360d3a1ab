"""Attachment download: `GET …/message-store/{messageId}/content/{attachmentId}` (REFERENCE §7).

Attachments can be large (faxes up to 50 MB, video MMS), so the bytes are never loaded whole:
the answer streams them from SQLite's incremental BLOB I/O in fixed-size chunks. The stream
opens its own connection (the server is threaded, and the body is sent after the handler has
returned) inside one read transaction, so the metadata checked and the bytes sent belong to
the same snapshot even if the message is purged meanwhile; it closes when the body is done
or the client goes away.

Ranges follow RFC 7233 for a single range (`bytes=a-b`, `a-`, `-n`) → 206 with
`Content-Range: bytes a-b/total`; one that starts past the end is 416 CMN-107 with
`Content-Range: bytes */total`. Several ranges, or a header that does not parse, are ignored
(the full content, 200), as the RFC allows.
"""

from __future__ import annotations

import mimetypes
import re
import sqlite3
from collections.abc import Iterator
from urllib.parse import quote

from werkzeug.wrappers import Response

from emulator import bulk
from emulator.errors import ApiError, invalid_parameter, not_found
from emulator.web import Ctx, mailbox, route

CHUNK_SIZE = 256 * 1024
DISPOSITIONS = {"Inline": "inline", "Attachment": "attachment"}
# File name extensions by media type, for the default `{attachmentId}.{ext}` download name
# ([SPEC21] sample: `attachment;filename=403201507008.wav` for `audio/x-wav`).
EXTENSIONS = {
    "audio/x-wav": "wav", "audio/wav": "wav", "audio/wave": "wav", "audio/mpeg": "mp3",
    "audio/mp4": "m4a", "audio/ogg": "ogg", "application/pdf": "pdf", "image/tiff": "tiff",
    "image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/bmp": "bmp",
    "text/plain": "txt", "text/vcard": "vcf", "video/mp4": "mp4", "video/3gpp": "3gp",
}  # fmt: skip
_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)


class BlobStream:
    """An attachment's bytes `[start, start + length)`, read chunk by chunk."""

    def __init__(self, db: sqlite3.Connection, attachment_id: int) -> None:
        self._db = db
        self._blob = db.blobopen("attachment", "content", attachment_id, readonly=True)
        self._remaining = 0
        self._closed = False

    def __len__(self) -> int:
        return len(self._blob)

    def select(self, start: int, length: int) -> None:
        self._blob.seek(start)
        self._remaining = length

    def __iter__(self) -> Iterator[bytes]:
        try:
            while self._remaining > 0 and not self._closed:
                chunk = self._blob.read(min(CHUNK_SIZE, self._remaining))
                if not chunk:
                    break
                self._remaining -= len(chunk)
                yield chunk
        finally:
            self.close()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._blob.close()
        if self._db.in_transaction:
            self._db.execute("COMMIT")
        self._db.close()


def open_snapshot(path: str) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA busy_timeout=30000")
    db.execute("BEGIN")
    return db


def byte_range(header: str | None, total: int) -> tuple[int, int] | None:
    """(first, last) of a single satisfiable range; None to send everything; 416 otherwise."""
    if not header:
        return None
    match = _RANGE.match(header)
    if match is None:
        return None  # several ranges or not a byte range: ignored
    first_text, last_text = match.groups()
    if not first_text and not last_text:
        return None
    if not first_text:  # suffix: the last n bytes
        suffix = int(last_text)
        if suffix == 0 or total == 0:
            raise unsatisfiable(total)
        return max(total - suffix, 0), total - 1
    first = int(first_text)
    last = int(last_text) if last_text else total - 1
    if last_text and last < first:
        return None  # syntactically invalid: ignored (RFC 7233 §2.1)
    if first >= total:
        raise unsatisfiable(total)
    return first, min(last, total - 1)


def unsatisfiable(total: int) -> ApiError:
    return ApiError(
        416,
        "CMN-107",
        "Requested Range Not Satisfiable",
        headers={"Content-Range": f"bytes */{total}"},
    )


def disposition(ctx: Ctx, attachment_id: int, content_type: str) -> str:
    """`inline;filename=<id>.<ext>` (default `Inline`), or the `contentDispositionFilename`."""
    args = ctx.request.args
    kind = args.get("contentDisposition", "Inline")
    if kind not in DISPOSITIONS:
        raise invalid_parameter("contentDisposition", kind)
    name = args.get("contentDispositionFilename") or f"{attachment_id}.{extension(content_type)}"
    if re.fullmatch(r"[A-Za-z0-9._-]+", name):
        return f"{DISPOSITIONS[kind]};filename={name}"
    ascii_name = name.encode("ascii", "replace").decode().replace("\\", "_").replace('"', "_")
    return f"{DISPOSITIONS[kind]};filename=\"{ascii_name}\";filename*=UTF-8''{quote(name)}"


def extension(content_type: str) -> str:
    media_type = content_type.split(";")[0].strip().lower()
    if media_type in EXTENSIONS:
        return EXTENSIONS[media_type]
    guessed = mimetypes.guess_extension(media_type, strict=False)
    return guessed.lstrip(".") if guessed else "bin"


def attachment_number(raw: str) -> int:
    text = raw.strip()
    if not text.isdigit() or len(text) > 19:
        raise not_found("attachmentId")
    return int(text)


@route(
    "/restapi/v1.0/account/<account_id>/extension/<extension_id>/message-store/<message_id>"
    "/content/<attachment_id>",
    methods=["GET"],
    operation="readMessageContent",
    group="Medium",
    query_token=True,
)
def read_message_content(ctx: Ctx) -> Response:
    box = mailbox(ctx, permission="ReadMessageContent")
    message_id = bulk.message_id(ctx.args["message_id"])
    attachment_id = attachment_number(ctx.args["attachment_id"])
    db = open_snapshot(ctx.store.path)
    stream: BlobStream | None = None
    try:
        message = db.execute(
            "SELECT availability FROM message WHERE id = ? AND extension_id = ?",
            (message_id, box["id"]),
        ).fetchone()
        if message is None:
            raise not_found("messageId")
        attachment = db.execute(
            "SELECT id, content_type FROM attachment WHERE id = ? AND message_id = ?",
            (attachment_id, message_id),
        ).fetchone()
        if attachment is None or message["availability"] == "Purged":
            raise not_found("attachmentId")
        stream = BlobStream(db, attachment_id)
        total = len(stream)
        content_type = str(attachment["content_type"])
        headers = {
            "Content-Disposition": disposition(ctx, attachment_id, content_type),
            "Accept-Ranges": "bytes",
        }
        wanted = byte_range(ctx.request.headers.get("Range"), total)
        first, last = wanted if wanted is not None else (0, total - 1)
        length = max(last - first + 1, 0)
        headers["Content-Length"] = str(length)
        if wanted is not None:
            headers["Content-Range"] = f"bytes {first}-{last}/{total}"
        stream.select(first, length)
    except BaseException:
        if stream is not None:
            stream.close()
        else:
            db.execute("ROLLBACK")
            db.close()
        raise
    return Response(
        stream,
        status=206 if wanted is not None else 200,
        headers=headers,
        content_type=content_type,
        direct_passthrough=True,
    )
