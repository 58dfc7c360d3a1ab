"""Fax: `POST …/fax` (createFaxMessage) and `GET /restapi/v1.0/dictionary/fax-cover-page`
(listFaxCoverPages), REFERENCE §10.

Request forms accepted by `POST …/fax`:
1. `multipart/form-data` with a JSON part (official SDKs: part `json` / `request.json`) and
   `attachment` file parts, or one plain field per parameter (`to` repeated with plain numbers,
   `faxResolution`, `sendTime`, `isoCode`, `coverIndex`, `coverPageText`) as in the [SPEC21]
   "Multipart/Form-data" sample; both may be mixed, plain fields win;
2. `multipart/mixed`: the JSON envelope, then the documents (each with a Content-Disposition
   naming the file: `MSG-350` / `MSG-351` otherwise);
3. `application/json` resend/forward: `{originalMessageId, to?, sendTime?}`.

The answer is `200` `FaxResponse`: `messageStatus: Queued` on the message and on every
recipient, `faxPageCount: 0` while queued, the attachment's file-name key spelt `filename`
(REFERENCE §2 quirk, §17.9). The delivery life (`emulator.lifecycle`) dials the recipients.

Decisions where the sources are silent or disagree:
- `from`: the request cannot set it (a `from` in the envelope is ignored); the record carries the
  extension's primary number as `from`, which `FaxResponse` declares and the official SDK probe
  requires, though the old [SPEC21] sample omits it.
- `faxResolution` defaults to `High` (every official sample answers `High`); `coverIndex`
  defaults to 0: the demo account's "Outbound Fax Settings" attach no cover page.
- Both `isoCode` ([SPEC]) and `country.isoCode` ([SPEC21] sample) are read (§17.10).
- No document and no cover page: 400 `CMN-101` "Parameter [attachment] value is invalid.";
  a file name with `& @ # $ % ^ *`: the same code, with the file name as `parameterValue`;
  documents over 50 MB together: 400 `MSG-337` "Attachment size limit exceeded" (§8.2).
- Bad JSON envelope: 400 `MSG-349` "Unable to parse fax envelope".
- Resend/forward (docs/messaging/fax/resending-faxes.md: "forwarding a received inbound fax",
  "resending a fax that has not been received"): an outbound fax may be resent once it left the
  queue (Sent or SendingFailed), to its recipients or to new ones; a received fax may be
  forwarded to new recipients; anything else is 406 `MSG-343`. An unknown, deleted or non-fax
  `originalMessageId` is 400 `CMN-102`.
- Cover pages honour `page`/`perPage` (the [SPEC21] sample echoing 100 for `perPage=10` is
  taken as a sample artefact); `perPage` must be 1-1000 (`EnumeratedPagingModel`).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from werkzeug.wrappers import Response

from emulator import clock, media, numbers
from emulator.errors import ApiError, invalid_parameter
from emulator.fax_documents import (
    COVER_PAGES,
    Document,
    accepted,
    cover_page_text,
    name_allowed,
    render,
)
from emulator.inbound import phone_party
from emulator.lifecycle import schedule_fax
from emulator.mailstore import (
    NewAttachment,
    get_message,
    insert_message,
    message_records,
)
from emulator.multipart import Part
from emulator.paging import page_params, paging_blocks
from emulator.requests_body import MEGABYTE, Envelope, part_content_type, read_envelope
from emulator.segments import utf16_units
from emulator.store import loads
from emulator.web import Ctx, json_response, own_mailbox, route

BODY_LIMIT = 55 * MEGABYTE  # x-request-max-body-size: 55m
MAX_DOCUMENT_BYTES = 50 * MEGABYTE  # "Fax attachment size (both single and total) ... 50Mb"
MAX_COVER_TEXT = 1024
FIELDS = ("to", "faxResolution", "sendTime", "isoCode", "coverIndex", "coverPageText")
RESOLUTIONS = ("High", "Low")
DEFAULT_RESOLUTION = "High"
DEFAULT_COVER_INDEX = 0


@dataclass(frozen=True)
class Recipient:
    phone_number: str
    name: str | None = None


@dataclass(frozen=True)
class FaxOptions:
    recipients: list[Recipient]
    resolution: str
    send_ts: float | None
    cover_index: int
    cover_text: str


@route(
    "/restapi/v1.0/account/<account_id>/extension/<extension_id>/fax",
    methods=["POST"],
    operation="createFaxMessage",
    group="Heavy",
)
def send_fax(ctx: Ctx) -> Response:
    extension = own_mailbox(ctx, permission="OutboundFaxes")
    envelope = read_envelope(
        ctx,
        limit=BODY_LIMIT,
        field_names=FIELDS,
        bad_json=ApiError(400, "MSG-349", "Unable to parse fax envelope"),
    )
    if not envelope.multipart:
        return resend(ctx, extension, envelope.data)
    options = fax_options(envelope)
    documents = fax_documents(envelope, mixed=ctx.request.mimetype == "multipart/mixed")
    if not documents and options.cover_index == 0:
        raise ApiError(
            400,
            "CMN-101",
            "Parameter [attachment] value is invalid.",
            parameter_name="attachment",
        )
    with ctx.store.write() as db:
        sender = fax_number(db, extension)
        cover = None
        if options.cover_index:
            cover = cover_page_text(
                options.cover_index,
                sender=sender,
                recipients=[r.name or r.phone_number for r in options.recipients],
                note=options.cover_text,
            )
        rendered = render(documents, cover_page=cover)
        record = store_fax(
            ctx,
            db,
            extension,
            sender=sender,
            options=options,
            pdf=rendered.pdf,
            page_count=rendered.document_pages + (1 if options.cover_index else 0),
            rendering_failed=rendered.failed,
        )
    return json_response(record)


def store_fax(
    ctx: Ctx,
    db: sqlite3.Connection,
    extension: sqlite3.Row,
    *,
    sender: str,
    options: FaxOptions,
    pdf: bytes,
    page_count: int,
    rendering_failed: bool,
) -> dict[str, Any]:
    """Insert an outbound Queued fax and return its `FaxResponse`."""
    to = []
    for recipient in options.recipients:
        party = phone_party(db, recipient.phone_number, name=recipient.name)
        party["messageStatus"] = "Queued"
        to.append(party)
    body: dict[str, Any] = {
        "from": phone_party(db, sender),
        "to": to,
        "priority": "Normal",
        "faxResolution": options.resolution,
        "faxPageCount": 0,
        "coverIndex": options.cover_index,
        "_pageCount": page_count,
    }
    if options.cover_text:
        body["coverPageText"] = options.cover_text
    if rendering_failed:
        body["_renderingFailed"] = True
    message_id = insert_message(
        db,
        account_id=extension["account_id"],
        extension_id=extension["id"],
        type="Fax",
        direction="Outbound",
        read_status="Unread",
        message_status="Queued",
        body=body,
        numbers=[sender, *(r.phone_number for r in options.recipients)],
        due_ts=schedule_fax(ctx.config, options.send_ts),
        attachments=[
            NewAttachment(type="RenderedDocument", content_type="application/pdf", content=pdf)
        ],
    )
    row = db.execute("SELECT * FROM message WHERE id = ?", (message_id,)).fetchone()
    return fax_response(message_records(db, [row], ctx.base_url)[0])


def fax_response(record: dict[str, Any]) -> dict[str, Any]:
    """`FaxResponse` spells the attachment file name `filename` (`MessageAttachmentInfoIntId`)."""
    for attachment in record.get("attachments", []):
        if "fileName" in attachment:
            attachment["filename"] = attachment.pop("fileName")
    return record


def fax_number(db: sqlite3.Connection, extension: sqlite3.Row) -> str:
    """The extension's outbound fax number: its primary number, else the company number."""
    row = db.execute(
        "SELECT phone_number FROM phone_number WHERE extension_id = ? "
        "ORDER BY is_primary DESC, id LIMIT 1",
        (extension["id"],),
    ).fetchone()
    if row is None:
        row = db.execute(
            "SELECT main_number AS phone_number FROM account WHERE id = ?",
            (extension["account_id"],),
        ).fetchone()
    return str(row["phone_number"])


# --------------------------------------------------------------------------- the envelope


def fax_options(envelope: Envelope) -> FaxOptions:
    data: dict[str, Any] = dict(envelope.data)
    for name, values in envelope.fields.items():
        data[name] = values if name == "to" else values[-1]
    data.pop("from", None)  # the platform picks the sender's number itself
    check_iso_code(data)
    return FaxOptions(
        recipients=fax_recipients(data.get("to")),
        resolution=fax_resolution(data.get("faxResolution")),
        send_ts=send_time(data.get("sendTime")),
        cover_index=cover_index(data.get("coverIndex")),
        cover_text=cover_text(data.get("coverPageText")),
    )


def check_iso_code(data: dict[str, Any]) -> None:
    """`isoCode` ([SPEC]) or `country.isoCode` ([SPEC21] sample): two letters when given."""
    country = data.get("country")
    iso = data.get("isoCode")
    if iso is None and isinstance(country, dict):
        iso = country.get("isoCode")
    if iso not in (None, "") and not (isinstance(iso, str) and len(iso) == 2 and iso.isalpha()):
        raise invalid_parameter("isoCode", iso)


def fax_recipients(value: Any) -> list[Recipient]:
    """`to`: `FaxRequestTo` objects, or plain numbers (one form-data field each)."""
    if isinstance(value, str | dict):
        value = [value]
    if not isinstance(value, list) or not value:
        raise invalid_parameter("to")
    found: list[Recipient] = []
    for item in value:
        recipient = fax_recipient(item)
        if any(other.phone_number == recipient.phone_number for other in found):
            raise ApiError(
                400,
                "CMN-406",
                f"Duplicate value for parameter to: {recipient.phone_number} found in request",
                parameter_name="to",
                parameter_value=recipient.phone_number,
            )
        found.append(recipient)
    return found


def fax_recipient(item: Any) -> Recipient:
    if isinstance(item, str) and item.lstrip().startswith("{"):
        try:
            item = json.loads(item)
        except json.JSONDecodeError as exc:
            raise invalid_parameter("to", item) from exc
    if isinstance(item, dict):
        raw, name = item.get("phoneNumber"), item.get("name")
    else:
        raw, name = item, None
    if not isinstance(raw, str):
        raise invalid_parameter("to.phoneNumber")
    number = numbers.normalise(raw)
    if number is None:
        raise invalid_parameter("to.phoneNumber", raw)
    return Recipient(number, name if isinstance(name, str) and name else None)


def fax_resolution(value: Any) -> str:
    if value in (None, ""):
        return DEFAULT_RESOLUTION
    if value not in RESOLUTIONS:
        raise invalid_parameter("faxResolution", value)
    return str(value)


def send_time(value: Any) -> float | None:
    """`sendTime`: absent, now or past = at once; in the future the fax waits in the queue."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise invalid_parameter("sendTime", value)
    try:
        return clock.parse_iso(value)
    except ValueError as exc:
        raise invalid_parameter("sendTime", value) from exc


def cover_index(value: Any) -> int:
    if value in (None, ""):
        return DEFAULT_COVER_INDEX
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit() or int(text) >= len(COVER_PAGES):
        raise invalid_parameter("coverIndex", value)
    return int(text)


def cover_text(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or utf16_units(value) > MAX_COVER_TEXT:
        raise invalid_parameter("coverPageText")
    return value


def fax_documents(envelope: Envelope, *, mixed: bool) -> list[Document]:
    documents: list[Document] = []
    for position, part in enumerate(envelope.files, start=1):
        if not mixed and part.filename is None and part.name != "attachment":
            continue  # an unknown plain form field
        if mixed:
            check_disposition(part)
        if not name_allowed(part.filename):
            raise invalid_parameter("attachment", part.filename)
        if not part.data:
            raise ApiError(400, "MSG-347", "Attachment body is empty")
        document = Document(
            part.filename, part_content_type(part, media.guess_content_type), part.data
        )
        if not accepted(document):
            raise ApiError(
                415,
                "MSG-348",
                f"Unsupported attachment media type, attachment [{position}]: "
                f"[{part.filename or part.name or ''}]",
            )
        documents.append(document)
    if sum(len(document.data) for document in documents) > MAX_DOCUMENT_BYTES:
        raise ApiError(400, "MSG-337", "Attachment size limit exceeded")
    return documents


def check_disposition(part: Part) -> None:
    if "content-disposition" not in part.headers:
        raise ApiError(400, "MSG-350", "No content disposition")
    if not part.filename:
        raise ApiError(400, "MSG-351", "No file name in content disposition")


# --------------------------------------------------------------------------- resend / forward


def resend(ctx: Ctx, extension: sqlite3.Row, data: dict[str, Any]) -> Response:
    raw = data.get("originalMessageId")
    if isinstance(raw, bool) or not str(raw if raw is not None else "").isdigit():
        raise invalid_parameter("originalMessageId", raw)
    send_ts = send_time(data.get("sendTime"))
    new_recipients = fax_recipients(data["to"]) if data.get("to") is not None else None
    with ctx.store.write() as db:
        original = get_message(db, extension["id"], int(str(raw)))
        if original is None or original["type"] != "Fax" or original["availability"] != "Alive":
            raise ApiError(
                400,
                "CMN-102",
                "Resource for parameter [originalMessageId] is not found",
                parameter_name="originalMessageId",
            )
        body = loads(original["body"])
        if original["direction"] == "Outbound" and original["message_status"] == "Queued":
            raise not_resendable()  # still waiting to be sent
        recipients = new_recipients or resend_recipients(original, body)
        documents = db.execute(
            "SELECT content FROM attachment WHERE message_id = ? AND type = 'RenderedDocument' "
            "ORDER BY position LIMIT 1",
            (original["id"],),
        ).fetchone()
        if documents is None:
            raise not_resendable()
        pdf = bytes(documents["content"])
        outbound = original["direction"] == "Outbound"
        index = int(body.get("coverIndex", 0)) if outbound else 0
        pages = body.get("_pageCount") if outbound else None
        if pages is None:
            pages = media.pdf_page_count(pdf) + (1 if index else 0)
        options = FaxOptions(
            recipients=recipients,
            resolution=str(body.get("faxResolution") or DEFAULT_RESOLUTION),
            send_ts=send_ts,
            cover_index=index,
            cover_text=str(body.get("coverPageText", "")) if outbound else "",
        )
        record = store_fax(
            ctx,
            db,
            extension,
            sender=fax_number(db, extension),
            options=options,
            pdf=pdf,
            page_count=int(pages),
            rendering_failed=bool(body.get("_renderingFailed")) and outbound,
        )
    return json_response(record)


def resend_recipients(original: sqlite3.Row, body: dict[str, Any]) -> list[Recipient]:
    """The recipients of a resend without `to`: those of an outbound fax that left the queue."""
    if original["direction"] != "Outbound":
        raise not_resendable()  # a received fax is forwarded to new recipients, not resent
    found = [
        Recipient(str(party["phoneNumber"]), party.get("name"))
        for party in body.get("to", [])
        if party.get("phoneNumber")
    ]
    if not found:
        raise not_resendable()
    return found


def not_resendable() -> ApiError:
    return ApiError(406, "MSG-343", "Fax resend is not allowed for message in current state")


# --------------------------------------------------------------------------- cover pages


@route(
    "/restapi/v1.0/dictionary/fax-cover-page",
    methods=["GET"],
    operation="listFaxCoverPages",
    group="Light",
)
def list_cover_pages(ctx: Ctx) -> Response:
    ctx.require_caller()
    page, per_page = page_params(ctx.request.args)
    if per_page < 1:
        raise invalid_parameter("perPage", per_page)
    start = (page - 1) * per_page
    shown = list(enumerate(COVER_PAGES))[start : start + per_page]
    records = [{"id": str(index), "name": name} for index, name in shown]
    uri, paging, navigation = paging_blocks(
        f"{ctx.base_url}/restapi/v1.0/dictionary/fax-cover-page",
        [],
        page=page,
        per_page=per_page,
        total=len(COVER_PAGES),
        shown=len(records),
    )
    return json_response(
        {"uri": uri, "records": records, "paging": paging, "navigation": navigation}
    )
