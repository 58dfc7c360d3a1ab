"""Attachment bytes made on the spot: PDF faxes, WAV voicemails, PNG pictures.

Everything is generated locally and deterministically (same arguments, same bytes), so the
demo mailbox and the tests never download anything and seeding twice gives identical content.
The readers (`pdf_page_count`, `wav_duration`, `image_size`) are what the endpoints use to fill
`faxPageCount`, `vmDuration` and MMS `width`/`height` (REFERENCE §2).
"""

from __future__ import annotations

import io
import math
import random
import re
import struct
import sys
import textwrap
import wave
import zlib
from array import array
from collections.abc import Sequence

# --------------------------------------------------------------------------- MMS media types

# REFERENCE §8.1 (docs/messaging/sms/sending-images.md): the only media types an MMS may carry.
MMS_CONTENT_TYPES = frozenset(
    {
        "image/jpeg", "image/png", "image/bmp", "image/gif", "image/tiff", "image/svg+xml",
        "image/webp",
        "video/3gpp", "video/mp4", "video/mpeg", "video/avi", "video/x-flv", "video/x-ms-wmv",
        "video/quicktime", "video/webm", "video/ogg",
        "audio/mpeg", "audio/mp4", "audio/ogg", "audio/wav", "audio/amr", "audio/3gpp",
        "text/vcard",
        "application/zip", "application/gzip", "application/rtf", "application/pdf",
        "text/html", "text/plain", "text/csv", "text/calendar",
    }
)  # fmt: skip

# File extensions to media types, spelled as the allow-list spells them. A fixed table rather
# than `mimetypes`, whose answers depend on the host's /etc/mime.types (e.g. `audio/x-wav`).
_EXTENSION_TYPES = {
    "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "bmp": "image/bmp",
    "gif": "image/gif", "tif": "image/tiff", "tiff": "image/tiff", "svg": "image/svg+xml",
    "webp": "image/webp",
    "3gp": "video/3gpp", "mp4": "video/mp4", "m4v": "video/mp4", "mpeg": "video/mpeg",
    "mpg": "video/mpeg", "avi": "video/avi", "flv": "video/x-flv", "wmv": "video/x-ms-wmv",
    "mov": "video/quicktime", "webm": "video/webm", "ogv": "video/ogg",
    "mp3": "audio/mpeg", "m4a": "audio/mp4", "ogg": "audio/ogg", "oga": "audio/ogg",
    "wav": "audio/wav", "amr": "audio/amr",
    "vcf": "text/vcard", "vcard": "text/vcard",
    "zip": "application/zip", "gz": "application/gzip", "rtf": "application/rtf",
    "pdf": "application/pdf",
    "html": "text/html", "htm": "text/html", "txt": "text/plain", "csv": "text/csv",
    "ics": "text/calendar",
}  # fmt: skip


def guess_content_type(file_name: str) -> str | None:
    """The media type of a file by its extension, or None when unknown."""
    _, dot, extension = file_name.rpartition(".")
    return _EXTENSION_TYPES.get(extension.lower()) if dot else None


# --------------------------------------------------------------------------- PDF

_PAGE_WIDTH, _PAGE_HEIGHT = 612, 792  # US Letter in points, as US fax machines print
_MARGIN = 54
_FONT_SIZE = 11
_LEADING = 14
_WRAP_COLUMNS = 90  # Helvetica 11 pt averages ~5.5 pt a character: 90 fit in 504 pt
_LINES_PER_PAGE = (_PAGE_HEIGHT - 2 * _MARGIN) // _LEADING


def _pdf_text(value: str) -> bytes:
    """A PDF literal string: WinAnsi (Latin-1) bytes with `( ) \\` escaped.

    Characters the standard Helvetica encoding cannot show (non-Latin-1, controls) become `?`.
    """
    cleaned = "".join(ch if (" " <= ch <= "~") or ("\xa0" <= ch <= "\xff") else "?" for ch in value)
    raw = cleaned.encode("latin-1")
    raw = raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    return b"(" + raw + b")"


def _page_lines(text: str) -> list[str]:
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        lines.extend(textwrap.wrap(paragraph, _WRAP_COLUMNS, drop_whitespace=True) or [""])
    return lines[:_LINES_PER_PAGE]  # one page per string: what does not fit is cut off


def _page_stream(text: str) -> bytes:
    parts = [
        b"BT",
        f"/F1 {_FONT_SIZE} Tf".encode(),
        f"{_LEADING} TL".encode(),
        f"{_MARGIN} {_PAGE_HEIGHT - _MARGIN - _FONT_SIZE} Td".encode(),
    ]
    for index, line in enumerate(_page_lines(text)):
        parts.append(_pdf_text(line) + (b" Tj" if index == 0 else b" '"))
    parts.append(b"ET")
    return b"\n".join(parts) + b"\n"


def pdf_document(pages: Sequence[str], *, title: str | None = None) -> bytes:
    """A valid PDF 1.4 with one Letter page per string (long lines wrapped), Helvetica text."""
    texts = list(pages) or [""]
    objects: list[bytes] = []  # object n is objects[n - 1]
    page_ids = [4 + 2 * index for index in range(len(texts))]
    kids = " ".join(f"{number} 0 R" for number in page_ids)
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(texts)} >>".encode())
    objects.append(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    )
    for number, text in zip(page_ids, texts, strict=True):
        stream = _page_stream(text)
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {_PAGE_WIDTH} {_PAGE_HEIGHT}] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {number + 1} 0 R >>".encode()
        )
        objects.append(f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"endstream")
    info_ref = b""
    if title is not None:
        objects.append(b"<< /Title " + _pdf_text(title) + b" /Producer (RingCentral emulator) >>")
        info_ref = f" /Info {len(objects)} 0 R".encode()

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")  # binary comment: marks the file as binary
    offsets = []
    for number, content in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + content + b"\nendobj\n"
    xref_at = len(out)
    out += f"xref\n0 {len(objects) + 1}\n".encode()
    out += b"0000000000 65535 f \n"
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R".encode() + info_ref + b" >>\n"
    out += f"startxref\n{xref_at}\n%%EOF\n".encode()
    return bytes(out)


_OBJECT = re.compile(rb"(?<!\d)(\d+)\s+(\d+)\s+obj\b")
_ROOT = re.compile(rb"/Root\s+(\d+)\s+\d+\s+R")
_PAGES_REF = re.compile(rb"/Pages\s+(\d+)\s+\d+\s+R")
_COUNT = re.compile(rb"/Count\s+(\d+)")
_PAGES_TYPE = re.compile(rb"/Type\s*/Pages\b")
_PAGE_TYPE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")
_STREAM = re.compile(rb"stream\r?\n(.*?)endstream", re.DOTALL)


def _object_table(data: bytes) -> dict[int, bytes]:
    """Object number → its text; later definitions win (incremental updates append)."""
    table: dict[int, bytes] = {}
    matches = list(_OBJECT.finditer(data))
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(data)
        body = data[match.end() : end]
        stop = body.find(b"endobj")
        table[int(match.group(1))] = body if stop < 0 else body[:stop]
    return table


def _compressed_objects(table: dict[int, bytes]) -> dict[int, bytes]:
    """Objects kept in PDF 1.5 object streams (`/Type /ObjStm`, Flate-compressed)."""
    found: dict[int, bytes] = {}
    for body in table.values():
        if b"/ObjStm" not in body:
            continue
        stream = _STREAM.search(body)
        first = re.search(rb"/First\s+(\d+)", body)
        if stream is None or first is None:
            continue
        try:
            raw = zlib.decompress(stream.group(1))
        except zlib.error:
            continue
        start = int(first.group(1))
        header = [int(token) for token in raw[:start].split()]
        pairs = list(zip(header[0::2], header[1::2], strict=False))
        for index, (number, offset) in enumerate(pairs):
            end = pairs[index + 1][1] if index + 1 < len(pairs) else len(raw) - start
            found[number] = raw[start + offset : start + end]
    return found


def pdf_page_count(data: bytes) -> int:
    """Pages of a PDF: the `/Count` of the catalog's page tree, else a count of page objects.

    Follows the last `/Root` (incremental updates) and looks into compressed object streams;
    0 when the bytes are not a PDF at all.
    """
    if b"%PDF-" not in data[:1024]:
        return 0
    table = _object_table(data)
    table.update(_compressed_objects(table))
    roots = _ROOT.findall(data)
    for body in table.values():  # cross-reference streams carry /Root in their dictionary
        roots.extend(_ROOT.findall(body))
    for root in reversed(roots):
        catalog = table.get(int(root))
        pages_ref = _PAGES_REF.search(catalog) if catalog else None
        pages = table.get(int(pages_ref.group(1))) if pages_ref else None
        count = _COUNT.search(pages) if pages else None
        if count is not None:
            return int(count.group(1))
    tree_counts = [
        int(count.group(1))
        for body in table.values()
        if _PAGES_TYPE.search(body) and (count := _COUNT.search(body))
    ]
    if tree_counts:
        return max(tree_counts)  # the root of the page tree counts every leaf
    return sum(1 for body in table.values() if _PAGE_TYPE.search(body))


# --------------------------------------------------------------------------- WAV


def wav_tone(seconds: float, *, frequency: float = 440.0, sample_rate: int = 8000) -> bytes:
    """Mono 16-bit PCM WAV: "syllables" of a gliding tone around `frequency`, with pauses.

    Telephone voicemail is 8 kHz; the pitch and loudness move like speech so a player shows
    something more alive than a flat beep, yet the same arguments give the same bytes.
    """
    total = max(0, round(seconds * sample_rate))
    rng = random.Random(f"{seconds}:{frequency}:{sample_rate}")  # noqa: S311 (not a secret)  # nosec B311
    samples = array("h")
    phase = 0.0
    while len(samples) < total:
        syllable = min(total - len(samples), int(sample_rate * rng.uniform(0.12, 0.3)))
        start_pitch = frequency * rng.uniform(0.8, 1.25)
        end_pitch = frequency * rng.uniform(0.8, 1.25)
        loudness = rng.uniform(0.35, 0.7) * 32767
        for index in range(syllable):
            progress = index / syllable
            pitch = start_pitch + (end_pitch - start_pitch) * progress
            phase += 2 * math.pi * pitch / sample_rate
            envelope = math.sin(math.pi * progress)  # fade in and out: no clicks
            samples.append(int(loudness * envelope * math.sin(phase)))
        pause = min(total - len(samples), int(sample_rate * rng.uniform(0.03, 0.12)))
        samples.extend([0] * pause)
    if sys.byteorder == "big":  # WAV samples are little-endian
        samples.byteswap()
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(samples.tobytes())
    return buffer.getvalue()


def wav_duration(data: bytes) -> float:
    """Seconds of audio in a PCM WAV file; 0.0 when it is not one `wave` can read."""
    try:
        with wave.open(io.BytesIO(data), "rb") as audio:
            rate = audio.getframerate()
            return audio.getnframes() / rate if rate else 0.0
    except (wave.Error, EOFError, struct.error):
        return 0.0


# --------------------------------------------------------------------------- images


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def png_image(width: int, height: int, *, seed: int) -> bytes:
    """An RGB PNG: a diagonal gradient between two colours picked by `seed`, with a disc."""
    if width < 1 or height < 1:
        raise ValueError("a PNG needs at least one pixel")
    rng = random.Random(seed)  # noqa: S311 (deterministic picture, not a secret)  # nosec B311
    start = [rng.randrange(256) for _ in range(3)]
    end = [rng.randrange(256) for _ in range(3)]
    disc = bytes(rng.randrange(256) for _ in range(3))
    cx, cy = rng.uniform(0.25, 0.75) * width, rng.uniform(0.25, 0.75) * height
    radius = rng.uniform(0.12, 0.3) * min(width, height)
    # Each channel is a horizontal ramp shifted per row: a byte translation per row is fast.
    span = max(1, width + height - 2)
    columns = [
        bytes(s + (e - s) * x // span for x in range(width))
        for s, e in zip(start, end, strict=True)
    ]
    shifts: dict[int, bytes] = {}
    raw = bytearray()
    for y in range(height):
        row = bytearray(width * 3)
        for channel in range(3):
            shift = (end[channel] - start[channel]) * y // span
            if shift not in shifts:
                shifts[shift] = bytes(min(255, max(0, value + shift)) for value in range(256))
            row[channel::3] = columns[channel].translate(shifts[shift])
        dy = y + 0.5 - cy
        if abs(dy) < radius:
            half = math.sqrt(radius * radius - dy * dy)
            left, right = max(0, round(cx - half)), min(width, round(cx + half))
            if right > left:
                row[left * 3 : right * 3] = disc * (right - left)
        raw += b"\x00" + row  # filter type 0 (None) on every scanline
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(bytes(raw), 9))
        + _png_chunk(b"IEND", b"")
    )


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    position = 2
    while position + 9 < len(data):
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):  # markers without a length
            position += 2
            continue
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):  # start of frame
            height, width = struct.unpack(">HH", data[position + 5 : position + 9])
            return width, height
        position += 2 + length
    return None


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG, JPEG, GIF or BMP header; None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24 and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return width, height
    if data.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    if data.startswith(b"BM") and len(data) >= 26:
        width, height = struct.unpack("<ii", data[18:26])
        return abs(width), abs(height)  # negative height = rows stored top-down
    return None
