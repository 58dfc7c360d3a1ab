"""Company pager: `POST …/company-pager` (createInternalTextMessage), REFERENCE §9.

The sender's copy is the `GetInternalTextMessageInfoResponse` of the [SPEC21] sample: `to`
lists every recipient as `{extensionNumber, extensionId, name}` with the sender appended (once:
a message to oneself lists the sender once), `messageStatus: Sent` at once (internal messages
have no carrier), `pgToDepartment: false`, one `Text` attachment. Every recipient receives an
Inbound copy (Received, Unread) in the same conversation.

Decisions where the sources are silent or disagree:
- `readStatus` of the sender's copy is `Read` (REFERENCE §17.15: the operation's own [SPEC21]
  sample says `Read`, a guide sample `Unread`; the sender has read what they wrote).
- a new thread's `conversationId` is the id of its first message ([SPEC21] sample); a reply
  (`replyOn`) joins the conversation of the message replied to, and without `to` goes to the
  other participants of that message.
- `replyOn` naming no message of the caller's mailbox: 400 `CMN-102` "Resource for parameter
  [replyOn] is not found" (the 400 form of CMN-102 the operation uses for `from.extensionId`);
  naming a message that is not a pager message: 400 `CMN-101`.
- text over 1024 UTF-16 units: 400 `MSG-338` "Message size limit exceeded" (the SMS code,
  REFERENCE §8.2; no pager-specific one is documented).
- the same recipient twice: 400 `CMN-406`, as for SMS.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from werkzeug.wrappers import Response

from emulator.errors import ApiError, invalid_parameter
from emulator.inbound import extension_party, inbound_pager
from emulator.mailstore import NewAttachment, get_message, insert_message, message_records
from emulator.requests_body import MEGABYTE, read_envelope
from emulator.segments import utf16_units
from emulator.store import loads
from emulator.web import Ctx, json_response, own_mailbox, route

MAX_TEXT_UNITS = 1024
BODY_LIMIT = MEGABYTE


@route(
    "/restapi/v1.0/account/<account_id>/extension/<extension_id>/company-pager",
    methods=["POST"],
    operation="createInternalTextMessage",
    group="Medium",
)
def send_pager(ctx: Ctx) -> Response:
    sender = own_mailbox(ctx, permission="InternalSMS")
    envelope = read_envelope(ctx, limit=BODY_LIMIT)
    if envelope.multipart:  # the operation takes application/json only ([SPEC])
        raise ApiError(415, "CMN-104", f"Unsupported content type [{ctx.request.mimetype}]")
    data = envelope.data
    text = pager_text(data.get("text"))
    check_sender(sender, data.get("from"))
    with ctx.store.write() as db:
        replied = replied_message(db, sender, data.get("replyOn"))
        if data.get("to") is None and replied is not None:
            recipients = thread_participants(db, sender, replied)
        else:
            recipients = resolve_recipients(db, sender["account_id"], data.get("to"))
        parties = [extension_party(row) for row in recipients]
        if all(row["id"] != sender["id"] for row in recipients):
            parties.append(extension_party(sender))
        message_id = insert_message(
            db,
            account_id=sender["account_id"],
            extension_id=sender["id"],
            type="Pager",
            direction="Outbound",
            read_status="Read",
            message_status="Sent",
            body={
                "from": extension_party(sender),
                "to": parties,
                "subject": text,
                "priority": "Normal",
                "pgToDepartment": False,
            },
            attachments=[
                NewAttachment(type="Text", content_type="text/plain", content=text.encode())
            ],
        )
        conversation_id = replied["conversation_id"] if replied is not None else None
        conversation_id = conversation_id or message_id
        # the thread id is known only once the message has its id; same transaction, so
        # nobody ever sees the message without it
        db.execute(
            "UPDATE message SET conversation_id = ? WHERE id = ?", (conversation_id, message_id)
        )
        recipient_ids = [row["id"] for row in recipients]
        for row in recipients:
            inbound_pager(
                db,
                to_extension_id=row["id"],
                from_extension_id=sender["id"],
                text=text,
                conversation_id=conversation_id,
                recipient_ids=recipient_ids,
            )
        row = db.execute("SELECT * FROM message WHERE id = ?", (message_id,)).fetchone()
        record = message_records(db, [row], ctx.base_url)[0]
    return json_response(record)


def pager_text(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise invalid_parameter("text")
    if utf16_units(value) > MAX_TEXT_UNITS:
        raise ApiError(400, "MSG-338", "Message size limit exceeded")
    return value


def check_sender(sender: sqlite3.Row, value: Any) -> None:
    """`from` is optional; when given it must name the logged-in extension."""
    if value is None:
        return
    if not isinstance(value, dict):
        raise invalid_parameter("from")
    number = value.get("extensionNumber")
    if number is not None and str(number) != sender["extension_number"]:
        raise ApiError(
            400,
            "MSG-331",
            f"Parameter [from] value [{number}] is invalid "
            "[Sender extension number does not correspond to logged in extension]",
            parameter_name="from",
            parameter_value=str(number),
        )
    extension_id = value.get("extensionId")
    if extension_id is not None and str(extension_id) != str(sender["id"]):
        raise ApiError(
            400,
            "MSG-332",
            f"Parameter [from] value [{extension_id}] is invalid "
            "[Sender extension id does not correspond to logged in extension]",
            parameter_name="from",
            parameter_value=str(extension_id),
        )


def replied_message(db: sqlite3.Connection, sender: sqlite3.Row, value: Any) -> sqlite3.Row | None:
    if value is None:
        return None
    text = str(value)
    if isinstance(value, bool) or not text.isdigit():
        raise invalid_parameter("replyOn", value)
    row = get_message(db, sender["id"], int(text))
    if row is None or row["availability"] == "Purged":
        raise ApiError(
            400,
            "CMN-102",
            "Resource for parameter [replyOn] is not found",
            parameter_name="replyOn",
        )
    if row["type"] != "Pager":
        raise invalid_parameter("replyOn", value)
    return row


def thread_participants(
    db: sqlite3.Connection, sender: sqlite3.Row, replied: sqlite3.Row
) -> list[sqlite3.Row]:
    """Everyone in the message replied to but the sender (the sender alone for a note to self)."""
    body = loads(replied["body"])
    ids: list[int] = []
    for party in [body.get("from") or {}, *(body.get("to") or [])]:
        raw = str(party.get("extensionId", ""))
        if raw.isdigit() and int(raw) != sender["id"] and int(raw) not in ids:
            ids.append(int(raw))
    rows = [
        row
        for row in (
            db.execute(
                "SELECT * FROM extension WHERE id = ? AND account_id = ?",
                (extension_id, sender["account_id"]),
            ).fetchone()
            for extension_id in ids
        )
        if row is not None
    ]
    return rows or [sender]


def resolve_recipients(db: sqlite3.Connection, account_id: int, value: Any) -> list[sqlite3.Row]:
    """`to[]` items by `extensionId` and/or `extensionNumber`, each once."""
    if not isinstance(value, list) or not value:
        raise invalid_parameter("to")
    found: list[sqlite3.Row] = []
    for item in value:
        if not isinstance(item, dict):
            raise invalid_parameter("to")
        row = recipient(db, account_id, item)
        if row["status"] != "Enabled":
            raise ApiError(400, "MSG-324", "Extension is of unappropriate state")
        if any(other["id"] == row["id"] for other in found):
            raise ApiError(
                400,
                "CMN-406",
                f"Duplicate value for parameter to: {row['extension_number']} found in request",
                parameter_name="to",
                parameter_value=row["extension_number"],
            )
        found.append(row)
    return found


def recipient(db: sqlite3.Connection, account_id: int, item: dict[str, Any]) -> sqlite3.Row:
    extension_id = item.get("extensionId")
    number = item.get("extensionNumber")
    if extension_id is None and number is None:
        if item.get("phoneNumber") is not None:  # pager messages go to extensions only
            raise invalid_parameter("to.phoneNumber", item.get("phoneNumber"))
        raise invalid_parameter("to")
    if extension_id is not None:
        row = None
        if str(extension_id).isdigit():
            row = db.execute(
                "SELECT * FROM extension WHERE id = ? AND account_id = ?",
                (int(str(extension_id)), account_id),
            ).fetchone()
        if row is None:
            raise target_not_found(extension_id)
        if number is not None and str(number) != row["extension_number"]:
            raise ApiError(400, "MSG-335", "Recipient extension number does not correspond to ID")
        found: sqlite3.Row = row
        return found
    row = db.execute(
        "SELECT * FROM extension WHERE extension_number = ? AND account_id = ?",
        (str(number), account_id),
    ).fetchone()
    if row is None:
        raise target_not_found(number)
    by_number: sqlite3.Row = row
    return by_number


def target_not_found(value: Any) -> ApiError:
    return ApiError(
        400,
        "MSG-316",
        f"Parameter [to] value [{value}] is invalid [Target extension not found]",
        parameter_name="to",
        parameter_value=str(value),
    )
