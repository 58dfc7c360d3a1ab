"""What a fax must be before it is queued (REFERENCE §10): its documents, file names, recipients,
cover page, resolution and scheduled time. Every refusal is a `SendInvalid` with a sentence that
says what to change, and nothing is queued.

Documents are judged by their extension (RingCentral's list) AND, for the kinds that have one,
by their first bytes: a file named `.pdf` that is not a PDF is refused here rather than failing
later as `RenderingFailed`. The files are never read whole: uploads above Django's memory limit
sit in temporary files, and only their first bytes are looked at.
"""

from __future__ import annotations

import re
import unicodedata
import zoneinfo
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.files.uploadedfile import UploadedFile

from inbox.sending.requests import Document
from inbox.sending.rules import SendInvalid, phone_numbers_normalize

MEGABYTE = 1024 * 1024
MAX_TOTAL_BYTES = 50 * MEGABYTE  # "Fax attachment size (both single and total) is limited to 50Mb"
MAX_COVER_TEXT = 1024  # coverPageText maxLength, in UTF-16 units like the platform counts
MAX_NAME_CHARS = 100
RESOLUTIONS = ("High", "Low")
SNIFF_BYTES = 8192
# a fax scheduled so soon would be dialled before RingCentral has it: send it at once instead
MIN_SCHEDULE_AHEAD = timedelta(minutes=1)

# extension -> the media type sent to RingCentral (REFERENCE §10.1's list)
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt": "application/vnd.ms-powerpoint",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "rtf": "application/rtf",
    "txt": "text/plain",
    "log": "text/plain",
    "csv": "text/csv",
    "html": "text/html",
    "htm": "text/html",
    "xml": "application/xml",
    "tif": "image/tiff",
    "tiff": "image/tiff",
    "gif": "image/gif",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "bmp": "image/bmp",
    "png": "image/png",
}
ALLOWED_LIST = "PDF, Word, Excel, PowerPoint, RTF, text, CSV, HTML, XML, TIFF, GIF, JPEG, BMP, PNG"

# the first bytes each kind must start with (PDF: within the first KB, as readers allow)
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP = b"PK\x03\x04"
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "tif": (b"II*\x00", b"MM\x00*"),
    "tiff": (b"II*\x00", b"MM\x00*"),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "gif": (b"GIF87a", b"GIF89a"),
    "bmp": (b"BM",),
    "doc": (OLE,),
    "xls": (OLE,),
    "ppt": (OLE,),
    "docx": (ZIP,),
    "xlsx": (ZIP,),
    "pptx": (ZIP,),
    "rtf": (b"{\\rtf",),
}
TEXT_KINDS = frozenset({"txt", "log", "csv", "html", "htm", "xml"})
KIND_NAMES = {
    "pdf": "PDF",
    "tif": "TIFF",
    "tiff": "TIFF",
    "png": "PNG",
    "jpg": "JPEG",
    "jpeg": "JPEG",
    "gif": "GIF",
    "bmp": "BMP",
    "doc": "Word",
    "docx": "Word",
    "xls": "Excel",
    "xlsx": "Excel",
    "ppt": "PowerPoint",
    "pptx": "PowerPoint",
    "rtf": "RTF",
}

# RingCentral refuses `& @ # $ % ^ *` in file names; anything outside this set is replaced too,
# so a name is also safe in a Content-Disposition header and in a file system
_UNSAFE_NAME_CHARACTERS = re.compile(r"[^A-Za-z0-9 ._\-()+,=\[\]!~']+")


def file_name_safe(raw: str) -> str:
    """`raw` as a file name RingCentral accepts and any disk can store: no folder part, no
    control characters, none of `& @ # $ % ^ *`, ASCII letters (accents dropped), at most
    `MAX_NAME_CHARS` characters, its extension kept (lower-cased)."""
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    name = "".join(ch for ch in name if ch.isprintable())
    stem, extension = name, ""
    while "." in stem and not extension:
        # a last part that cleans to nothing (`scan.PDF.`, `a.b.$`) is no extension: the part
        # before it is, so that cleaning the result again changes nothing
        stem, _, extension = stem.rpartition(".")
        extension = re.sub(r"[^A-Za-z0-9]", "", extension).lower()[:10]
    stem = _UNSAFE_NAME_CHARACTERS.sub("_", stem)
    stem = re.sub(r"_{2,}", "_", re.sub(r"\s+", " ", stem)).strip(" ._-")
    stem = stem or "document"
    room = MAX_NAME_CHARS - (len(extension) + 1 if extension else 0)
    stem = stem[:room].rstrip(" ._-") or "document"
    return f"{stem}.{extension}" if extension else stem


def _extension(name: str) -> str:
    _, dot, extension = name.rpartition(".")
    return extension.lower() if dot else ""


def _head(upload: UploadedFile[Any]) -> bytes:
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    return head if isinstance(head, bytes) else head.encode()


def _looks_like(kind: str, head: bytes) -> bool:
    if kind == "pdf":
        return b"%PDF-" in head[:1024]
    if kind in TEXT_KINDS:
        return b"\x00" not in head
    return head.startswith(SIGNATURES[kind])


def fax_document_check(upload: UploadedFile[Any], *, shown_name: str) -> Document:
    """One uploaded file as a fax document, or `SendInvalid` saying why it cannot be faxed."""
    name = file_name_safe(shown_name)
    kind = _extension(name)
    if kind not in CONTENT_TYPES:
        what = f"“.{kind}” files" if kind else "Files without an extension"
        raise SendInvalid(
            f"{what} cannot be faxed (“{name}”). Send one of these: {ALLOWED_LIST}.",
            field="documents",
        )
    size = upload.size or 0
    if size == 0:
        raise SendInvalid(f"“{name}” is empty: choose the file again.", field="documents")
    if not _looks_like(kind, _head(upload)):
        label = KIND_NAMES.get(kind, "text")
        raise SendInvalid(
            f"“{name}” is not a {label} file, whatever its name says: "
            "open it on your computer and save or export it again.",
            field="documents",
        )
    return Document(file=upload, name=name, content_type=CONTENT_TYPES[kind], size=size)


def fax_documents_check(uploads: Sequence[UploadedFile[Any]]) -> list[Document]:
    """The uploads as fax documents: one or more, each allowed, at most 50 MB together."""
    if not uploads:
        raise SendInvalid("Choose at least one document to fax.", field="documents")
    total = sum(upload.size or 0 for upload in uploads)
    if total > MAX_TOTAL_BYTES:
        raise SendInvalid(too_large_message(total), field="documents")
    return [fax_document_check(upload, shown_name=upload.name or "") for upload in uploads]


def too_large_message(total: int | None = None) -> str:
    size = f" ({total / MEGABYTE:.1f} MB)" if total else ""
    return (
        f"The documents are too large{size}: a fax takes at most 50 MB of documents together. "
        "Send fewer pages, or save scans at a lower resolution."
    )


def fax_recipients_check(raws: Sequence[str]) -> list[str]:
    """Each recipient in E.164, without repeats; at least one. Several may be given in one
    string, separated by commas, semicolons or new lines."""
    parts = [part for raw in raws for part in re.split(r"[,;\n]", raw)]
    return phone_numbers_normalize(parts, field="to")


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def cover_page_check(
    *, cover_index: int | None, cover_page_text: str, offered: Sequence[Any]
) -> tuple[int | None, str]:
    """The cover page (None or 0: none) if it is one RingCentral `offered` (records with `id`
    and `name`), and its text (at most 1024 characters; kept only with a cover page)."""
    text = cover_page_text.strip()
    if utf16_units(text) > MAX_COVER_TEXT:
        raise SendInvalid(
            f"The cover page text is {utf16_units(text)} characters long; "
            f"a cover page takes at most {MAX_COVER_TEXT}.",
            field="cover_page_text",
        )
    if not cover_index:
        if text:
            raise SendInvalid(
                "Pick a cover page for this text, or leave the text empty.",
                field="cover_index",
            )
        return None, ""
    if cover_index not in {page.id for page in offered}:
        raise SendInvalid(
            f"Cover page {cover_index} is not one RingCentral offers for this account: "
            "pick one from the list.",
            field="cover_index",
        )
    return cover_index, text


def resolution_check(value: str | None) -> str:
    """`High`, `Low`, or "" (RingCentral's default, High)."""
    if not value:
        return ""
    if value not in RESOLUTIONS:
        raise SendInvalid("Choose High or Low resolution.", field="resolution")
    return value


def zone_check(name: str | None) -> zoneinfo.ZoneInfo | None:
    """The browser's time zone (an IANA name such as `Europe/Paris`), or None."""
    if not name:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise SendInvalid(
            f"“{name[:60]}” is not a time zone this server knows.", field="send_at"
        ) from None


def send_at_check(
    value: datetime | None, *, zone: zoneinfo.ZoneInfo | None = None, now: datetime | None = None
) -> datetime | None:
    """The scheduled time as an aware UTC datetime, or None (send at once).

    A time without a zone is read in `zone` (the browser's), else as UTC. It must be at least
    a minute ahead.
    """
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone or UTC)
    when = value.astimezone(UTC)
    if when < (now or datetime.now(UTC)) + MIN_SCHEDULE_AHEAD:
        raise SendInvalid(
            "The scheduled time has passed or is less than a minute away: pick a later time, "
            "or leave it empty to send now.",
            field="send_at",
        )
    return when
