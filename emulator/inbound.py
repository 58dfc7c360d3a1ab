"""Traffic arriving from outside: inbound SMS/MMS, faxes, voicemails and pager copies.

Each function writes records shaped like the official samples of REFERENCE §2.1 into the
mailbox of the receiving extension. Call them inside `Store.write()`; they return the ids of
the messages they created. The demo seed, `python -m emulator inject` and the sending
endpoints (for messages between two users of the account) all use them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from emulator import clock, media, optout
from emulator.mailstore import NewAttachment, digits, insert_message, sms_conversation_id

# Locations the platform derives from North American area codes (`from.location`, REFERENCE
# §2.1 "San Mateo, CA"). The spec says location is filled only "if one can be determined from
# a phone number" and never for US toll-free numbers, so unknown area codes get none.
AREA_LOCATIONS = {
    "201": "Jersey City, NJ", "202": "Washington, DC", "206": "Seattle, WA",
    "212": "New York, NY", "213": "Los Angeles, CA", "214": "Dallas, TX",
    "305": "Miami, FL", "312": "Chicago, IL", "315": "Syracuse, NY", "347": "Brooklyn, NY",
    "404": "Atlanta, GA", "408": "San Jose, CA", "415": "San Francisco, CA",
    "503": "Portland, OR", "512": "Austin, TX", "602": "Phoenix, AZ", "617": "Boston, MA",
    "619": "San Diego, CA", "650": "San Mateo, CA", "702": "Las Vegas, NV",
    "713": "Houston, TX", "720": "Denver, CO", "808": "Honolulu, HI", "917": "New York, NY",
}  # fmt: skip
TOLL_FREE_CODES = frozenset({"800", "833", "844", "855", "866", "877", "888"})


def location_of(number: str) -> str | None:
    """City and state of a +1 number by its area code; None for toll-free and unknown."""
    canonical = number.startswith("+") and number.isascii() and number[1:].isdigit()
    plain = number[1:] if canonical else digits(number)  # E.164 needs no clean-up: faster seeds
    if len(plain) != 11 or not plain.startswith("1"):
        return None
    area = plain[1:4]
    return None if area in TOLL_FREE_CODES else AREA_LOCATIONS.get(area)


def extension_row(db: sqlite3.Connection, extension_id: int) -> sqlite3.Row:
    row: sqlite3.Row | None = db.execute(
        "SELECT * FROM extension WHERE id = ?", (extension_id,)
    ).fetchone()
    if row is None:
        raise LookupError(f"no extension with id {extension_id}")
    return row


def full_name(extension: sqlite3.Row) -> str:
    return f"{extension['first_name']} {extension['last_name']}".strip()


def number_owner(db: sqlite3.Connection, number: str) -> sqlite3.Row | None:
    """The extension a phone number belongs to (compared by digits), if any."""
    wanted = digits(number)
    if not wanted:
        return None
    row: sqlite3.Row | None = db.execute(
        "SELECT e.* FROM phone_number p JOIN extension e ON e.id = p.extension_id "
        "WHERE p.phone_number = ? OR p.phone_number = ?",
        (number, "+" + wanted),
    ).fetchone()
    return row


def phone_party(db: sqlite3.Connection, number: str, *, name: str | None = None) -> dict[str, Any]:
    """A `from`/`to` party for a phone number: name when it is a user of the account
    (spec `MessageStoreCallerInfoResponseTo.name`), or the contact name given; location if known.
    """
    party: dict[str, Any] = {"phoneNumber": number}
    owner = number_owner(db, number)
    shown = full_name(owner) if owner is not None else name
    if shown:
        party["name"] = shown
    location = location_of(number)
    if location:
        party["location"] = location
    return party


def extension_party(extension: sqlite3.Row) -> dict[str, Any]:
    """A pager party: `{extensionNumber, extensionId, name}` as the [SPEC21] pager sample."""
    return {
        "extensionNumber": extension["extension_number"],
        "extensionId": str(extension["id"]),
        "name": full_name(extension),
    }


def _text_attachment(text: str) -> NewAttachment:
    return NewAttachment(type="Text", content_type="text/plain", content=text.encode())


def with_image_size(item: NewAttachment) -> NewAttachment:
    """MMS pictures carry `width`/`height` ([SPEC21] MMS sample); read them from the bytes."""
    if item.width is not None or not item.content_type.startswith("image/"):
        return item
    size = media.image_size(item.content)
    return item if size is None else replace(item, width=size[0], height=size[1])


# --------------------------------------------------------------------------- SMS / MMS


def inbound_sms(
    db: sqlite3.Connection,
    *,
    to_number: str,
    from_number: str,
    text: str,
    attachments: Sequence[NewAttachment] = (),
    created_ts: float | None = None,
    read_status: str = "Unread",
    from_name: str | None = None,
    other_recipients: Sequence[str] = (),
    availability: str = "Alive",
) -> list[int]:
    """An SMS (MMS when `attachments` are given) from `from_number` to the user of `to_number`.

    `other_recipients` makes it a group MMS: every recipient is listed in `to`, the mailbox's own
    number marked `target: true` (spec `MessageStoreCallerInfoResponseTo.target`), and the
    conversation is that of the whole group. `from_name` is the sender's name as the mailbox
    owner's contacts know it (the platform shows it for non-users too).
    Raises LookupError when no extension of the account owns `to_number`.
    """
    plain = digits(to_number)
    rows = db.execute(
        "SELECT e.* FROM phone_number p JOIN extension e ON e.id = p.extension_id "
        "WHERE p.phone_number = ? OR p.phone_number = ? ORDER BY e.id",
        (to_number, "+" + plain),
    ).fetchall()
    if not plain or not rows:
        raise LookupError(f"no extension owns the phone number {to_number}")
    parties = [to_number, *other_recipients]
    conversation_id = sms_conversation_id([from_number, *parties])
    # A picture sent without words has no text part and no subject, as a sent MMS (§8.1).
    text_part = [_text_attachment(text)] if text else []
    items = [*text_part, *(with_image_size(item) for item in attachments)]
    sender = phone_party(db, from_number, name=from_name)
    created: list[int] = []
    for extension in rows:
        to: list[dict[str, Any]] = []
        for number in parties:
            party = phone_party(db, number)
            if number == to_number:
                party["name"] = full_name(extension)
                party["target"] = True
            to.append(party)
        created.append(
            insert_message(
                db,
                account_id=extension["account_id"],
                extension_id=extension["id"],
                type="SMS",
                direction="Inbound",
                read_status=read_status,
                message_status="Received",
                body={"from": sender, "to": to, "priority": "Normal"}
                | ({"subject": text} if text else {}),
                creation_ts=created_ts,
                conversation_id=conversation_id,
                numbers=[from_number, *parties],
                attachments=items,
                availability=availability,
            )
        )
    if not other_recipients:
        optout.keyword_record(
            db,
            customer="+" + digits(from_number),
            our_number="+" + plain,
            text=text,
            ts=clock.now() if created_ts is None else created_ts,
        )
    return created


# --------------------------------------------------------------------------- fax


def inbound_fax(
    db: sqlite3.Connection,
    *,
    to_extension_id: int,
    from_number: str,
    pdf: bytes,
    created_ts: float | None = None,
    read_status: str = "Unread",
    from_name: str | None = None,
    availability: str = "Alive",
) -> int:
    """A received fax as in the "receive-fax-payload" sample (REFERENCE §2.1): no `to`,
    `subject` = the sending number, `faxResolution: High`, a `RenderedDocument` PDF.
    """
    extension = extension_row(db, to_extension_id)
    body: dict[str, Any] = {
        "from": phone_party(db, from_number, name=from_name),
        "subject": from_number,
        "priority": "Normal",
        "faxResolution": "High",
        "faxPageCount": media.pdf_page_count(pdf),
    }
    return insert_message(
        db,
        account_id=extension["account_id"],
        extension_id=extension["id"],
        type="Fax",
        direction="Inbound",
        read_status=read_status,
        message_status="Received",
        body=body,
        creation_ts=created_ts,
        numbers=[from_number],
        attachments=[
            NewAttachment(type="RenderedDocument", content_type="application/pdf", content=pdf)
        ],
        availability=availability,
    )


# --------------------------------------------------------------------------- voicemail


def inbound_voicemail(
    db: sqlite3.Connection,
    *,
    to_extension_id: int,
    from_number: str,
    audio: bytes,
    created_ts: float | None = None,
    read_status: str = "Unread",
    from_name: str | None = None,
    availability: str = "Alive",
) -> int:
    """A voicemail as in the [SPEC21] "Voicemail" sample (REFERENCE §2.1): `to` = [{name}],
    an `AudioRecording` `audio/x-wav` with `vmDuration` in whole seconds, no `subject`,
    no conversation, `vmTranscriptionStatus: NotAvailable`.
    """
    extension = extension_row(db, to_extension_id)
    duration = max(1, round(media.wav_duration(audio)))
    body: dict[str, Any] = {
        "from": phone_party(db, from_number, name=from_name),
        "to": [{"name": full_name(extension)}],
        "priority": "Normal",
        "vmTranscriptionStatus": "NotAvailable",
    }
    recording = NewAttachment(
        type="AudioRecording", content_type="audio/x-wav", content=audio, vm_duration=duration
    )
    return insert_message(
        db,
        account_id=extension["account_id"],
        extension_id=extension["id"],
        type="VoiceMail",
        direction="Inbound",
        read_status=read_status,
        message_status="Received",
        body=body,
        creation_ts=created_ts,
        numbers=[from_number],
        attachments=[recording],
        availability=availability,
    )


# --------------------------------------------------------------------------- pager


def inbound_pager(
    db: sqlite3.Connection,
    *,
    to_extension_id: int,
    from_extension_id: int,
    text: str,
    conversation_id: int,
    created_ts: float | None = None,
    read_status: str = "Unread",
    recipient_ids: Sequence[int] | None = None,
    availability: str = "Alive",
) -> int:
    """The recipient's copy of a company pager message (REFERENCE §9): `from` and `to` as
    `{extensionNumber, extensionId, name}`, `pgToDepartment: false`, one `Text` attachment.

    `recipient_ids` lists every recipient of the message (default: just this one), so each
    copy shows the same `to` as the sender's, minus the sender the platform appends there.
    """
    extension = extension_row(db, to_extension_id)
    sender = extension_row(db, from_extension_id)
    recipients = [extension_row(db, rid) for rid in (recipient_ids or [to_extension_id])]
    body: dict[str, Any] = {
        "from": extension_party(sender),
        "to": [extension_party(row) for row in recipients],
        "subject": text,
        "priority": "Normal",
        "pgToDepartment": False,
    }
    return insert_message(
        db,
        account_id=extension["account_id"],
        extension_id=extension["id"],
        type="Pager",
        direction="Inbound",
        read_status=read_status,
        message_status="Received",
        body=body,
        creation_ts=created_ts,
        conversation_id=conversation_id,
        attachments=[_text_attachment(text)],
        availability=availability,
    )
