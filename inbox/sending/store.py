"""Finding a send's message in RingCentral's message store, for a send whose request may
have reached RingCentral without our hearing back.

RingCentral has no idempotency key, so the message is recognised by what it is: same type,
from, recipients and text, sent since a little before the call, with an id no other send
holds. Two look-ups in one mailbox take a lock, so that they never claim the same message.
"""

from __future__ import annotations

import contextlib
import functools
import time
import uuid
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Literal

from django.core.cache import cache
from django.utils import timezone

from accounts.services import ringcentral_call
from inbox.models import Send
from inbox.ringcentral import session_holder
from rcapi import RingCentralClient
from rcapi.records import Message, MessagePage

# Message-store look-ups (and tracking) start this long before our own timestamps, because
# RingCentral's clock is not ours.
CLOCK_SLACK = timedelta(seconds=60)
LOOKUP_PAGES = 5
PER_PAGE = 100

_MESSAGE_TYPES: dict[str, Literal["SMS", "Pager", "Fax"]] = {
    Send.Kind.SMS: "SMS",
    Send.Kind.PAGER: "Pager",
    Send.Kind.FAX: "Fax",
}


def outbound_messages_list(
    client: RingCentralClient,
    *,
    date_from: datetime,
    page: int,
    message_type: Sequence[Literal["SMS", "Pager", "Fax"]] = (),
) -> MessagePage:
    """One page of the mailbox's outbound messages since `date_from`, newest first."""
    return client.list_messages(
        direction=["Outbound"],
        message_type=message_type,
        date_from=date_from,
        page=page,
        per_page=PER_PAGE,
    )


def send_store_find(*, send: Send) -> Message | None:
    """The outbound message of the store that is `send`, if any (call it holding
    `mailbox_lock`)."""
    started = send.call_started_at or send.claimed_at or send.created_at
    date_from = started - CLOCK_SLACK
    message_type = _MESSAGE_TYPES[send.kind]
    candidates: list[Message] = []
    page = 1
    while page <= LOOKUP_PAGES:
        answer = ringcentral_call(
            session_holder(send.owner, account_id=send.account_id, extension_id=send.extension_id),
            functools.partial(
                outbound_messages_list, message_type=[message_type], date_from=date_from, page=page
            ),
        )
        candidates += [message for message in answer.records if _is_same(send, message)]
        if not answer.has_next:
            break
        page += 1
    held = set(
        Send.objects.filter(rc_message_id__in=[m.id for m in candidates])
        .exclude(pk=send.pk)
        .values_list("rc_message_id", flat=True)
    )
    free = [message for message in candidates if message.id not in held]
    if not free:
        return None
    # the list is newest first; the oldest free match is the one this send made
    return sorted(free, key=lambda m: (m.creation_time or timezone.now(), m.id))[0]


def _is_same(send: Send, message: Message) -> bool:
    if send.kind == Send.Kind.SMS:
        sender = message.from_.phone_number if message.from_ else None
        recipients = sorted(p.phone_number or "" for p in message.to)
        return (
            sender == send.from_number
            and recipients == sorted(send.recipients)
            and (message.subject or "") == send.text
        )
    if send.kind == Send.Kind.PAGER:
        # RingCentral lists the sender among the recipients of a pager message
        listed = {str(p.extension_id) for p in message.to if p.extension_id is not None}
        return (message.subject or "") == send.text and set(send.recipients) <= listed
    recipients = sorted(p.phone_number or "" for p in message.to)
    return not send.recipients or recipients == sorted(send.recipients)


@contextlib.contextmanager
def mailbox_lock(name: str, *, wait: float = 30.0, hold: int = 90) -> Iterator[None]:
    """A best-effort lock in the cache (atomic with Redis): two look-ups of one mailbox must
    not both claim the same message. Past `wait`, go on without it."""
    key = f"inbox:sends:{name}"
    token = uuid.uuid4().hex
    deadline = time.monotonic() + wait
    got = cache.add(key, token, hold)
    while not got and time.monotonic() < deadline:
        time.sleep(0.2)
        got = cache.add(key, token, hold)
    try:
        yield
    finally:
        if got and cache.get(key) == token:
            cache.delete(key)
