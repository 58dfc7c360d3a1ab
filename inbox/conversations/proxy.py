"""The attachment proxy: RingCentral's attachment bytes streamed to the browser.

The browser never sees a RingCentral URL or token: it asks this server, which checks access
(`mailbox_get_for_user`), downloads with the user's own token and passes the body on in
chunks as they arrive, so a 100 MB fax costs a chunk of memory, not 100 MB. A `Range` header is
forwarded and RingCentral's 206 / `Content-Range` passed back.

What goes back to the browser is chosen here, not copied from RingCentral:

* `Content-Disposition: inline` only for pictures, PDF and audio (what the thread shows in
  place), `attachment` for everything else — an HTML or SVG "attachment" is never rendered;
* `X-Content-Type-Options: nosniff`, so the browser keeps to the declared type;
* a `Content-Security-Policy` with `sandbox` and nothing allowed but the document itself, so
  a hostile file opened on its own runs no script and reaches nothing (Chromium's PDF viewer
  still shows a sandboxed PDF: the browser journeys check it);
* `Cache-Control: private` (the content is personal; shared caches must not keep it);
* framing only by this site (the thread embeds faxes).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.http import StreamingHttpResponse

from accounts.models import User
from inbox.conversations.presenters import attachment_kind
from inbox.conversations.selectors import Mailbox
from inbox.ringcentral import ringcentral_do
from rcapi import AttachmentStream, RingCentralError

log = logging.getLogger(__name__)

CHUNK_SIZE = 64 * 1024
INLINE_POLICY = "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'"
SANDBOX_POLICY = f"sandbox; {INLINE_POLICY}; frame-ancestors 'self'"
DOWNLOAD_POLICY = "sandbox; default-src 'none'; frame-ancestors 'none'"
SAFE_TYPE = re.compile(r"^[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+$")
# ASCII digits only (`\d` takes other scripts' too), and at most 18 of them: no file is an
# exabyte, and `int()` refuses more than 4,300 digits with a plain ValueError
RANGE = re.compile(r"^bytes=([0-9]{1,18})-([0-9]{0,18})$")


class BadRange(ValueError):
    """A `Range` header this proxy does not serve (several ranges, suffix ranges, nonsense)."""


def parse_range(header: str | None) -> tuple[int, int | None] | None:
    """`bytes=first-[last]` as (first, last or None); None without a header. Several ranges,
    suffix ranges (`bytes=-500`) and anything else raise `BadRange`."""
    if not header:
        return None
    match = RANGE.match(header.strip())
    if match is None:
        raise BadRange(header)
    first = int(match.group(1))
    last = int(match.group(2)) if match.group(2) else None
    if last is not None and last < first:
        raise BadRange(header)
    return first, last


@dataclass(frozen=True)
class Download:
    stream: AttachmentStream
    content_type: str
    file_name: str


def safe_content_type(raw: str | None) -> str:
    base = (raw or "").split(";", 1)[0].strip().lower()
    return base if SAFE_TYPE.match(base) else "application/octet-stream"


def safe_file_name(name: str) -> str:
    """A file name fit for a header: no quotes, slashes or control characters."""
    # stripped again after the cut, which may end on a space or a dot
    cleaned = re.sub(r"[^\w.\- ]", "_", name).strip(" .")[:120].rstrip(" .")
    return cleaned or "attachment"


def attachment_open(
    *,
    user: User,
    mailbox: Mailbox,
    message_id: int,
    attachment_id: int,
    byte_range: tuple[int, int | None] | None,
) -> Download:
    """Start downloading an attachment of a message of `mailbox`, as `user`.

    Raises Http404 when RingCentral does not show the message or attachment to `user`."""
    stream: AttachmentStream = ringcentral_do(
        mailbox.caller(user),
        lambda client: client.download_attachment(
            extension_id=mailbox.extension_id,
            message_id=message_id,
            attachment_id=attachment_id,
            byte_range=byte_range,
        ),
    )
    content_type = safe_content_type(stream.content_type)
    return Download(stream, content_type, f"message-{message_id}-{attachment_id}")


def _chunks(stream: AttachmentStream) -> Iterator[bytes]:
    """The body as it arrives. A failure midway ends the response short (the browser sees
    an incomplete download); it is logged, as there is no way left to tell the person."""
    try:
        yield from stream.iter_content(CHUNK_SIZE)
    except RingCentralError as exc:
        log.warning("Attachment download broke off: %s", exc)
    finally:
        stream.close()


EXTENSIONS = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "image/bmp": ".bmp",
    "application/pdf": ".pdf",
    "audio/x-wav": ".wav",
    "audio/wav": ".wav",
    "audio/mpeg": ".mp3",
    "audio/mp4": ".m4a",
    "text/plain": ".txt",
}


def attachment_response(download: Download, *, force_download: bool) -> StreamingHttpResponse:
    stream = download.stream
    kind = attachment_kind(download.content_type)
    inline = kind in {"image", "pdf", "audio"} and not force_download
    response = StreamingHttpResponse(
        _chunks(stream), status=stream.status, content_type=download.content_type
    )
    if stream.content_length is not None:
        response["Content-Length"] = str(stream.content_length)
    if stream.status == 206 and stream.content_range:
        response["Content-Range"] = stream.content_range
    response["Accept-Ranges"] = "bytes"
    name = safe_file_name(download.file_name) + EXTENSIONS.get(download.content_type, "")
    response["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX_POLICY if inline else DOWNLOAD_POLICY
    response["X-Frame-Options"] = "SAMEORIGIN"
    response["Cache-Control"] = "private, max-age=300"
    response["Referrer-Policy"] = "no-referrer"
    return response
