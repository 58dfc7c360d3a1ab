"""The delivery life of outbound messages: what the platform does after it answered 200.

A `200` from the sending endpoints only means "queued" (REFERENCE §8; docs/messaging/sms/
sms-errors.md: "Delivery status should always be verified through the message record
updates"). A background job moves every message whose `due_ts` has come:

SMS / MMS (`config.sms_step_seconds` per step)::

    Queued -> Sent -> Delivered (+ smsDeliveryTime)
    Queued -> SendingFailed (+ deliveryErrorCode)      reserved numbers, `emulator.numbers`
    Queued -> Sent -> DeliveryFailed (+ deliveryErrorCode)

  When an SMS becomes Sent, each recipient number that belongs to a user of the account gets
  an Inbound copy (Received, Unread) through `emulator.inbound`.

Fax (`config.fax_step_seconds` per recipient): the message stays Queued until its `sendTime`;
then one recipient is dialled per step: `to[i].messageStatus` becomes Sent, or SendingFailed
with a `faxErrorCode` (reserved numbers; `RenderingFailed` when a document could not be read,
`TooManyPages` beyond 200 pages, docs/messaging/fax/sending-faxes.md). `faxPageCount` is filled
at the first dial (it is 0 while queued, REFERENCE §2). The message status is the aggregate of
REFERENCE §2: any Queued => Queued, else any SendingFailed => SendingFailed, else Sent.
A fax sent to a number of a user of the account arrives in that user's mailbox.

Every change goes through `mailstore.update_message`, so `lastModifiedTime`, the change log and
message-sync see it. A message that is no longer Alive is skipped and its life ends there:
deleting a scheduled fax cancels it. Each step first claims the message with a conditional
UPDATE of its `due_ts` inside a `BEGIN IMMEDIATE` transaction, so two processes serving the
same store never apply a step twice.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from emulator import clock, numbers
from emulator.config import Config
from emulator.inbound import inbound_fax, inbound_sms, number_owner
from emulator.jobs import background_job
from emulator.mailstore import NewAttachment, update_message
from emulator.store import Store, loads

BATCH = 200  # messages moved per tick at most; the rest wait for the next tick (0.2 s)
MAX_FAX_PAGES = 200


def schedule_sms(config: Config) -> float:
    """`due_ts` of a new outbound SMS."""
    return clock.now() + config.sms_step_seconds


def schedule_fax(config: Config, send_ts: float | None = None) -> float:
    """`due_ts` of a new outbound fax: its first dial, one step after `sendTime` (or now)."""
    start = clock.now() if send_ts is None else max(clock.now(), send_ts)
    return start + config.fax_step_seconds


@background_job
def advance_deliveries(store: Store, config: Config) -> None:
    now = clock.now()
    with store.read() as db:
        due = [
            int(row["id"])
            for row in db.execute(
                "SELECT id FROM message WHERE due_ts IS NOT NULL AND due_ts <= ? "
                "ORDER BY due_ts LIMIT ?",
                (now, BATCH),
            )
        ]
    for message_id in due:
        with store.write() as db:
            advance(db, message_id, config)


def advance(db: sqlite3.Connection, message_id: int, config: Config) -> None:
    """Apply the next step of one message, if it is (still) due. Call inside `Store.write()`."""
    now = clock.now()
    row = db.execute("SELECT * FROM message WHERE id = ?", (message_id,)).fetchone()
    if row is None or row["due_ts"] is None or row["due_ts"] > now:
        return
    claimed = db.execute(
        "UPDATE message SET due_ts = NULL WHERE id = ? AND due_ts = ?", (message_id, row["due_ts"])
    ).rowcount
    if claimed != 1 or row["availability"] != "Alive":
        return  # another process took this step, or the message was deleted: cancelled
    if row["type"] == "SMS":
        advance_sms(db, row, config)
    elif row["type"] == "Fax":
        advance_fax(db, row, config)


# --------------------------------------------------------------------------- SMS


def advance_sms(db: sqlite3.Connection, row: sqlite3.Row, config: Config) -> None:
    body: dict[str, Any] = loads(row["body"])
    outcome: dict[str, str] = body.get("_outcome") or {}
    status = row["message_status"]
    if status == "Queued":
        if outcome.get("status") == "SendingFailed":
            body["deliveryErrorCode"] = outcome["code"]
            update_message(db, row["id"], message_status="SendingFailed", body=body)
            return
        update_message(
            db, row["id"], message_status="Sent", due_ts=clock.now() + config.sms_step_seconds
        )
        deliver_sms_copies(db, row, body)
    elif status == "Sent":
        if outcome.get("status") == "DeliveryFailed":
            body["deliveryErrorCode"] = outcome["code"]
            update_message(db, row["id"], message_status="DeliveryFailed", body=body)
        else:
            body["smsDeliveryTime"] = clock.iso(clock.now())
            update_message(db, row["id"], message_status="Delivered", body=body)


def deliver_sms_copies(db: sqlite3.Connection, row: sqlite3.Row, body: dict[str, Any]) -> None:
    """Recipients that are users of the account receive the SMS in their own mailbox."""
    recipients = [str(party.get("phoneNumber", "")) for party in body.get("to", [])]
    internal = [number for number in recipients if number and number_owner(db, number)]
    if not internal:
        return
    files = [
        NewAttachment(
            type=item["type"],
            content_type=item["content_type"],
            content=bytes(item["content"]),
            file_name=item["file_name"],
            width=item["width"],
            height=item["height"],
        )
        for item in db.execute(
            "SELECT * FROM attachment WHERE message_id = ? AND type = 'MmsAttachment' "
            "ORDER BY position",
            (row["id"],),
        )
    ]
    for number in internal:
        inbound_sms(
            db,
            to_number=number,
            from_number=body["from"]["phoneNumber"],
            text=str(body.get("subject", "")),
            attachments=files,
            other_recipients=[other for other in recipients if other != number],
        )


# --------------------------------------------------------------------------- fax


def fax_status(recipients: list[dict[str, Any]]) -> str:
    """The message status of a fax from its recipients' (REFERENCE §2 `MessageStatusEnum`)."""
    statuses = [party.get("messageStatus") for party in recipients]
    if not statuses or "Queued" in statuses:
        return "Queued"
    return "SendingFailed" if "SendingFailed" in statuses else "Sent"


def fax_failure(number: str, body: dict[str, Any]) -> str | None:
    if body.get("_renderingFailed"):
        return "RenderingFailed"
    if int(body.get("_pageCount", 0)) > MAX_FAX_PAGES:
        return "TooManyPages"
    found = numbers.reserved(number)
    return found.fax_error if found else None


def advance_fax(db: sqlite3.Connection, row: sqlite3.Row, config: Config) -> None:
    body: dict[str, Any] = loads(row["body"])
    recipients: list[dict[str, Any]] = body.get("to", [])
    body["faxPageCount"] = int(body.get("_pageCount", 0))
    party = next((p for p in recipients if p.get("messageStatus") == "Queued"), None)
    if party is not None:
        failure = fax_failure(str(party.get("phoneNumber", "")), body)
        if failure is None:
            party["messageStatus"] = "Sent"
            deliver_fax_copy(db, row, body, str(party.get("phoneNumber", "")))
        else:
            party["messageStatus"] = "SendingFailed"
            party["faxErrorCode"] = failure
    status = fax_status(recipients)
    more = status == "Queued"
    update_message(
        db,
        row["id"],
        message_status=status,
        body=body,
        due_ts=clock.now() + config.fax_step_seconds if more else None,
    )


def deliver_fax_copy(
    db: sqlite3.Connection, row: sqlite3.Row, body: dict[str, Any], number: str
) -> None:
    owner = number_owner(db, number)
    sender = (body.get("from") or {}).get("phoneNumber")
    if owner is None or not sender:
        return
    document = db.execute(
        "SELECT content FROM attachment WHERE message_id = ? AND type = 'RenderedDocument' "
        "ORDER BY position LIMIT 1",
        (row["id"],),
    ).fetchone()
    if document is not None:
        inbound_fax(db, to_extension_id=owner["id"], from_number=sender, pdf=bytes(document[0]))
