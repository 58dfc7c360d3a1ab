"""Messages written straight into a running emulator's store, for tests that need a known mailbox.

The server reads the same SQLite file (WAL mode), so what these helpers commit is visible to
the next request. Every helper goes through `emulator.mailstore.insert_message`, as the
platform's own code does, so `lastModifiedTime` and the change feed stay right.

    sms_id = make_sms(emulator.db_path, user["extension_id"], text="hi", created_ts=day + 60)

To keep tests on the shared emulator apart from each other (and from the demo mailbox), give
each one its own period (`ancient_day()`, far in the past) and its own correspondent number
(`unique_number()`).
"""

from __future__ import annotations

import functools
import itertools
import random
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from emulator.mailstore import NewAttachment, insert_message, sms_conversation_id
from emulator.store import Store

_DAYS = itertools.count(1)
# exchanges (the first three of the seven digits) start with 2-9, or the number is invalid
_NUMBERS = itertools.count(random.SystemRandom().randrange(2_000_000, 8_000_000))
FIRST_DAY = datetime(2001, 1, 1, tzinfo=UTC).timestamp()


def ancient_day() -> float:
    """The start of a day of 2001-2003 no other test of this process uses."""
    return FIRST_DAY + next(_DAYS) * 86400


def unique_number() -> str:
    """A correspondent's number no other test of this process uses (`+1209…`)."""
    return f"+1209{next(_NUMBERS):07d}"


@functools.cache
def store(db_path: str | Path) -> Store:
    return Store(db_path)


def _owner(db: sqlite3.Connection, extension_id: int) -> tuple[int, str, str]:
    """(account id, extension number, first SMS-capable number) of an extension."""
    extension = db.execute("SELECT * FROM extension WHERE id = ?", (extension_id,)).fetchone()
    number = db.execute(
        "SELECT phone_number FROM phone_number WHERE extension_id = ? ORDER BY is_primary DESC, id",
        (extension_id,),
    ).fetchone()
    return (
        extension["account_id"],
        extension["extension_number"],
        number["phone_number"] if number else "+16505550100",
    )


def _defaults(
    direction: str, read_status: str | None, message_status: str | None
) -> tuple[str, str]:
    inbound = direction == "Inbound"
    return (
        read_status or ("Unread" if inbound else "Read"),
        message_status or ("Received" if inbound else "Sent"),
    )


def make_sms(
    db_path: str | Path,
    extension_id: int,
    *,
    direction: str = "Inbound",
    other_number: str | None = None,
    text: str = "Hello from the factory",
    created_ts: float | None = None,
    read_status: str | None = None,
    message_status: str | None = None,
    availability: str = "Alive",
    own_number: str | None = None,
    attachments: Sequence[NewAttachment] = (),
) -> int:
    """An SMS (an MMS when `attachments` are given) between the extension and `other_number`."""
    other = other_number or unique_number()
    read, status = _defaults(direction, read_status, message_status)
    with store(db_path).write() as db:
        account_id, _, number = _owner(db, extension_id)
        own = own_number or number
        ours, theirs = {"phoneNumber": own}, {"phoneNumber": other}
        inbound = direction == "Inbound"
        body: dict[str, Any] = {
            "from": theirs if inbound else ours,
            "to": [ours if inbound else theirs],
            "subject": text,
            "priority": "Normal",
        }
        if not inbound:
            body["smsSendingAttemptsCount"] = 1
        items = [NewAttachment("Text", "text/plain", text.encode()), *attachments]
        return insert_message(
            db,
            account_id=account_id,
            extension_id=extension_id,
            type="SMS",
            direction=direction,
            read_status=read,
            message_status=status,
            body=body,
            creation_ts=created_ts,
            conversation_id=sms_conversation_id([own, other]),
            numbers=[own, other],
            attachments=items,
            availability=availability,
        )


def make_pager(
    db_path: str | Path,
    extension_id: int,
    *,
    direction: str = "Inbound",
    other_extension_number: str = "103",
    text: str = "Pager from the factory",
    created_ts: float | None = None,
    read_status: str | None = None,
    availability: str = "Alive",
) -> int:
    read, status = _defaults(direction, read_status, "Sent" if direction == "Outbound" else None)
    with store(db_path).write() as db:
        account_id, own_number, _ = _owner(db, extension_id)
        ours, theirs = (
            {"extensionNumber": own_number},
            {"extensionNumber": other_extension_number},
        )
        inbound = direction == "Inbound"
        return insert_message(
            db,
            account_id=account_id,
            extension_id=extension_id,
            type="Pager",
            direction=direction,
            read_status=read,
            message_status=status,
            body={
                "from": theirs if inbound else ours,
                "to": [ours if inbound else theirs],
                "subject": text,
                "priority": "Normal",
                "pgToDepartment": False,
            },
            creation_ts=created_ts,
            conversation_id=sms_conversation_id([f"9{own_number}", f"9{other_extension_number}"]),
            attachments=[NewAttachment("Text", "text/plain", text.encode())],
            availability=availability,
        )


PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
WAV = b"RIFF$\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00@\x1f\x00\x00" + bytes(20)


def make_fax(
    db_path: str | Path,
    extension_id: int,
    *,
    direction: str = "Inbound",
    other_number: str | None = None,
    content: bytes = PDF,
    content_type: str = "application/pdf",
    created_ts: float | None = None,
    read_status: str | None = None,
    availability: str = "Alive",
) -> int:
    """A fax with one `RenderedDocument` attachment; faxes have no conversation."""
    other = other_number or unique_number()
    read, status = _defaults(direction, read_status, None)
    with store(db_path).write() as db:
        account_id, _, own = _owner(db, extension_id)
        inbound = direction == "Inbound"
        body: dict[str, Any] = {"priority": "Normal", "faxResolution": "High", "faxPageCount": 1}
        if inbound:
            body.update({"from": {"phoneNumber": other}, "subject": other})
        else:
            body.update({"to": [{"phoneNumber": other, "messageStatus": "Sent"}], "coverIndex": 0})
        return insert_message(
            db,
            account_id=account_id,
            extension_id=extension_id,
            type="Fax",
            direction=direction,
            read_status=read,
            message_status=status,
            body=body,
            creation_ts=created_ts,
            numbers=[own, other],
            attachments=[NewAttachment("RenderedDocument", content_type, content)],
            availability=availability,
        )


def make_voicemail(
    db_path: str | Path,
    extension_id: int,
    *,
    from_number: str | None = None,
    content: bytes = WAV,
    duration: int = 25,
    created_ts: float | None = None,
    read_status: str = "Unread",
    availability: str = "Alive",
) -> int:
    """A voicemail with one `AudioRecording` (audio/x-wav) attachment, as the [SPEC21] sample."""
    caller = from_number or unique_number()
    with store(db_path).write() as db:
        account_id, _, own = _owner(db, extension_id)
        return insert_message(
            db,
            account_id=account_id,
            extension_id=extension_id,
            type="VoiceMail",
            direction="Inbound",
            read_status=read_status,
            message_status="Received",
            body={
                "from": {"phoneNumber": caller},
                "to": [{"phoneNumber": own}],
                "priority": "Normal",
                "vmTranscriptionStatus": "NotAvailable",
            },
            creation_ts=created_ts,
            numbers=[own, caller],
            attachments=[
                NewAttachment("AudioRecording", "audio/x-wav", content, vm_duration=duration)
            ],
            availability=availability,
        )


def make_many_sms(
    db_path: str | Path, extension_id: int, count: int, *, start_ts: float, step: float = 1.0
) -> None:
    """`count` inbound SMS over a few hundred conversations, one transaction (for big mailboxes)."""
    with store(db_path).write() as db:
        account_id, _, own = _owner(db, extension_id)
        for n in range(count):
            other = f"+1209{n % 300:07d}"
            insert_message(
                db,
                account_id=account_id,
                extension_id=extension_id,
                type="SMS",
                direction="Inbound",
                read_status="Unread",
                message_status="Received",
                body={"from": {"phoneNumber": other}, "to": [{"phoneNumber": own}],
                      "subject": f"bulk {n}", "priority": "Normal"},
                creation_ts=start_ts + n * step,
                conversation_id=sms_conversation_id([own, other]),
                numbers=[own, other],
                attachments=[NewAttachment("Text", "text/plain", f"bulk {n}".encode())],
            )  # fmt: skip


# --------------------------------------------------------------------------- inspection


def message_row(db_path: str | Path, message_id: int) -> sqlite3.Row:
    """The stored row of a message (LookupError once it is physically gone)."""
    with store(db_path).read() as db:
        row: sqlite3.Row | None = db.execute(
            "SELECT * FROM message WHERE id = ?", (message_id,)
        ).fetchone()
    if row is None:
        raise LookupError(f"no message {message_id}")
    return row


def attachment_ids(db_path: str | Path, message_id: int) -> list[int]:
    with store(db_path).read() as db:
        rows = db.execute(
            "SELECT id FROM attachment WHERE message_id = ? ORDER BY position", (message_id,)
        ).fetchall()
    return [row["id"] for row in rows]


def conversation_of(db_path: str | Path, message_id: int) -> int:
    return int(message_row(db_path, message_id)["conversation_id"])


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
