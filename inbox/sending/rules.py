"""What RingCentral accepts in a send, checked before anything is queued: the same rules serve
the composers, the JSON API and the services, so a send that would be refused is refused here,
with a sentence that says what to change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from inbox.phones import DEFAULT_REGION, PhoneNumberInvalid, phone_number_e164


class SendInvalid(ValueError):
    """The send cannot go out as asked. `field` names the form field to blame."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def phone_number_normalize(raw: str, *, field: str = "to", region: str = DEFAULT_REGION) -> str:
    """`raw` as an E.164 number (`+16505550101`), or `SendInvalid` saying why not
    (`inbox.phones`)."""
    try:
        return phone_number_e164(raw, region=region)
    except PhoneNumberInvalid as invalid:
        raise SendInvalid(invalid.message, field=field) from None


def phone_numbers_normalize(
    raws: list[str], *, field: str = "to", region: str = DEFAULT_REGION
) -> list[str]:
    """Each number in E.164, in order, without repeats (RingCentral refuses duplicates,
    CMN-406); at least one."""
    numbers: dict[str, None] = {}  # in order, each once, found in constant time
    for raw in raws:
        if not raw.strip():
            continue
        numbers.setdefault(phone_number_normalize(raw, field=field, region=region))
    if not numbers:
        raise SendInvalid("Enter at least one recipient.", field=field)
    return list(numbers)


# --------------------------------------------------------------------------- SMS text

SMS_TEXT_LIMIT = 1000  # UTF-16 code units (REFERENCE §8): an emoji counts 2
PAGER_TEXT_LIMIT = 1024  # UTF-16 code units (REFERENCE §9)

# GSM 03.38: the basic character set (one septet each) and its extension table (two septets:
# the escape and the character)
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

# what fits in one segment, and in each segment of a longer message (the rest of the 140
# bytes carries the header that joins the parts)
SINGLE_SEGMENT = {"GSM-7": 160, "UCS-2": 70}
MULTI_SEGMENT = {"GSM-7": 153, "UCS-2": 67}


@dataclass(frozen=True)
class Segments:
    """How a text travels as SMS: its encoding, its length in that encoding's units (GSM-7
    septets or UTF-16 code units) and the number of SMS it is split into."""

    encoding: str  # "GSM-7" or "UCS-2"
    units: int
    segments: int


def utf16_units(text: str) -> int:
    """The text's length as RingCentral counts it: characters outside the BMP count 2."""
    return len(text.encode("utf-16-le")) // 2


def _gsm7_widths(text: str) -> list[int] | None:
    widths: list[int] = []
    for char in text:
        if char in GSM7_BASIC:
            widths.append(1)
        elif char in GSM7_EXTENSION:
            widths.append(2)
        else:
            return None
    return widths


def _segment_count(widths: list[int], *, single: int, multi: int) -> int:
    """Segments needed for characters of these widths: one character is never split across
    two segments (an escape pair, a surrogate pair)."""
    total = sum(widths)
    if total == 0:
        return 0
    if total <= single:
        return 1
    segments, used = 1, 0
    for width in widths:
        if used + width > multi:
            segments, used = segments + 1, 0
        used += width
    return segments


def sms_segments(text: str) -> Segments:
    """The encoding, length and segment count of `text` sent as SMS (the composer's counter
    does the same in static/js/sending.js)."""
    widths = _gsm7_widths(text)
    encoding = "GSM-7"
    if widths is None:
        encoding = "UCS-2"
        widths = [2 if ord(char) > 0xFFFF else 1 for char in text]
    return Segments(
        encoding=encoding,
        units=sum(widths),
        segments=_segment_count(
            widths, single=SINGLE_SEGMENT[encoding], multi=MULTI_SEGMENT[encoding]
        ),
    )


def _too_long(units: int, limit: int) -> str:
    return (
        f"The text is {units:,} characters long; RingCentral takes at most {limit:,} "
        f"(an emoji counts as 2). Shorten it by {units - limit:,}."
    )


def sms_text_check(text: str, *, has_attachments: bool = False) -> str:
    """`text` if RingCentral takes it as an SMS text: at most 1000 UTF-16 units, and not empty
    unless files go with it (MMS)."""
    if not text.strip() and not has_attachments:
        raise SendInvalid("Write a message, or attach a file.", field="text")
    units = utf16_units(text)
    if units > SMS_TEXT_LIMIT:
        raise SendInvalid(_too_long(units, SMS_TEXT_LIMIT), field="text")
    return text


def pager_text_check(text: str) -> str:
    """`text` if RingCentral takes it as a pager message: not empty, at most 1024 units."""
    if not text.strip():
        raise SendInvalid("Write a message.", field="text")
    units = utf16_units(text)
    if units > PAGER_TEXT_LIMIT:
        raise SendInvalid(_too_long(units, PAGER_TEXT_LIMIT), field="text")
    return text


# --------------------------------------------------------------------------- MMS files

MMS_MAX_FILES = 10
MMS_MAX_BYTES = 1_500_000
MMS_MAX_RECIPIENTS = 10
SNIFF_BYTES = 4096

# REFERENCE §8.1: the media types RingCentral takes in an MMS, by file extension
MMS_TYPES: dict[str, str] = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "bmp": "image/bmp",
    "gif": "image/gif",
    "tif": "image/tiff",
    "tiff": "image/tiff",
    "svg": "image/svg+xml",
    "webp": "image/webp",
    "3gp": "video/3gpp",
    "mp4": "video/mp4",
    "mpeg": "video/mpeg",
    "mpg": "video/mpeg",
    "avi": "video/avi",
    "flv": "video/x-flv",
    "wmv": "video/x-ms-wmv",
    "mov": "video/quicktime",
    "webm": "video/webm",
    "ogv": "video/ogg",
    "mp3": "audio/mpeg",
    "m4a": "audio/mp4",
    "ogg": "audio/ogg",
    "oga": "audio/ogg",
    "wav": "audio/wav",
    "amr": "audio/amr",
    "vcf": "text/vcard",
    "zip": "application/zip",
    "gz": "application/gzip",
    "rtf": "application/rtf",
    "pdf": "application/pdf",
    "html": "text/html",
    "htm": "text/html",
    "txt": "text/plain",
    "csv": "text/csv",
    "ics": "text/calendar",
}
TEXT_TYPES = frozenset(
    {"image/svg+xml", "text/vcard", "text/html", "text/plain", "text/csv", "text/calendar"}
)


def _sniffed_family(head: bytes) -> str | None:
    """What the first bytes say the file is (None: no signature known, e.g. text)."""
    signatures: tuple[tuple[bytes, int, str], ...] = (
        (b"\xff\xd8\xff", 0, "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
        (b"GIF8", 0, "image/gif"),
        (b"BM", 0, "image/bmp"),
        (b"II*\x00", 0, "image/tiff"),
        (b"MM\x00*", 0, "image/tiff"),
        (b"%PDF-", 0, "application/pdf"),
        (b"PK\x03\x04", 0, "application/zip"),
        (b"\x1f\x8b", 0, "application/gzip"),
        (b"{\\rtf", 0, "application/rtf"),
        (b"OggS", 0, "ogg"),
        (b"#!AMR", 0, "audio/amr"),
        (b"\x1a\x45\xdf\xa3", 0, "video/webm"),
        (b"FLV", 0, "video/x-flv"),
        (b"\x30\x26\xb2\x75", 0, "video/x-ms-wmv"),
        (b"ftyp", 4, "iso-media"),
        (b"ID3", 0, "audio/mpeg"),
        (b"\x00\x00\x01\xba", 0, "video/mpeg"),
        (b"\x00\x00\x01\xb3", 0, "video/mpeg"),
    )
    for signature, offset, family in signatures:
        if head[offset : offset + len(signature)] == signature:
            return family
    if head[:4] == b"RIFF":
        return {b"WEBP": "image/webp", b"WAVE": "audio/wav", b"AVI ": "video/avi"}.get(
            head[8:12], "riff"
        )
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        return "audio/mpeg"  # an MPEG audio frame without an ID3 tag
    return None


def _content_matches(media_type: str, head: bytes) -> bool:
    family = _sniffed_family(head)
    if media_type in TEXT_TYPES:
        # text: no binary signature and no NUL byte (a program renamed .txt has both)
        return family is None and b"\x00" not in head
    if media_type in {"video/mp4", "video/3gpp", "video/quicktime", "audio/mp4"}:
        return family == "iso-media"
    if media_type in {"audio/ogg", "video/ogg"}:
        return family == "ogg"
    return family == media_type


class NamedFile(Protocol):
    """An uploaded file as Django gives it: a name, a size, and bytes to read."""

    @property
    def name(self) -> str | None: ...

    @property
    def size(self) -> int | None: ...

    def read(self, size: int = ..., /) -> bytes: ...

    def seek(self, offset: int, whence: int = ..., /) -> int: ...


def _extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def mms_attachments_check(files: Sequence[NamedFile], *, recipient_count: int = 1) -> list[str]:
    """The media type of each file, if RingCentral takes them in one MMS: at most 10 files of
    the allowed types (by extension and by content), 1,500,000 bytes together, to at most 10
    recipients. Only the first bytes of each file are read."""
    if not files:
        return []
    if len(files) > MMS_MAX_FILES:
        raise SendInvalid(
            f"Attach at most {MMS_MAX_FILES} files to one message; you chose {len(files)}.",
            field="attachments",
        )
    total = sum(file.size or 0 for file in files)
    if total > MMS_MAX_BYTES:
        raise SendInvalid(
            f"The files are {total / 1_000_000:.1f} MB together; a message takes at most 1.5 MB. "
            "Remove a file or send smaller pictures.",
            field="attachments",
        )
    if recipient_count > MMS_MAX_RECIPIENTS:
        raise SendInvalid(
            f"A message with files can go to at most {MMS_MAX_RECIPIENTS} recipients; "
            f"this one has {recipient_count}.",
            field="to",
        )
    types: list[str] = []
    for file in files:
        name = file.name or "file"
        media_type = MMS_TYPES.get(_extension(name))
        if media_type is None:
            raise SendInvalid(
                f"“{name}” cannot be sent by text message: send pictures, videos, audio, "
                "PDF, text, vCard, calendar or ZIP files.",
                field="attachments",
            )
        file.seek(0)
        head = file.read(SNIFF_BYTES)
        file.seek(0)
        if not _content_matches(media_type, head):
            raise SendInvalid(
                f"“{name}” is not the {_extension(name).upper()} file its name says: "
                "its content is something else.",
                field="attachments",
            )
        types.append(media_type)
    return types
