"""Message sync: `GET …/extension/{extensionId}/message-sync` (REFERENCE §11).

FSync defines a sync frame (a creation-date range plus `messageType`, `direction`,
`conversationId`, `distinctConversations`) and answers the frame's `Alive` messages, newest
first, with a token; ISync answers what was created or changed in that frame since the
token's sync time, and a new token. Decisions where the sources are silent or disagree:

* Default FSync window: `dateFrom` = `dateTo` - 7 days. The spec copies the list's "24 hours"
  into this operation, the Message Sync guide says the server "returns messages one week older
  than dateTo" (REFERENCE §17.2). The guide describes the server's behaviour, and the wider
  window can only give a client more, never lose it messages.
* An FSync without `dateTo` makes an open frame: messages created later enter it, as a sync
  of "my mailbox from last week on" must. An explicit `dateTo` closes the frame.
* `recordCount` caps an FSync (the newest first); `olderRecordsExist` is `true` exactly when
  it cut records off (REFERENCE §17.7). ISync ignores it and returns every change — the
  guide warns the count is not guaranteed, and the [SPEC21] ISync sample with `recordCount=1`
  returns four records — so the new token never skips a change.
* ISync overlaps by 5 s ("ISync time + Delta, where Delta is 5 sec"): records changed in the
  last 5 s before the token may come again; clients de-duplicate by id. An ISync `dateFrom`
  earlier than the frame's extends the frame: the `Alive` messages of the added period come
  too, and the new token carries the wider frame.
* Deleted and purged messages in ISync: the guide says "only message ID and availability
  status is returned" (REFERENCE §17.6, shape silent). The emulator sends those records
  without their content — no `from`, `to`, `subject`, `attachments` or type-specific fields —
  but keeps the identifying keys every record has (`uri`, `id`, `type`, `creationTime`,
  `lastModifiedTime`, `direction`, `availability`, `readStatus`, `messageStatus`, and the
  conversation of an SMS/Pager), so clients that check every record's basic keys (the
  official SDK probe does) accept them as they are.
* With `distinctConversations`, ISync keeps the newest changed `Alive` message of each
  conversation and every deletion (a deletion must never be hidden behind a newer message).
* A missing `syncToken` in ISync is CMN-101 [syncToken]; a garbled, forged or foreign one is
  MSG-333 "Parameter [syncToken] is invalid" (see `emulator.synctoken`).
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Response

from emulator import clock, queries, synctoken
from emulator.errors import invalid_parameter
from emulator.mailstore import DIRECTIONS, MESSAGE_TYPES, message_records
from emulator.web import Ctx, json_response, mailbox, route

SYNC_TYPES = ("FSync", "ISync")
FSYNC_WINDOW = 7 * 86400
OVERLAP_SECONDS = 5.0
REMOVED_RECORD_KEYS = (
    "uri", "id", "type", "creationTime", "readStatus", "direction", "availability",
    "messageStatus", "conversationId", "conversation", "lastModifiedTime",
)  # fmt: skip


def frame_filter(frame: synctoken.Frame, **overrides: Any) -> queries.MessageFilter:
    base = queries.MessageFilter(
        extension_id=frame.extension_id,
        types=frame.types,
        directions=frame.directions,
        conversation_ids=() if frame.conversation_id is None else (frame.conversation_id,),
        created_from=frame.date_from,
        created_to=frame.date_to,
        selects_nothing=not frame.personal,
    )
    return replace(base, **overrides)


def full_sync(
    ctx: Ctx, db: sqlite3.Connection, extension_id: int, now: float
) -> tuple[synctoken.Frame, list[sqlite3.Row], bool]:
    args = ctx.request.args
    types = queries.enum_list(args, "messageType", MESSAGE_TYPES)
    directions = queries.enum_list(args, "direction", DIRECTIONS)
    distinct = queries.boolean(args, "distinctConversations")
    conversation = queries.identifier(args, "conversationId")
    record_count = queries.positive_int(args, "recordCount")
    date_to = queries.date_time(args, "dateTo")
    date_from = queries.date_time(args, "dateFrom")
    if date_from is None:
        date_from = (now if date_to is None else date_to) - FSYNC_WINDOW
    frame = synctoken.Frame(
        extension_id=extension_id,
        date_from=date_from,
        date_to=date_to,
        types=tuple(types),
        directions=tuple(directions),
        conversation_id=conversation,
        distinct=distinct,
        personal=queries.owner_matches(args, extension_id),
    )
    query = frame_filter(frame, created_to=now if date_to is None else date_to, distinct=distinct)
    limit = None if record_count is None else record_count + 1
    rows = queries.select(db, query, limit=limit)
    older = record_count is not None and len(rows) > record_count
    return frame, rows[:record_count] if older else rows, older


def incremental_sync(
    ctx: Ctx, db: sqlite3.Connection, extension_id: int, key: bytes
) -> tuple[synctoken.Frame, list[sqlite3.Row]]:
    args = ctx.request.args
    token = args.get("syncToken")
    if not token:
        raise invalid_parameter("syncToken")
    frame, since = synctoken.decode(key, token, extension_id)
    new_from = queries.date_time(args, "dateFrom")
    changed = queries.select(
        db, frame_filter(frame, availabilities=(), modified_since=since - OVERLAP_SECONDS)
    )
    added: list[sqlite3.Row] = []
    if new_from is not None and new_from < frame.date_from:
        added = queries.select(
            db, frame_filter(frame, created_from=new_from, created_before=frame.date_from)
        )
        frame = replace(frame, date_from=new_from)
    merged = {row["id"]: row for row in [*changed, *added]}
    rows = sorted(merged.values(), key=lambda row: (row["creation_ts"], row["id"]), reverse=True)
    if frame.distinct:
        rows = newest_per_conversation(rows)
    return frame, rows


def newest_per_conversation(rows: list[sqlite3.Row]) -> list[sqlite3.Row]:
    """Alive rows: the newest of each conversation; deleted/purged rows: all of them."""
    seen: set[int] = set()
    kept: list[sqlite3.Row] = []
    for row in rows:
        if row["availability"] != "Alive":
            kept.append(row)
            continue
        conversation = row["conversation_id"] if row["conversation_id"] is not None else -row["id"]
        if conversation not in seen:
            seen.add(conversation)
            kept.append(row)
    return kept


def sync_records(db: sqlite3.Connection, rows: list[sqlite3.Row], base_url: str) -> list[Any]:
    records = message_records(db, rows, base_url)
    return [
        record
        if record["availability"] == "Alive"
        else {key: record[key] for key in REMOVED_RECORD_KEYS if key in record}
        for record in records
    ]


@route(
    "/restapi/v1.0/account/<account_id>/extension/<extension_id>/message-sync",
    methods=["GET"],
    operation="syncMessages",
    group="Light",
)
def sync_messages(ctx: Ctx) -> Response:
    box = mailbox(ctx, permission="ReadMessages")
    args = ctx.request.args
    sync_type = args.get("syncType")
    if sync_type not in SYNC_TYPES:
        raise invalid_parameter("syncType", sync_type)
    key = synctoken.secret(ctx.store)
    now = clock.now()  # taken before reading: a change committed meanwhile comes next time
    older = False
    with ctx.store.read() as db, queries.snapshot(db):
        if sync_type == "FSync":
            frame, rows, older = full_sync(ctx, db, box["id"], now)
        else:
            frame, rows = incremental_sync(ctx, db, box["id"], key)
        records = sync_records(db, rows, ctx.base_url)
    # the `uri` echoes the request as sent ([SPEC21] samples), never an access token
    echoed = urlencode([(k, v) for k, v in args.items(multi=True) if k != "access_token"])
    uri = (
        f"{ctx.base_url}/restapi/v1.0/account/{box['account_id']}/extension/{box['id']}"
        f"/message-sync?{echoed}"
    )
    return json_response(
        {
            "uri": uri,
            "records": records,
            "syncInfo": {
                "syncType": sync_type,
                "syncToken": synctoken.encode(key, frame, now),
                "syncTime": clock.iso(now),
                "olderRecordsExist": older,
            },
        }
    )
