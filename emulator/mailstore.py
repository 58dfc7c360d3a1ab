"""Messages in the store: creating them, changing them, and turning rows into API records.

Every change goes through here so that `lastModifiedTime` moves and the change feed
(`change_log`, read by message-sync and by notifications) never misses one.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from emulator import clock
from emulator.store import dumps, loads, next_id

MESSAGE_TYPES = ("Fax", "SMS", "VoiceMail", "Pager", "Text")
DIRECTIONS = ("Inbound", "Outbound")
AVAILABILITIES = ("Alive", "Deleted", "Purged")
READ_STATUSES = ("Read", "Unread")

# Fields of a record in the order official samples print them.
_RECORD_ORDER = (
    "uri", "id", "extensionId", "to", "from", "type", "creationTime", "readStatus", "priority",
    "attachments", "direction", "availability", "subject", "messageStatus",
    "smsSendingAttemptsCount", "smsDeliveryTime", "deliveryErrorCode", "segmentCount",
    "faxResolution", "faxPageCount", "coverIndex", "coverPageText", "pgToDepartment",
    "vmTranscriptionStatus", "conversationId", "conversation", "lastModifiedTime",
)  # fmt: skip


@dataclass(frozen=True)
class NewAttachment:
    type: str  # Text, MmsAttachment, RenderedDocument, AudioRecording, SourceDocument, ...
    content_type: str
    content: bytes
    file_name: str | None = None
    vm_duration: int | None = None
    width: int | None = None
    height: int | None = None


def digits(number: str) -> str:
    return "".join(ch for ch in number if ch.isdigit())


def sms_conversation_id(numbers: Iterable[str]) -> int:
    """A stable id for the set of parties: the same in every mailbox that holds the thread.

    It lies between 2**62 and 2**63, above 2**53, where JavaScript numbers lose precision,
    as real conversation ids do.
    """
    key = "|".join(sorted({digits(n) for n in numbers}))
    value = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")
    return (1 << 62) + value % ((1 << 63) - 1 - (1 << 62))


def insert_message(
    db: sqlite3.Connection,
    *,
    account_id: int,
    extension_id: int,
    type: str,
    direction: str,
    read_status: str,
    message_status: str,
    body: dict[str, Any],
    creation_ts: float | None = None,
    conversation_id: int | None = None,
    numbers: Iterable[str] = (),
    due_ts: float | None = None,
    attachments: Sequence[NewAttachment] = (),
    availability: str = "Alive",
) -> int:
    """Insert a message with its attachments; returns its id. Call inside `Store.write()`."""
    created = clock.now() if creation_ts is None else creation_ts
    message_id = next_id(db)
    party_digits = sorted({digits(n) for n in numbers if digits(n)})
    db.execute(
        "INSERT INTO message(id, account_id, extension_id, type, direction, conversation_id, "
        "availability, read_status, message_status, creation_ts, modified_ts, numbers, due_ts, "
        "body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            message_id,
            account_id,
            extension_id,
            type,
            direction,
            conversation_id,
            availability,
            read_status,
            message_status,
            int(created),  # creationTime has second precision on the platform
            created,
            " " + " ".join(party_digits) + " " if party_digits else "",
            due_ts,
            dumps(body),
        ),
    )
    for position, item in enumerate(attachments):
        insert_attachment(db, message_id=message_id, position=position, item=item)
    log_change(db, message_id, "created", ts=created)
    return message_id


def insert_attachment(
    db: sqlite3.Connection, *, message_id: int, position: int, item: NewAttachment
) -> int:
    attachment_id = next_id(db)
    db.execute(
        "INSERT INTO attachment(id, message_id, position, type, content_type, file_name, size, "
        "vm_duration, width, height, content) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            attachment_id,
            message_id,
            position,
            item.type,
            item.content_type,
            item.file_name,
            len(item.content),
            item.vm_duration,
            item.width,
            item.height,
            item.content,
        ),
    )
    return attachment_id


def update_message(
    db: sqlite3.Connection, message_id: int, *, kind: str = "updated", **columns: Any
) -> None:
    """Change columns of a message (`body=` takes a dict), bump `lastModifiedTime`, log it."""
    now = clock.now()
    if "body" in columns:
        columns["body"] = dumps(columns["body"])
    assignments = ", ".join(f"{name} = ?" for name in columns)
    db.execute(
        f"UPDATE message SET {assignments}, modified_ts = ? WHERE id = ?",  # noqa: S608 (names are ours)  # nosec B608
        (*columns.values(), now, message_id),
    )
    log_change(db, message_id, kind, ts=now)


def log_change(db: sqlite3.Connection, message_id: int, kind: str, *, ts: float) -> None:
    db.execute(
        "INSERT INTO change_log(ts, account_id, extension_id, message_id, message_type, "
        "direction, kind) SELECT ?, account_id, extension_id, id, type, direction, ? "
        "FROM message WHERE id = ?",
        (ts, kind, message_id),
    )


def purge_attachments(db: sqlite3.Connection, message_id: int) -> None:
    """A purged message keeps its metadata for a while; its attachments are gone."""
    db.execute("DELETE FROM attachment WHERE message_id = ?", (message_id,))


# --------------------------------------------------------------------------- records


def message_uri(base_url: str, row: sqlite3.Row) -> str:
    return (
        f"{base_url}/restapi/v1.0/account/{row['account_id']}/extension/{row['extension_id']}"
        f"/message-store/{row['id']}"
    )


def attachments_of(db: sqlite3.Connection, message_ids: Sequence[int]) -> dict[int, list[Any]]:
    """Attachment metadata (not content) of many messages in one query."""
    found: dict[int, list[Any]] = {mid: [] for mid in message_ids}
    if not message_ids:
        return found
    marks = ",".join("?" * len(message_ids))
    columns = "id, message_id, type, content_type, file_name, size, vm_duration, width, height"
    query = f"SELECT {columns} FROM attachment WHERE message_id IN ({marks}) ORDER BY id"  # noqa: S608 (fixed columns)  # nosec B608
    rows = db.execute(query, tuple(message_ids)).fetchall()
    for row in rows:
        found[row["message_id"]].append(row)
    return found


def attachment_record(message_href: str, row: sqlite3.Row) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": row["id"],
        "uri": f"{message_href}/content/{row['id']}",
        "type": row["type"],
        "contentType": row["content_type"],
    }
    if row["type"] != "Text":
        record["size"] = row["size"]
    if row["file_name"]:
        record["fileName"] = row["file_name"]
    if row["vm_duration"] is not None:
        record["vmDuration"] = row["vm_duration"]
    if row["width"] is not None:
        record["width"] = row["width"]
    if row["height"] is not None:
        record["height"] = row["height"]
    return record


def message_record(
    row: sqlite3.Row, attachments: Sequence[sqlite3.Row], base_url: str
) -> dict[str, Any]:
    """The `GetMessageInfoResponse` of one message, as the platform prints it."""
    href = message_uri(base_url, row)
    body = loads(row["body"])
    fields: dict[str, Any] = {key: value for key, value in body.items() if not key.startswith("_")}
    fields.update(
        uri=href,
        id=row["id"],
        extensionId=str(row["extension_id"]),
        type=row["type"],
        creationTime=clock.iso(row["creation_ts"], seconds_only=True),
        readStatus=row["read_status"],
        direction=row["direction"],
        availability=row["availability"],
        messageStatus=row["message_status"],
        lastModifiedTime=clock.iso(row["modified_ts"]),
    )
    fields.setdefault("priority", "Normal")
    if row["availability"] != "Purged":
        fields["attachments"] = [attachment_record(href, item) for item in attachments]
    if row["conversation_id"] is not None:
        fields["conversationId"] = row["conversation_id"]
        fields["conversation"] = {
            "id": str(row["conversation_id"]),
            "uri": f"{base_url}/restapi/v1.0/conversation/{row['conversation_id']}",
        }
    ordered = {key: fields.pop(key) for key in _RECORD_ORDER if key in fields}
    ordered.update(fields)
    return ordered


def message_records(
    db: sqlite3.Connection, rows: Sequence[sqlite3.Row], base_url: str
) -> list[dict[str, Any]]:
    attachments = attachments_of(db, [row["id"] for row in rows])
    return [message_record(row, attachments[row["id"]], base_url) for row in rows]


def get_message(db: sqlite3.Connection, extension_id: int, message_id: int) -> sqlite3.Row | None:
    row: sqlite3.Row | None = db.execute(
        "SELECT * FROM message WHERE id = ? AND extension_id = ?", (message_id, extension_id)
    ).fetchone()
    return row
