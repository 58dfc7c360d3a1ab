"""The envelope of a send request: a JSON body, or a multipart body with a JSON part and files.

REFERENCE §8.1 rule of thumb: in a multipart body the first part whose Content-Type is
`application/json` is the request body whatever its name (the Python SDK names it `json`,
the JavaScript SDK `request.json`); the other parts are attachments. Fax requests may also use
one plain form-data field per parameter (the [SPEC21] "Multipart/Form-data" sample), so named
fields without a file name are kept apart from the files.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from emulator import multipart
from emulator.errors import ApiError
from emulator.multipart import Part
from emulator.web import Ctx

MEGABYTE = 1024 * 1024


@dataclass
class Envelope:
    data: dict[str, Any]  # the JSON envelope; {} when the request has none
    fields: dict[str, list[str]] = field(default_factory=dict)  # plain form-data fields
    files: list[Part] = field(default_factory=list)  # attachments, in request order
    multipart: bool = False
    has_json: bool = False


def too_large(limit: int) -> ApiError:
    """The platform's gateway limit (`x-request-max-body-size`); its answer is not documented,
    so the emulator says plainly what happened, with the usual "cannot parse" code."""
    return ApiError(
        413, "CMN-104", f"Request body is too large: the limit is {limit // MEGABYTE} MB"
    )


def unsupported_type(content_type: str) -> ApiError:
    """Same wording as the emulator's OAuth endpoints for a body type an operation refuses."""
    return ApiError(415, "CMN-104", f"Unsupported content type [{content_type or 'none'}]")


def read_body(ctx: Ctx, *, limit: int) -> bytes:
    """The raw body, refused with 413 beyond `limit` bytes (checked before reading when the
    client announced a Content-Length)."""
    announced = ctx.request.content_length
    if announced is not None and announced > limit:
        raise too_large(limit)
    data = ctx.request.get_data(cache=True)
    if len(data) > limit:
        raise too_large(limit)
    return data


def parse_json_object(raw: bytes | str, *, error: ApiError) -> dict[str, Any]:
    try:
        value = json.loads(raw or b"null")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise error from exc
    if not isinstance(value, dict):
        raise error
    return value


def json_error() -> ApiError:
    return ApiError(400, "CMN-103", "JSON can't be parsed.")


def read_envelope(
    ctx: Ctx,
    *,
    limit: int,
    allow_json: bool = True,
    field_names: Collection[str] = (),
    bad_json: ApiError | None = None,
) -> Envelope:
    """Read a JSON or multipart (form-data or mixed) send request.

    `field_names`: form-data fields read as plain values when they carry no file name
    (a `filename` makes a part an attachment whatever its name).
    """
    error = bad_json or json_error()
    mimetype = ctx.request.mimetype
    body = read_body(ctx, limit=limit)
    if multipart.is_multipart(mimetype):
        parts = multipart.parse(ctx.request.headers.get("Content-Type", ""), body)
        envelope = Envelope(data={}, multipart=True)
        for part in parts:
            if part.is_json and not envelope.has_json:
                envelope.data = parse_json_object(part.data, error=error)
                envelope.has_json = True
            elif part.filename is None and part.name is not None and part.name in field_names:
                envelope.fields.setdefault(part.name, []).append(_field_text(part))
            else:
                envelope.files.append(part)
        return envelope
    if allow_json and mimetype in ("application/json", "text/json"):
        return Envelope(data=parse_json_object(body, error=error), has_json=True)
    raise unsupported_type(mimetype)


def _field_text(part: Part) -> str:
    try:
        return part.text().strip()
    except (LookupError, UnicodeDecodeError) as exc:
        name = part.name or "field"
        raise ApiError(
            400, "CMN-101", f"Parameter [{name}] value is invalid.", parameter_name=name
        ) from exc


# Spellings clients use for the types of the MMS allow-list (REFERENCE §8.1).
_TYPE_ALIASES = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "image/x-ms-bmp": "image/bmp",
    "audio/x-wav": "audio/wav",
    "audio/wave": "audio/wav",
    "audio/mp3": "audio/mpeg",
    "text/x-vcard": "text/vcard",
    "application/x-gzip": "application/gzip",
    "application/x-zip-compressed": "application/zip",
}


def part_content_type(part: Part, guess: Callable[[str], str | None]) -> str:
    """The media type of an attachment part: its Content-Type, or `guess(file name)` when the
    part has none or only says `application/octet-stream` (what browsers send for unknown
    files)."""
    declared = part.content_type.lower() if "content-type" in part.headers else ""
    if declared in ("", "application/octet-stream"):
        guessed = guess(part.filename or "") if part.filename else None
        return guessed or declared or "application/octet-stream"
    return _TYPE_ALIASES.get(declared, declared)
