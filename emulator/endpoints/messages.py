"""The Message Store: list, read, mark read/unread, restore and delete (REFERENCE §3-§6).

Decisions where the sources are silent or disagree:

* Reading by id also finds `Deleted` and `Purged` messages (with their `availability`; a
  purged one without attachments): the list hides them by default (REFERENCE §17.1), but a
  client holding an id must be able to see what became of it. Purged messages stay until the
  platform would remove them physically.
* `GET …/message-store/{id}` answers a plain `GetMessageInfoResponse`. The spec's
  `GetSingleMessageInfoResponse` adds a *required* `vmSideRecipients` (minItems 1) that no
  official sample shows (REFERENCE §2 quirks, §17.8); with no side recipients there is nothing
  valid to put in it, so it is left out.
* PUT changes `readStatus` only; other fields of the body are ignored. A body that is not a
  JSON object is CMN-101 "Parameter [] value is invalid." ([SPEC21] `updateMessage`).
* PATCH takes `readStatus` and/or `availability`. Only `availability: "Alive"` is accepted
  (restoring a `Deleted` message, attachments kept); a `Purged` message has lost its
  attachments and cannot be restored: 400 CMN-101 "Parameter [availability] value is
  invalid." — the whole change is refused, `readStatus` included.
* DELETE by id moves Alive → Deleted → Purged (`purge=true`: straight to Purged, attachments
  erased). Deleting a `Purged` message again answers 204 and changes nothing (REFERENCE §6.2:
  silent; a 404 "can usually be ignored" on DELETE anyway). `type` narrows a delete by id: a
  message of another type is left alone and reported as not found.
* Delete by filter follows the same life (a second delete purges) and, as on the platform,
  a bare `DELETE …/message-store` deletes every message created before now.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Response

from emulator import bulk, clock, queries
from emulator.errors import ApiError, batch_limit, invalid_parameter, not_found
from emulator.mailstore import (
    MESSAGE_TYPES,
    READ_STATUSES,
    get_message,
    message_records,
    purge_attachments,
    update_message,
)
from emulator.paging import page_params, paging_blocks
from emulator.web import Ctx, json_response, mailbox, read_json, route

MESSAGE_STORE = "/restapi/v1.0/account/<account_id>/extension/<extension_id>/message-store"
MESSAGE = MESSAGE_STORE + "/<message_ids>"
DELETE_TYPES = (*MESSAGE_TYPES, "All")
CONVERSATION_LIMIT = 50  # spec deleteMessageByFilter: "maximum number of IDs … is 50"

Columns = dict[str, Any]


def store_uri(ctx: Ctx, box: sqlite3.Row) -> str:
    return (
        f"{ctx.base_url}/restapi/v1.0/account/{box['account_id']}/extension/{box['id']}"
        "/message-store"
    )


def no_content() -> Response:
    response = Response(status=204)
    response.headers.remove("Content-Type")
    return response


# --------------------------------------------------------------------------- list


@route(MESSAGE_STORE, methods=["GET"], operation="listMessages", group="Light")
def list_messages(ctx: Ctx) -> Response:
    box = mailbox(ctx, permission="ReadMessages")
    page, per_page = page_params(ctx.request.args)
    query = queries.list_query(ctx.request.args, box["id"], now=clock.now())
    with ctx.store.read() as db, queries.snapshot(db):
        total = queries.count(db, query.filter)
        rows = (
            queries.select(db, query.filter, limit=per_page, offset=(page - 1) * per_page)
            if per_page
            else []
        )
        records = message_records(db, rows, ctx.base_url)
    uri, paging, navigation = paging_blocks(
        store_uri(ctx, box), query.echo, page=page, per_page=per_page, total=total,
        shown=len(records),
    )  # fmt: skip
    return json_response(
        {"uri": uri, "records": records, "paging": paging, "navigation": navigation}
    )


# --------------------------------------------------------------------------- read


@route(MESSAGE, methods=["GET"], operation="readMessage", group="Light")
def read_message(ctx: Ctx) -> Response:
    box = mailbox(ctx, permission="ReadMessages")
    raw_ids = ctx.args["message_ids"]
    base = store_uri(ctx, box)
    if not bulk.is_bulk(raw_ids, star=False):
        wanted = bulk.message_id(raw_ids)
        with ctx.store.read() as db:
            row = get_message(db, box["id"], wanted)
            if row is None:
                raise not_found("messageId")
            return json_response(message_records(db, [row], ctx.base_url)[0])

    ids = bulk.path_ids(raw_ids)
    found: dict[str, sqlite3.Row] = {}
    problems: dict[str, ApiError] = {}
    with ctx.store.read() as db, queries.snapshot(db):
        for raw in ids:
            try:
                row = get_message(db, box["id"], bulk.message_id(raw))
                if row is None:
                    raise not_found("messageId")
                found[raw] = row
            except ApiError as exc:
                problems[raw] = exc
        records = message_records(db, list(found.values()), ctx.base_url)
    by_raw = dict(zip(found, records, strict=True))
    outcomes = [
        bulk.Outcome.failed(raw, f"{base}/{raw}", problems[raw])
        if raw in problems
        else bulk.Outcome(raw, f"{base}/{raw}", 200, by_raw[raw])
        for raw in ids
    ]
    return bulk.multi_status(ctx.request, outcomes)


# --------------------------------------------------------------------------- PUT / PATCH


def invalid_body() -> ApiError:
    return ApiError(400, "CMN-101", "Parameter [] value is invalid.")


def read_status_of(body: dict[str, Any]) -> str:
    value = body.get("readStatus")
    if value not in READ_STATUSES:
        raise invalid_parameter("readStatus", value)
    return str(value)


def put_columns(body: Any, row: sqlite3.Row | None = None) -> Columns:
    """`UpdateMessageRequest`: `readStatus` (required) is the only field PUT changes."""
    if not isinstance(body, dict):
        raise invalid_body()
    return {"read_status": read_status_of(body)}


def patch_columns(body: Any, row: sqlite3.Row | None = None) -> Columns:
    """`PatchMessageRequest`: `readStatus` and/or `availability: Alive` (restore)."""
    if not isinstance(body, dict) or ("readStatus" not in body and "availability" not in body):
        raise invalid_body()
    columns: Columns = {}
    if "readStatus" in body:
        columns["read_status"] = read_status_of(body)
    if "availability" in body:
        value = body["availability"]
        if value != "Alive":
            raise invalid_parameter("availability", value)
        if row is not None and row["availability"] == "Purged":
            raise invalid_parameter("availability", value)  # purged: nothing left to restore
        columns["availability"] = "Alive"
    return columns


ColumnsOf = Callable[[Any, sqlite3.Row | None], Columns]


def change_one(
    ctx: Ctx, db: sqlite3.Connection, box: sqlite3.Row, raw_id: str, body: Any, of: ColumnsOf
) -> dict[str, Any]:
    wanted = bulk.message_id(raw_id)
    of(body, None)  # the body's shape is checked before the message is looked up
    row = get_message(db, box["id"], wanted)
    if row is None:
        raise not_found("messageId")
    update_message(db, wanted, **of(body, row))
    changed = get_message(db, box["id"], wanted)
    assert changed is not None  # just updated in this transaction
    return message_records(db, [changed], ctx.base_url)[0]


def change(ctx: Ctx, of: ColumnsOf) -> Response:
    box = mailbox(ctx, permission="EditMessages")
    raw_ids = ctx.args["message_ids"]
    if not bulk.is_bulk(raw_ids):
        body = read_json(ctx)
        with ctx.store.write() as db:
            return json_response(change_one(ctx, db, box, raw_ids, body, of))

    entries = bulk.update_entries(ctx.request, raw_ids)
    base = store_uri(ctx, box)
    outcomes: list[bulk.Outcome] = []
    with ctx.store.write() as db:
        for entry in entries:
            href = f"{base}/{entry.resource_id}"
            try:
                if entry.error is not None:
                    raise entry.error
                record = change_one(ctx, db, box, entry.resource_id, entry.body, of)
                outcomes.append(bulk.Outcome(entry.resource_id, href, 200, record))
            except ApiError as exc:
                outcomes.append(bulk.Outcome.failed(entry.resource_id, href, exc))
    return bulk.multi_status(ctx.request, outcomes)


@route(MESSAGE, methods=["PUT"], operation="updateMessage", group="Medium")
def update_message_status(ctx: Ctx) -> Response:
    return change(ctx, put_columns)


@route(MESSAGE, methods=["PATCH"], operation="patchMessage", group="Medium")
def patch_message(ctx: Ctx) -> Response:
    return change(ctx, patch_columns)


# --------------------------------------------------------------------------- DELETE


def advance_deletion(db: sqlite3.Connection, row: sqlite3.Row, *, purge: bool) -> None:
    """One step of the availability life (REFERENCE §6.2): Alive → Deleted → Purged."""
    if row["availability"] == "Purged":
        return
    if purge or row["availability"] == "Deleted":
        purge_attachments(db, row["id"])
        update_message(db, row["id"], kind="deleted", availability="Purged")
    else:
        update_message(db, row["id"], kind="deleted", availability="Deleted")


def delete_one(
    db: sqlite3.Connection, box: sqlite3.Row, raw_id: str, *, purge: bool, kind: str
) -> None:
    row = get_message(db, box["id"], bulk.message_id(raw_id))
    if row is None or (kind != "All" and row["type"] != kind):
        raise not_found("messageId")
    advance_deletion(db, row, purge=purge)


@route(MESSAGE, methods=["DELETE"], operation="deleteMessage", group="Medium")
def delete_message(ctx: Ctx) -> Response:
    box = mailbox(ctx, permission="EditMessages")
    purge = queries.boolean(ctx.request.args, "purge")
    kind = queries.enum_value(ctx.request.args, "type", DELETE_TYPES, "All")
    raw_ids = ctx.args["message_ids"]
    if not bulk.is_bulk(raw_ids):
        with ctx.store.write() as db:
            delete_one(db, box, raw_ids, purge=purge, kind=kind)
        return no_content()

    ids = bulk.delete_ids(ctx.request, raw_ids)
    base = store_uri(ctx, box)
    outcomes: list[bulk.Outcome] = []
    with ctx.store.write() as db:
        for raw in ids:
            try:
                delete_one(db, box, raw, purge=purge, kind=kind)
                outcomes.append(bulk.Outcome(raw, f"{base}/{raw}", 204))
            except ApiError as exc:
                outcomes.append(bulk.Outcome.failed(raw, f"{base}/{raw}", exc))
    if all(outcome.status == 204 for outcome in outcomes):
        return no_content()  # bulk DELETE with every part OK is a plain 204 (REFERENCE §12)
    return bulk.multi_status(ctx.request, outcomes)


@route(MESSAGE_STORE, methods=["DELETE"], operation="deleteMessageByFilter", group="Medium")
def delete_by_filter(ctx: Ctx) -> Response:
    """Delete conversations, or everything of a `type`, created before `dateTo` (default now).

    The spec's "alternative syntax" with conversation ids in a body and `*` in the path is
    described in prose only (the operation declares no body, REFERENCE §17.5), and `…/*`
    is the bulk syntax of `deleteMessage`; it is not offered here.
    """
    box = mailbox(ctx, permission="EditMessages")
    args = ctx.request.args
    raw_conversations: list[str] = args.getlist("conversationId")
    if raw_conversations and "type" in args:
        raise ApiError(
            400,
            "MSG-390",
            "[conversationId] and [type] query parameters cannot be specified simultaneously",
        )
    if len(raw_conversations) > CONVERSATION_LIMIT:
        raise batch_limit(CONVERSATION_LIMIT)
    conversations: list[int] = []
    for value in raw_conversations:
        text = value.strip()
        if not text.isdigit() or len(text) > 19:
            raise invalid_parameter("conversationId", value)
        conversations.append(int(text))
    kind = queries.enum_value(args, "type", DELETE_TYPES, "All")
    date_to = queries.date_time(args, "dateTo")
    purge = queries.boolean(args, "purge")
    query = queries.MessageFilter(
        extension_id=box["id"],
        types=() if kind == "All" else (kind,),
        availabilities=("Alive", "Deleted"),
        conversation_ids=tuple(conversations),
        created_before=clock.now() if date_to is None else date_to,
        selects_nothing=not queries.owner_matches(args, box["id"]),
    )
    with ctx.store.write() as db:
        for row in queries.select(db, query):
            advance_deletion(db, row, purge=purge)
    return no_content()
