"""Reading and writing MIME multipart bodies (form-data and mixed) without loading a parser
that rewrites line endings: binary parts (PDFs, pictures) must come through byte for byte."""

from __future__ import annotations

import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from werkzeug.http import parse_options_header

from emulator.errors import ApiError


@dataclass(frozen=True)
class Part:
    headers: dict[str, str]  # lower-case names
    data: bytes
    content_type: str = "text/plain"
    name: str | None = None  # form-data field name
    filename: str | None = None
    params: dict[str, str] = field(default_factory=dict)

    @property
    def is_json(self) -> bool:
        return self.content_type in ("application/json", "text/json")

    def text(self) -> str:
        charset = self.params.get("charset", "utf-8")
        return self.data.decode(charset)


def is_multipart(mimetype: str) -> bool:
    return mimetype.startswith("multipart/")


def parse(content_type: str, body: bytes) -> list[Part]:
    """Split a multipart body into parts; CMN-104 when it is not one."""
    mimetype, options = parse_options_header(content_type)
    boundary = options.get("boundary")
    if not mimetype.startswith("multipart/") or not boundary:
        raise ApiError(400, "CMN-104", "Cannot parse request")
    delimiter = b"--" + boundary.encode("latin-1")
    chunks = body.split(delimiter)
    if len(chunks) < 3:  # preamble, at least one part, the closing '--'
        raise ApiError(400, "CMN-104", "Cannot parse request")
    parts: list[Part] = []
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break  # the closing delimiter
        parts.append(_part(_strip_part_framing(chunk)))
    return parts


def _strip_part_framing(chunk: bytes) -> bytes:
    """Drop the line break after the delimiter and the one that belongs to the next delimiter."""
    if chunk.startswith(b"\r\n"):
        chunk = chunk[2:]
    elif chunk.startswith(b"\n"):
        chunk = chunk[1:]
    if chunk.endswith(b"\r\n"):
        chunk = chunk[:-2]
    elif chunk.endswith(b"\n"):
        chunk = chunk[:-1]
    return chunk


def _part(raw: bytes) -> Part:
    head, sep, data = raw.partition(b"\r\n\r\n")
    if not sep:
        head, sep, data = raw.partition(b"\n\n")
    if not sep:  # a part with headers only, or a body with none
        head, data = (raw, b"") if b":" in raw.split(b"\n", 1)[0] else (b"", raw)
    headers: dict[str, str] = {}
    for line in head.decode("utf-8", "replace").splitlines():
        name, colon, value = line.partition(":")
        if colon:
            headers[name.strip().lower()] = value.strip()
    mimetype, params = parse_options_header(headers.get("content-type", "text/plain"))
    _, disposition = parse_options_header(headers.get("content-disposition", ""))
    return Part(
        headers=headers,
        data=data,
        content_type=mimetype or "text/plain",
        name=disposition.get("name"),
        filename=disposition.get("filename"),
        params=dict(params),
    )


def new_boundary() -> str:
    """Boundaries look like the platform's: `Boundary_<n>_<n>_<millis>`."""
    return (
        f"Boundary_{secrets.randbelow(100)}_{secrets.randbelow(10**10)}_{int(time.time() * 1000)}"
    )


def build_mixed(parts: Sequence[tuple[str, bytes]]) -> tuple[str, bytes]:
    """(Content-Type header, body) of a multipart/mixed answer made of (content type, data)."""
    boundary = new_boundary()
    out = bytearray()
    for content_type, data in parts:
        out += f"--{boundary}\r\nContent-Type: {content_type}\r\n\r\n".encode()
        out += data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return f"multipart/mixed; boundary={boundary}", bytes(out)
