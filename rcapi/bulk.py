"""Bulk (batch) Message Store requests and their `207 Multi-Status` answers (REFERENCE §12).

Several ids go out comma-joined in the path, at most `BULK_LIMIT` of them (the limit the spec
states for PUT; GET and DELETE are silent, and the emulator applies the same 50). The answer
comes in one of two formats, chosen by `Accept` — and both are read here, because the server
decides in the end:

* `application/vnd.ringcentral.multipart+json`: a JSON array of `{resourceId, status, body}`;
* `multipart/mixed`: a manifest part `{"response": [{href, status, …}]}`, then one body part
  per id in the same order. Error parts carry no id, so results are matched to the ids asked
  for by position (as the official Python SDK does).

A bulk DELETE that succeeded for every id is a plain `204` with no body.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from email.message import Message as MimeHeaders
from typing import Any

from rcapi.errors import RingCentralError, error_from_body
from rcapi.records import Message, Raw, as_dict, as_int, as_list

BULK_LIMIT = 50
VND_MULTIPART_JSON = "application/vnd.ringcentral.multipart+json"


@dataclass(frozen=True)
class BulkResult:
    """The outcome for one id of a bulk request: `body` is the record (GET, PUT, PATCH) or
    None (DELETE); a failed id has `error`, typed like the error a single call raises."""

    resource_id: int
    status: int
    body: Raw | None = field(default=None, repr=False, compare=False, hash=False)
    error: RingCentralError | None = field(default=None, compare=False, hash=False)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def message(self) -> Message | None:
        return Message.from_json(self.body) if self.ok and self.body else None

    @classmethod
    def of(
        cls, resource_id: int, status: int, body: Any, *, secrets: Iterable[str] = ()
    ) -> BulkResult:
        record = body if isinstance(body, dict) else None
        if 200 <= status < 300:
            return cls(resource_id, status, record)
        return cls(resource_id, status, record, error_from_body(status, body, secrets=secrets))


def joined_ids(ids: Sequence[int]) -> str:
    """The path segment for several ids; refuses what the platform would (or worse: an empty
    segment turns `…/message-store/{ids}` into `…/message-store`, "delete everything")."""
    if not ids:
        raise ValueError("at least one message id is needed")
    if len(ids) > BULK_LIMIT:
        raise ValueError(f"at most {BULK_LIMIT} message ids per call; split the list")
    if any(isinstance(i, bool) or not isinstance(i, int) or i <= 0 for i in ids):
        raise ValueError("message ids are positive integers")
    return ",".join(str(i) for i in ids)


def update_body(ids: Sequence[int], change: dict[str, Any]) -> bytes:
    """A bulk PUT/PATCH body in the positional JSON syntax (REFERENCE §5.1, syntax 2)."""
    return json.dumps([{"resourceId": str(i), "body": change} for i in ids]).encode()


def parse_answer(
    content_type: str, body: bytes, requested: Sequence[int], *, secrets: Iterable[str] = ()
) -> list[BulkResult]:
    """Per-id results of a 207 answer in either format."""
    hidden = tuple(secrets)
    mimetype = content_type.split(";", 1)[0].strip().lower()
    if mimetype.startswith("multipart/"):
        return _from_multipart(content_type, body, requested, hidden)
    return _from_json_array(body, requested, hidden)


def all_succeeded(requested: Sequence[int], status: int) -> list[BulkResult]:
    """A bulk answer without per-id parts (a DELETE that worked for every id: 204)."""
    return [BulkResult(resource_id, status) for resource_id in requested]


def _from_json_array(
    body: bytes, requested: Sequence[int], secrets: tuple[str, ...]
) -> list[BulkResult]:
    try:
        items = as_list(json.loads(body or b"null"))
    except (ValueError, UnicodeDecodeError):
        items = []
    results = []
    for position, item in enumerate(items):
        entry = as_dict(item)
        resource_id = as_int(entry.get("resourceId"))
        if resource_id is None:
            resource_id = requested[position] if position < len(requested) else 0
        status = as_int(entry.get("status")) or 0
        results.append(BulkResult.of(resource_id, status, entry.get("body"), secrets=secrets))
    return results


def _from_multipart(
    content_type: str, body: bytes, requested: Sequence[int], secrets: tuple[str, ...]
) -> list[BulkResult]:
    parts = split_multipart(content_type, body)
    if not parts:
        return []
    manifest = as_list(as_dict(_json(parts[0][1])).get("response"))
    results = []
    for position, entry in enumerate(manifest):
        item = as_dict(entry)
        status = as_int(item.get("status")) or 0
        if position < len(requested):
            resource_id = requested[position]
        else:
            href = str(item.get("href") or "")
            resource_id = as_int(href.rstrip("/").rsplit("/", 1)[-1]) or 0
        part_body = _json(parts[position + 1][1]) if position + 1 < len(parts) else None
        results.append(BulkResult.of(resource_id, status, part_body, secrets=secrets))
    return results


def split_multipart(content_type: str, body: bytes) -> list[tuple[dict[str, str], bytes]]:
    """(headers, data) of each part of a multipart body, bytes kept as they are."""
    headers = MimeHeaders()
    headers["Content-Type"] = content_type
    boundary = headers.get_param("boundary")
    if not isinstance(boundary, str) or not boundary:
        return []
    delimiter = b"--" + boundary.encode("latin-1")
    parts: list[tuple[dict[str, str], bytes]] = []
    for section in body.split(delimiter)[1:]:
        if section.startswith(b"--"):
            break  # the closing delimiter
        section = _strip_line_break(section, leading=True)
        section = _strip_line_break(section, leading=False)
        if section.startswith((b"\r\n", b"\n")):  # a part without headers
            parts.append(({}, _strip_line_break(section, leading=True)))
            continue
        head, sep, data = section.partition(b"\r\n\r\n")
        if not sep:
            head, sep, data = section.partition(b"\n\n")
        fields: dict[str, str] = {}
        for line in head.decode("latin-1").splitlines():
            name, colon, value = line.partition(":")
            if colon:
                fields[name.strip().lower()] = value.strip()
        parts.append((fields, data))
    return parts


def _strip_line_break(data: bytes, *, leading: bool) -> bytes:
    for brk in (b"\r\n", b"\n"):
        if leading and data.startswith(brk):
            return data[len(brk) :]
        if not leading and data.endswith(brk):
            return data[: -len(brk)]
    return data


def _json(data: bytes) -> Any:
    if not data.strip():
        return None
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return None
