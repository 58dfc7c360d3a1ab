"""RingCentral's message records turned into what the inbox shows: plain, picklable values (they
are cached), with the words a person reads — party names or formatted numbers, type labels,
delivery statuses and failure reasons in plain words.

Nothing here marks text as safe: customer-written text stays a plain string, and templates
escape it like everything else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from inbox.index.records import others_of
from rcapi import Attachment, Message, Party

PREVIEW_CHARS = 90

TYPE_LABELS = {
    "SMS": "SMS",
    "MMS": "MMS",
    "Pager": "Pager",
    "Fax": "Fax",
    "VoiceMail": "Voicemail",
    "Text": "Text",
}

# SMS failures (`deliveryErrorCode`), in the words of RingCentral's SMS error guide
SMS_FAILURES = {
    "SMS-UP-410": "the number cannot receive text messages",
    "SMS-CAR-411": "the carrier says the number is not in service",
    "SMS-CAR-412": "the recipient's phone could not be reached",
    "SMS-RC-413": "the recipient has opted out of texts from this number",
    "SMS-CAR-430": "the carrier blocked the message as spam",
    "SMS-RC-430": "texting this number is not allowed",
    "SMS-UP-431": "the recipient's carrier refused the message",
}
# fax failures (`to[].faxErrorCode`)
FAX_FAILURES = {
    "AllLinesInUse": "all lines were in use",
    "NoAnswer": "no one answered",
    "LineBusy": "the line was busy",
    "CallerHungUp": "the other side hung up",
    "NoFaxMachine": "no fax machine answered",
    "CallFailed": "the call failed",
    "CallDeclined": "the call was declined",
    "InvalidNumber": "the number is not valid",
    "WrongNumber": "the number is not valid",
    "ProhibitedNumber": "faxing this number is not allowed",
    "RenderingFailed": "the document could not be converted to a fax",
    "TooManyPages": "the document has too many pages",
    "NotEnoughCredits": "the account has run out of fax credit",
    "SentPartially": "only some pages were sent",
}
STATUS_LABELS = {
    "Queued": "Queued",
    "Sent": "Sent",
    "Delivered": "Delivered",
    "Received": "Received",
    "SendingFailed": "Failed",
    "DeliveryFailed": "Failed",
}
FAILED_STATUSES = frozenset({"SendingFailed", "DeliveryFailed"})


def format_number(number: str | None) -> str:
    """`+16505550101` as `(650) 555-0101`; other numbers as given."""
    if not number:
        return ""
    digits = re.sub(r"\D", "", number)
    if number.startswith("+1") and len(digits) == 11:
        return f"({digits[1:4]}) {digits[4:7]}-{digits[7:]}"
    return number


def party_label(party: Party | None) -> str:
    """A person's name if RingCentral knows it, else their formatted number or extension."""
    if party is None:
        return "Unknown"
    if party.name:
        return party.name
    if party.phone_number:
        return format_number(party.phone_number)
    if party.extension_number:
        return f"Ext. {party.extension_number}"
    return "Unknown"


def party_number(party: Party | None) -> str:
    if party is None:
        return ""
    if party.phone_number:
        return party.phone_number
    return f"ext. {party.extension_number}" if party.extension_number else ""


@dataclass(frozen=True)
class PartyView:
    """Someone on a message other than the mailbox's owner."""

    label: str  # what the inbox shows: `party_label`
    name: str = ""  # as RingCentral gave it on this message; often only on some messages
    phone_number: str = ""


def party_view(party: Party) -> PartyView:
    return PartyView(party_label(party), party.name or "", party.phone_number or "")


@dataclass(frozen=True)
class AttachmentView:
    id: int
    kind: str  # image, pdf, audio, or file
    content_type: str
    file_name: str
    size: int | None = None
    duration: int | None = None  # seconds, voicemail
    width: int | None = None
    height: int | None = None

    @property
    def duration_label(self) -> str:
        if self.duration is None:
            return ""
        minutes, seconds = divmod(self.duration, 60)
        return f"{minutes}:{seconds:02d}"


@dataclass(frozen=True)
class MessageView:
    """One message as the inbox shows it."""

    id: int
    conversation_id: int | None
    type: str  # SMS, MMS, Pager, Fax, VoiceMail
    direction: str  # Inbound or Outbound
    created: datetime | None
    unread: bool
    text: str
    sender: str
    other_party: str
    other_number: str
    status: str
    status_label: str
    failure_reason: str
    attachments: tuple[AttachmentView, ...]
    fax_page_count: int | None = None
    availability: str = "Alive"
    # the numbers as RingCentral gave them: which of the mailbox owner's numbers a
    # conversation uses is the sender's of an outbound message, a recipient's of an inbound one
    from_number: str = ""
    to_numbers: tuple[str, ...] = ()
    # who `other_party` names, one by one: RingCentral names a customer on some messages of a
    # conversation only (the sender of a received one, rarely the recipient of a sent one)
    others: tuple[PartyView, ...] = ()

    @property
    def type_label(self) -> str:
        return TYPE_LABELS.get(self.type, self.type)

    @property
    def inbound(self) -> bool:
        return self.direction == "Inbound"

    @property
    def failed(self) -> bool:
        return self.status in FAILED_STATUSES

    @property
    def preview(self) -> str:
        """The text on one line, cut to fit a list row."""
        line = " ".join(self.text.split())
        if not line:
            line = self.summary
        return line if len(line) <= PREVIEW_CHARS else line[: PREVIEW_CHARS - 1] + "…"

    @property
    def summary(self) -> str:
        """What a message without text is."""
        if self.type == "VoiceMail":
            audio = next((a for a in self.attachments if a.kind == "audio"), None)
            length = f" ({audio.duration_label})" if audio and audio.duration_label else ""
            return f"Voicemail{length}"
        if self.type == "Fax":
            pages = self.fax_page_count
            if pages:
                return f"Fax, {pages} page{'s' if pages != 1 else ''}"
            return "Fax"
        if self.attachments:
            count = len(self.attachments)
            return f"{count} attachment{'s' if count != 1 else ''}"
        return ""

    @property
    def thread_key(self) -> tuple[str, int]:
        """Where the message's thread lives: its conversation, or the message alone (faxes
        and voicemails have no conversation)."""
        if self.conversation_id is not None:
            return ("conversation", self.conversation_id)
        return ("message", self.id)


def attachment_kind(content_type: str) -> str:
    base = content_type.split(";", 1)[0].strip().lower()
    if base in {"image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp"}:
        return "image"  # not SVG: it can carry scripts
    if base == "application/pdf":
        return "pdf"
    if base.startswith("audio/"):
        return "audio"
    return "file"


def attachment_view(attachment: Attachment) -> AttachmentView:
    content_type = attachment.content_type or "application/octet-stream"
    return AttachmentView(
        id=attachment.id,
        kind=attachment_kind(content_type),
        content_type=content_type,
        file_name=attachment.file_name or f"attachment-{attachment.id}",
        size=attachment.size,
        duration=attachment.vm_duration,
        width=attachment.width,
        height=attachment.height,
    )


def _failure_reason(message: Message) -> str:
    if message.message_status not in FAILED_STATUSES:
        return ""
    if message.delivery_error_code:
        return SMS_FAILURES.get(
            message.delivery_error_code,
            f"the carrier gave the reason {message.delivery_error_code}",
        )
    for recipient in message.to:
        if recipient.fax_error_code:
            return FAX_FAILURES.get(
                recipient.fax_error_code,
                f"the fax service gave the reason {recipient.fax_error_code}",
            )
    return "no reason was given"


def message_type(message: Message) -> str:
    if message.type == "SMS" and any(a.type == "MmsAttachment" for a in message.attachments):
        return "MMS"
    return message.type or "SMS"


def message_view(message: Message) -> MessageView:
    others = others_of(message)
    shown = tuple(attachment_view(a) for a in message.attachments if a.type != "Text")
    text = message.subject or "" if message.type in {"SMS", "Pager", "Text"} else ""
    status = message.message_status or ""
    return MessageView(
        id=message.id,
        conversation_id=message.conversation_id,
        type=message_type(message),
        direction=message.direction or "Inbound",
        created=message.creation_time,
        # RingCentral stores the mailbox's own sends as `Unread` too (whichever app sent
        # them): only what was received can wait to be read
        unread=message.read_status == "Unread" and message.direction == "Inbound",
        text=text,
        sender=party_label(message.from_) if message.from_ else "",
        other_party=", ".join(party_label(p) for p in others) or "Unknown",
        other_number=", ".join(filter(None, (party_number(p) for p in others))),
        status=status,
        status_label=STATUS_LABELS.get(status, status),
        failure_reason=_failure_reason(message),
        attachments=shown,
        fax_page_count=message.fax_page_count,
        availability=message.availability or "Alive",
        from_number=(message.from_.phone_number or "") if message.from_ else "",
        to_numbers=tuple(p.phone_number for p in message.to if p.phone_number),
        others=tuple(party_view(p) for p in others),
    )


def party_names_of(views: Iterable[MessageView]) -> dict[str, str]:
    """The names RingCentral gave the numbers on these messages (number → name)."""
    return {
        party.phone_number: party.name
        for view in views
        for party in view.others
        if party.phone_number and party.name
    }


def unnamed_numbers(views: Iterable[MessageView]) -> set[str]:
    """The numbers these messages show without a name."""
    return {
        party.phone_number
        for view in views
        for party in view.others
        if party.phone_number and not party.name
    }


def with_party_names(view: MessageView, names: Mapping[str, str]) -> MessageView:
    """`view` with the parties it shows as a bare number named, where `names` knows them."""
    if not any(names.get(p.phone_number) and not p.name for p in view.others):
        return view
    others = tuple(
        replace(p, name=names[p.phone_number], label=names[p.phone_number])
        if not p.name and names.get(p.phone_number)
        else p
        for p in view.others
    )
    return replace(view, others=others, other_party=", ".join(p.label for p in others))


def with_contact_names(view: MessageView, contacts: Mapping[str, str]) -> MessageView:
    """`view` with the parties the address book names (number → contact name) shown by
    that name, over RingCentral's; `name` keeps RingCentral's."""
    if not any(p.phone_number in contacts for p in view.others) and (
        view.from_number not in contacts
    ):
        return view
    others = tuple(
        replace(p, label=contacts[p.phone_number]) if p.phone_number in contacts else p
        for p in view.others
    )
    sender = view.sender
    if view.inbound and view.from_number in contacts:
        sender = contacts[view.from_number]
    return replace(
        view,
        others=others,
        other_party=", ".join(p.label for p in others) or view.other_party,
        sender=sender,
    )
