"""Helpers of the opt-out tests: a customer's keyword as RingCentral's record gives it."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from django.utils import timezone

from inbox.optout.services import optouts_apply_keywords
from rcapi import Message

_IDS = itertools.count(7_000_000_000_001)


def keyword_record(
    *,
    customer: str,
    our_number: str,
    text: str,
    at: datetime | None = None,
    message_id: int | None = None,
    type: str = "SMS",
    direction: str = "Inbound",
) -> Message:
    """A received SMS record, shaped as RingCentral's message store gives it."""
    when = at or timezone.now()
    return Message.from_json(
        {
            "id": message_id or next(_IDS),
            "conversationId": 9_100_000_000_001,
            "type": type,
            "direction": direction,
            "availability": "Alive",
            "readStatus": "Unread",
            "messageStatus": "Received",
            "creationTime": when.isoformat().replace("+00:00", "Z"),
            "lastModifiedTime": when.isoformat().replace("+00:00", "Z"),
            "from": {"phoneNumber": customer},
            "to": [{"phoneNumber": our_number, "target": True}],
            "subject": text,
        }
    )


def customer_texts(
    *,
    account_id: int,
    extension_id: int,
    customer: str,
    our_number: str,
    text: str,
    ago: timedelta = timedelta(minutes=1),
) -> int:
    """The customer's message, as the message sync hands it to opt-out; how many changed."""
    record = keyword_record(
        customer=customer, our_number=our_number, text=text, at=timezone.now() - ago
    )
    return optouts_apply_keywords(
        account_id=account_id, extension_id=extension_id, messages=[record]
    )
