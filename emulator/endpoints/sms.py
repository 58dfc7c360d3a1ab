"""Sending SMS and MMS: `POST …/sms` (createSMSMessage) and its alias `POST …/mms` (createMMS).

REFERENCE §8. Both accept the multipart forms (a JSON part, then the files); only `/sms` also
takes `application/json` ([SPEC] request bodies). The answer is `200` with the outbound record in
`Queued`; the delivery life (`emulator.lifecycle`) then moves it to Sent and Delivered, or to
SendingFailed / DeliveryFailed for the reserved numbers of `emulator.numbers`.

Decisions where the sources are silent or disagree:
- `readStatus` of the sender's copy is `Unread`, as in the [SPEC21] "Send SMS" sample (its MMS
  sample says `Read`; one operation, one rule).
- `from.phoneNumber` must be the caller's own number with `SmsSender` (else 400 `MSG-245`);
  the caller's number without it is 403 `MSG-367`; an MMS from a number without `MmsSender`
  (the admin's toll-free number) is 403 `MSG-380` "The MMS feature is not available"
  (REFERENCE §8.2 lists `MSG-380` for MMS not being available).
- text over 1000 UTF-16 units: 400 `MSG-338` "Message size limit exceeded" (§8.2).
- an empty attachment: 400 `MSG-347` "Attachment body is empty" (the fax code: the same
  messaging service, no MMS-specific code is documented).
- `MSG-348` numbers attachments from 1 among the files (the JSON part is not counted).
- `segmentCount` is given for SMS without attachments (MMS are not split into segments).
- a recipient who texted STOP to `from` is accepted and fails later, `SMS-RC-413`
  (`emulator.optout`).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from werkzeug.wrappers import Response

from emulator import media, numbers, optout
from emulator.errors import ApiError, invalid_parameter
from emulator.inbound import phone_party
from emulator.lifecycle import schedule_sms
from emulator.mailstore import (
    NewAttachment,
    digits,
    insert_message,
    message_records,
    sms_conversation_id,
)
from emulator.multipart import Part
from emulator.requests_body import MEGABYTE, part_content_type, read_envelope
from emulator.segments import segment_count, utf16_units
from emulator.store import loads
from emulator.web import Ctx, json_response, own_mailbox, route

BODY_LIMIT = 10 * MEGABYTE  # x-request-max-body-size: 10m
MAX_TEXT_UNITS = 1000
MAX_MMS_FILES = 10
MAX_MMS_BYTES = 1_500_000
MAX_GROUP_MMS = 10


@dataclass(frozen=True)
class Sender:
    number: str
    features: list[str]


@route(
    "/restapi/v1.0/account/<account_id>/extension/<extension_id>/sms",
    methods=["POST"],
    operation="createSMSMessage",
    group="Medium",
)
def send_sms(ctx: Ctx) -> Response:
    return send(ctx, mms_endpoint=False)


@route(
    "/restapi/v1.0/account/<account_id>/extension/<extension_id>/mms",
    methods=["POST"],
    operation="createMMS",
    group="Medium",
)
def send_mms(ctx: Ctx) -> Response:
    return send(ctx, mms_endpoint=True)


def send(ctx: Ctx, *, mms_endpoint: bool) -> Response:
    extension = own_mailbox(ctx)
    envelope = read_envelope(ctx, limit=BODY_LIMIT, allow_json=not mms_endpoint)
    data = envelope.data
    files = envelope.files
    if mms_endpoint and not files:  # CreateMMSMessage requires `attachments`
        raise ApiError(
            400,
            "CMN-101",
            "Parameter [attachments] value is invalid.",
            parameter_name="attachments",
        )
    with ctx.store.read() as db:
        sender = sender_number(db, extension, data.get("from"))
        recipients = recipient_numbers(db, extension["account_id"], data.get("to"))
    text = message_text(data.get("text"), required=not files)
    check_country(data.get("country"))
    if files:
        if "MmsSender" not in sender.features:
            raise ApiError(403, "MSG-380", "The MMS feature is not available")
        if len(recipients) > MAX_GROUP_MMS:
            raise ApiError(
                400,
                "MSG-381",
                f"Exceeded maximum number of recipients for a Group MMS: [{MAX_GROUP_MMS}]",
            )
    items = mms_attachments(files)

    body: dict[str, Any] = {"priority": "Normal", "smsSendingAttemptsCount": 1}
    if text:
        body["subject"] = text
    if text and not items:
        body["segmentCount"] = segment_count(text)
    outcome = numbers.sms_outcome(recipients)
    if outcome is not None:
        body["_outcome"] = {"status": outcome.sms_status, "code": outcome.sms_error}
    with ctx.store.read() as db:
        if optout.opted_out(db, our_number=sender.number, customers=recipients):
            body["_outcome"] = {"status": optout.OPTED_OUT_STATUS, "code": optout.OPTED_OUT_CODE}
    attachments = [*([text_attachment(text)] if text else []), *items]
    parties = [sender.number, *recipients]
    with ctx.store.write() as db:
        body["from"] = phone_party(db, sender.number)
        body["to"] = [phone_party(db, number) for number in recipients]
        message_id = insert_message(
            db,
            account_id=extension["account_id"],
            extension_id=extension["id"],
            type="SMS",
            direction="Outbound",
            read_status="Unread",
            message_status="Queued",
            body=body,
            conversation_id=sms_conversation_id(parties),
            numbers=parties,
            due_ts=schedule_sms(ctx.config),
            attachments=attachments,
        )
        row = db.execute("SELECT * FROM message WHERE id = ?", (message_id,)).fetchone()
        record = message_records(db, [row], ctx.base_url)[0]
    return json_response(record)


def text_attachment(text: str) -> NewAttachment:
    return NewAttachment(type="Text", content_type="text/plain", content=text.encode())


# --------------------------------------------------------------------------- validation


def sender_number(db: sqlite3.Connection, extension: sqlite3.Row, value: Any) -> Sender:
    """`from.phoneNumber`: one of the caller's numbers that may send SMS."""
    if not isinstance(value, dict) or not isinstance(value.get("phoneNumber"), str):
        raise invalid_parameter("from")
    raw = value["phoneNumber"]
    if numbers.is_short_number(raw) and extension_number_exists(db, extension["account_id"], raw):
        raise extension_numbers_refused()
    number = numbers.normalise(raw)
    row = None
    if number is not None:
        row = db.execute(
            "SELECT phone_number, features FROM phone_number "
            "WHERE extension_id = ? AND phone_number = ?",
            (extension["id"], number),
        ).fetchone()
    if row is None:
        shown = digits(raw) or raw
        raise ApiError(
            400,
            "MSG-245",
            f"Parameter [from] value [{shown}] is invalid "
            "[Cannot find the phone number which belongs to user]",
            parameter_name="from",
            parameter_value=raw,
        )
    features = [str(feature) for feature in loads(row["features"])]
    if "SmsSender" not in features:
        raise ApiError(403, "MSG-367", '"from" phone number does not support SMS')
    return Sender(number=row["phone_number"], features=features)


def recipient_numbers(db: sqlite3.Connection, account_id: int, value: Any) -> list[str]:
    """`to[].phoneNumber`, normalised to E.164, each once."""
    if not isinstance(value, list) or not value:
        raise invalid_parameter("to")
    found: list[str] = []
    for item in value:
        raw = item.get("phoneNumber") if isinstance(item, dict) else None
        if not isinstance(raw, str):
            raise invalid_parameter("to.phoneNumber")
        number = numbers.normalise(raw)
        if number is None:
            if numbers.is_short_number(raw):
                if extension_number_exists(db, account_id, raw.strip()):
                    raise extension_numbers_refused()
                raise ApiError(400, "MSG-247", "Sending SMS to short numbers is not available")
            raise invalid_parameter("to.phoneNumber", raw)
        if number in numbers.BLOCKED_SMS:
            raise ApiError(
                400,
                "MSG-243",
                f"Parameter [to] value [{digits(number)}] is invalid [Phone number is blocked]",
                parameter_name="to",
                parameter_value=number,
            )
        if number in found:
            raise ApiError(
                400,
                "CMN-406",
                f"Duplicate value for parameter to: {number} found in request",
                parameter_name="to",
                parameter_value=number,
            )
        found.append(number)
    return found


def extension_number_exists(db: sqlite3.Connection, account_id: int, number: str) -> bool:
    row = db.execute(
        "SELECT 1 FROM extension WHERE account_id = ? AND extension_number = ?",
        (account_id, number.strip()),
    ).fetchone()
    return row is not None


def extension_numbers_refused() -> ApiError:
    return ApiError(400, "MSG-246", "Sending SMS from/to extension numbers is not available")


def message_text(value: Any, *, required: bool) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value):
        raise invalid_parameter("text")
    if utf16_units(value) > MAX_TEXT_UNITS:
        raise ApiError(400, "MSG-338", "Message size limit exceeded")
    return value


def check_country(value: Any) -> None:
    """`country` is `{id}` or `{isoCode}` (`SmsRequestCountryInfo`), never both."""
    if value is None:
        return
    if not isinstance(value, dict):
        raise invalid_parameter("country")
    if value.get("id") is not None and value.get("isoCode") is not None:
        raise ApiError(
            400,
            "MSG-365",
            "Parameters [country.id] and [country.isoCode] can not be specified simultaneously",
        )
    iso = value.get("isoCode")
    if iso is not None and not (isinstance(iso, str) and len(iso) == 2 and iso.isalpha()):
        raise invalid_parameter("country.isoCode", iso)


def mms_attachments(files: list[Part]) -> list[NewAttachment]:
    """The files of an MMS, checked against REFERENCE §8.1: count, total size, media types."""
    if len(files) > MAX_MMS_FILES:
        raise ApiError(400, "MSG-379", "Too many attachments")
    items: list[NewAttachment] = []
    for position, part in enumerate(files, start=1):
        if not part.data:
            raise ApiError(400, "MSG-347", "Attachment body is empty")
        content_type = part_content_type(part, media.guess_content_type)
        if content_type not in media.MMS_CONTENT_TYPES:
            raise ApiError(
                415,
                "MSG-348",
                f"Unsupported attachment media type, attachment [{position}]: "
                f"[{part.filename or part.name or ''}]",
            )
        size = media.image_size(part.data) if content_type.startswith("image/") else None
        items.append(
            NewAttachment(
                type="MmsAttachment",
                content_type=content_type,
                content=part.data,
                file_name=part.filename,
                width=size[0] if size else None,
                height=size[1] if size else None,
            )
        )
    if sum(len(item.content) for item in items) > MAX_MMS_BYTES:
        raise ApiError(400, "MSG-376", "Attachment size limit exceeded")
    return items
