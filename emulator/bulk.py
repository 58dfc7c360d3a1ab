"""Bulk (batch) Message Store requests and their `207 Multi-Status` answers (REFERENCE §12).

Ids joined with commas in the last path segment name several messages; `*` in their place
(PUT/PATCH/DELETE only) means "the ids are in the body". Each id is handled on its own, not
as a transaction, and the answer lists one result per id, in the order asked:

* `Accept: application/vnd.ringcentral.multipart+json` → a JSON array of
  `{resourceId, status, body}` (`body` left out when there is none, e.g. a 204);
* otherwise (also for `Accept: application/json`) → `multipart/mixed` whose first part is the
  manifest `{"response": [{href, status, responseDescription}]}` and whose next parts are the
  bodies in the same order, error bodies included and empty for a 204 — the layout the
  official Python SDK checks (`len(response) == parts - 1`).

Limits: the spec states 50 ids in the path and 1000 in a body for PUT (`updateMessage`);
it is silent for GET and DELETE (REFERENCE §17.4), which use the same 50 / 1000 here.
Exceeding them is 400 CMN-106 "Batch request is limited to N entries".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from werkzeug.wrappers import Request, Response

from emulator import multipart
from emulator.errors import ApiError, batch_limit, invalid_parameter

VND_MULTIPART_JSON = "application/vnd.ringcentral.multipart+json"
PATH_LIMIT = 50
BODY_LIMIT = 1000


@dataclass(frozen=True)
class Outcome:
    """The result for one id of a bulk request."""

    resource_id: str
    href: str
    status: int
    body: Any = None  # a record or an error body; None for a bodiless answer (204)

    @classmethod
    def failed(cls, resource_id: str, href: str, error: ApiError) -> Outcome:
        return cls(resource_id, href, error.status, error.body())


@dataclass(frozen=True)
class Entry:
    """One id of a bulk PUT/PATCH with the JSON body meant for it (or why it has none)."""

    resource_id: str
    body: Any = None
    error: ApiError | None = None


def is_bulk(raw_ids: str, *, star: bool = True) -> bool:
    return "," in raw_ids or (star and raw_ids.strip() == "*")


def path_ids(raw_ids: str, limit: int = PATH_LIMIT) -> list[str]:
    """Ids of a comma-joined path segment (spaces around them are tolerated, as in the
    [SPEC21] sample `…/403535598008, 403535596008`)."""
    ids = [part.strip() for part in raw_ids.split(",")]
    if len(ids) > limit:
        raise batch_limit(limit)
    return ids


INT64_MAX = 2**63 - 1


def message_id(raw: str) -> int:
    """A message id from the path or a body: digits of a signed 64-bit number (the spec's
    `format: int64`), else CMN-101 [messageId]."""
    text = str(raw).strip()
    if not text.isdigit() or len(text) > 19 or int(text) > INT64_MAX:
        raise invalid_parameter("messageId", raw)
    return int(text)


def cannot_parse() -> ApiError:
    return ApiError(400, "CMN-104", "Cannot parse request")


def json_body(request: Request) -> Any:
    raw = request.get_data(cache=True)
    try:
        return json.loads(raw or b"null")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApiError(400, "CMN-103", "JSON can't be parsed.") from exc


# --------------------------------------------------------------------------- requests


def update_entries(request: Request, raw_ids: str) -> list[Entry]:
    """The per-id bodies of a bulk PUT/PATCH, in the three syntaxes of REFERENCE §5.1:

    1. `…/1,2` with `multipart/mixed`, one JSON part per id, in the order of the ids;
    2. `…/1,2` with a JSON array (`application/vnd.ringcentral.multipart+json`, or plain
       `application/json`) of `{"body": …}`, positional; a `resourceId` given there must be
       the id at that position (CMN-108);
    3. `…/*` with a JSON array of `{"resourceId": …, "body": …}`.

    `multipart/form-data` is refused with 415 (SDK users saw that for FormData bulk PUTs,
    REFERENCE §12); a body that fits none of the syntaxes is 400 CMN-104.
    """
    mimetype = request.mimetype
    if mimetype == "multipart/form-data":
        raise ApiError(415, "CMN-104", "Cannot parse request")
    if raw_ids.strip() == "*":
        if multipart.is_multipart(mimetype):
            raise cannot_parse()
        items = json_body(request)
        if not isinstance(items, list) or not items:
            raise cannot_parse()
        if len(items) > BODY_LIMIT:
            raise batch_limit(BODY_LIMIT)
        return [_starred_entry(item) for item in items]

    ids = path_ids(raw_ids)
    if mimetype == "multipart/mixed":
        parts = multipart.parse(request.headers.get("Content-Type", ""), request.get_data())
        if len(parts) != len(ids):
            raise cannot_parse()
        return [
            _part_entry(resource_id, part) for resource_id, part in zip(ids, parts, strict=True)
        ]
    items = json_body(request)
    if not isinstance(items, list) or len(items) != len(ids):
        raise cannot_parse()
    return [
        _positional_entry(resource_id, item) for resource_id, item in zip(ids, items, strict=True)
    ]


def _starred_entry(item: Any) -> Entry:
    if not isinstance(item, dict):
        return Entry("", error=cannot_parse())
    resource_id = item.get("resourceId")
    if resource_id is None or str(resource_id).strip() == "":
        return Entry("", error=invalid_parameter("resourceId"))
    return Entry(str(resource_id).strip(), item.get("body"))


def _positional_entry(resource_id: str, item: Any) -> Entry:
    if not isinstance(item, dict):
        return Entry(resource_id, error=cannot_parse())
    given = item.get("resourceId")
    if given is not None and str(given).strip() != resource_id:
        mismatch = ApiError(
            400,
            "CMN-108",
            "Parameter messageId value in request body doesn't match specified in path.",
            parameter_name="messageId",
        )
        return Entry(resource_id, error=mismatch)
    return Entry(resource_id, item.get("body"))


def _part_entry(resource_id: str, part: multipart.Part) -> Entry:
    try:
        return Entry(resource_id, json.loads(part.data or b"null"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return Entry(resource_id, error=ApiError(400, "CMN-103", "JSON can't be parsed."))


def delete_ids(request: Request, raw_ids: str) -> list[str]:
    """Ids of a bulk DELETE: comma-joined in the path, or with `*` a JSON array in the body
    (spec `DeleteMessageBulkRequest`, minItems 1). `*` with no ids is refused (CMN-101) rather
    than read as "everything": the spec warns that an id-less call deletes all messages, and
    the emulator keeps that for the explicit `DELETE …/message-store` only."""
    if raw_ids.strip() != "*":
        return path_ids(raw_ids)
    items = json_body(request)
    if not isinstance(items, list) or not items:
        raise invalid_parameter("messageId")
    if len(items) > BODY_LIMIT:
        raise batch_limit(BODY_LIMIT)
    if not all(isinstance(item, str | int) and not isinstance(item, bool) for item in items):
        raise invalid_parameter("messageId")
    return [str(item).strip() for item in items]


# --------------------------------------------------------------------------- answers


def wants_json_array(request: Request) -> bool:
    return VND_MULTIPART_JSON in request.headers.get("Accept", "").lower()


def multi_status(request: Request, outcomes: list[Outcome]) -> Response:
    """The 207 answer, in the format the `Accept` header asks for."""
    if wants_json_array(request):
        items: list[dict[str, Any]] = []
        for outcome in outcomes:
            item: dict[str, Any] = {"resourceId": outcome.resource_id, "status": outcome.status}
            if outcome.body is not None:
                item["body"] = outcome.body
            items.append(item)
        return Response(_dumps(items), status=207, content_type=VND_MULTIPART_JSON)
    manifest = {
        "response": [
            {
                "href": outcome.href,
                "status": outcome.status,
                "responseDescription": HTTPStatus(outcome.status).phrase,
            }
            for outcome in outcomes
        ]
    }
    parts = [("application/json", _dumps(manifest))]
    parts += [
        ("application/json", b"" if outcome.body is None else _dumps(outcome.body))
        for outcome in outcomes
    ]
    content_type, body = multipart.build_mixed(parts)
    return Response(body, status=207, content_type=content_type)


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
