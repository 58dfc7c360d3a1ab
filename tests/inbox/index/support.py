"""Message records as RingCentral's message sync gives them, for tests that apply them to the
index without a RingCentral of their own, and the index's rows read back."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from inbox.models import IndexedConversation, IndexedMessage
from rcapi import Message

ACCOUNT = 9_000_000_001
EXTENSION = 9_000_000_102
OWN = "+16505550102"
CUSTOMER = "+14155550142"
WINDOW = datetime(2026, 1, 1, tzinfo=UTC)  # the window the tests' index starts at

_IDS = itertools.count(700_000_000_001)


def at(minutes: float) -> datetime:
    """A moment `minutes` after the window's start."""
    return WINDOW + timedelta(minutes=minutes)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def conversation_of(*numbers: str) -> int:
    return 4_000_000_000_000_000_000 + sum(int(n.lstrip("+")) for n in numbers)


def sms(
    *,
    id: int | None = None,
    direction: str = "Inbound",
    other: str = CUSTOMER,
    name: str | None = None,
    text: str = "Is my order on its way?",
    created: datetime | None = None,
    modified: datetime | None = None,
    read: str | None = None,
    availability: str = "Alive",
    pictures: int = 0,
) -> Message:
    """An SMS (MMS with `pictures`) record between the mailbox and `other`."""
    created = created or at(10)
    inbound = direction == "Inbound"
    theirs: dict[str, Any] = {"phoneNumber": other, **({"name": name} if name else {})}
    ours = {"phoneNumber": OWN}
    raw: dict[str, Any] = {
        "id": id or next(_IDS),
        "type": "SMS",
        "direction": direction,
        "from": theirs if inbound else ours,
        "to": [ours if inbound else theirs],
        "subject": text,
        "readStatus": read or ("Unread" if inbound else "Read"),
        "messageStatus": "Received" if inbound else "Delivered",
        "availability": availability,
        "conversationId": conversation_of(OWN, other),
        "creationTime": iso(created),
        "lastModifiedTime": iso(modified or created),
        "attachments": [{"id": 1, "type": "Text", "contentType": "text/plain"}]
        + [
            {"id": 2 + n, "type": "MmsAttachment", "contentType": "image/png"}
            for n in range(pictures)
        ],
    }
    return Message.from_json(raw)


def fax(*, pages: int = 2, created: datetime | None = None, other: str = CUSTOMER) -> Message:
    created = created or at(20)
    return Message.from_json(
        {
            "id": next(_IDS),
            "type": "Fax",
            "direction": "Inbound",
            "from": {"phoneNumber": other},
            "subject": other,
            "readStatus": "Unread",
            "messageStatus": "Received",
            "availability": "Alive",
            "faxPageCount": pages,
            "creationTime": iso(created),
            "lastModifiedTime": iso(created),
            "attachments": [
                {"id": 1, "type": "RenderedDocument", "contentType": "application/pdf"}
            ],
        }
    )


def voicemail(*, seconds: int = 42, created: datetime | None = None) -> Message:
    created = created or at(30)
    return Message.from_json(
        {
            "id": next(_IDS),
            "type": "VoiceMail",
            "direction": "Inbound",
            "from": {"phoneNumber": CUSTOMER},
            "to": [{"name": "Bob"}],
            "readStatus": "Unread",
            "messageStatus": "Received",
            "availability": "Alive",
            "creationTime": iso(created),
            "lastModifiedTime": iso(created),
            "attachments": [
                {"id": 1, "type": "AudioRecording", "contentType": "audio/x-wav",
                 "vmDuration": seconds}
            ],
        }
    )  # fmt: skip


def changed(message: Message, *, minutes: float, **fields: Any) -> Message:
    """The record of `message` as RingCentral gives it after a change `minutes` after the
    window's start: `fields` are record keys (`readStatus`, `availability`, …)."""
    return Message.from_json({**message.raw, **fields, "lastModifiedTime": iso(at(minutes))})


def removal(message: Message, *, minutes: float, availability: str = "Deleted") -> Message:
    """A removal as RingCentral's sync may give it: the id and the availability only."""
    return Message.from_json(
        {"id": message.id, "availability": availability, "lastModifiedTime": iso(at(minutes))}
    )


def stored(message_id: int) -> IndexedMessage:
    return IndexedMessage.objects.get(
        account_id=ACCOUNT, extension_id=EXTENSION, message_id=message_id
    )


def threads() -> dict[tuple[str, int], IndexedConversation]:
    return {
        (row.thread_kind, row.thread_id): row
        for row in IndexedConversation.objects.filter(account_id=ACCOUNT, extension_id=EXTENSION)
    }
