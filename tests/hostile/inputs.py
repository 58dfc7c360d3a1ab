"""What no form would send, built the same way for the in-process tests and the ones against a
real gunicorn: a body of 50 MB, floods of parts, parameters and headers, bytes that are not
UTF-8, and a zip bomb named like a PDF."""

from __future__ import annotations

import io
import json
import zipfile

MEGABYTE = 1024 * 1024
FIFTY_MB = 50 * MEGABYTE
LONG_TEXT = "Is my order on its way? " * 4167  # 100,008 characters
# 0xFF and 0xFE never occur in UTF-8; 0xC3 0x28 is a lead byte without its continuation
NOT_UTF8 = b"caf\xc3\x28 \xff\xfe"
NOT_UTF8_PERCENT = "caf%C3%28%20%FF%FE"
BOUNDARY = "hostileBoundary7MA4YWxkTrZu0gW"


def json_body_of_size(size: int) -> bytes:
    """A JSON object that is valid and exactly `size` bytes long."""
    head, tail = b'{"from_number": "+16505550102", "to": ["+12095550147"], "text": "', b'"}'
    return head + b"x" * (size - len(head) - len(tail)) + tail


def json_not_utf8() -> bytes:
    return b'{"from_number": "+16505550102", "to": ["+12095550147"], "text": "' + NOT_UTF8 + b'"}'


def multipart_flood(parts: int, *, files: bool, field: str) -> tuple[bytes, str]:
    """A multipart/form-data body of `parts` small parts named `field`: form fields, or files
    (each a one-line text file). Returns the body and its Content-Type."""
    chunks: list[bytes] = []
    for n in range(parts):
        disposition = f'form-data; name="{field}"'
        if files:
            disposition += f'; filename="part{n}.txt"\r\nContent-Type: text/plain'
        chunks.append(f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n\r\n{n}\r\n".encode())
    chunks.append(f"--{BOUNDARY}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={BOUNDARY}"


def multipart_form(fields: dict[str, bytes]) -> tuple[bytes, str]:
    """A multipart/form-data body of plain fields whose values are the bytes given."""
    chunks = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        + value
        + b"\r\n"
        for name, value in fields.items()
    ]
    chunks.append(f"--{BOUNDARY}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={BOUNDARY}"


def zip_bomb(expanded_mb: int = 200) -> bytes:
    """A zip of a few hundred KB holding one file of `expanded_mb` MB of zeros."""
    buffer = io.BytesIO()
    zeros = bytes(MEGABYTE)
    with (
        zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as bomb,
        bomb.open("invoice.pdf", "w", force_zip64=True) as member,
    ):
        for _ in range(expanded_mb):
            member.write(zeros)
    return buffer.getvalue()


def query_flood(parameters: int) -> str:
    """A query string of `parameters` parameters, as short as they can be (`a&a&…`)."""
    return "&".join(["a"] * parameters)


def api_error(body: bytes) -> dict[str, object]:
    found: dict[str, object] = json.loads(body)
    return found
