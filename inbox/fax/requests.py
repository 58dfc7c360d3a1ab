"""Asking for a fax: a new one with documents, or a resend / forward of a fax RingCentral already
has (`originalMessageId`: nothing is uploaded again). Both check everything first
(`inbox.fax.rules`), then create the send once per idempotency key (`send_create_once`), which
hands it to the send pipeline after commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.core.files.uploadedfile import UploadedFile

from accounts.models import User
from inbox.fax.rules import (
    cover_page_check,
    fax_documents_check,
    fax_recipients_check,
    resolution_check,
    send_at_check,
)
from inbox.fax.selectors import fax_cover_pages_for_user, fax_original_get_for_user
from inbox.models import Send
from inbox.sending.requests import send_create_once
from inbox.sending.rules import SendInvalid


def _earlier(user: User, idempotency_key: uuid.UUID) -> Send | None:
    """The send already made with this key: a form posted twice or an API call retried gets
    it back as it is, without its input being judged again (its scheduled time may have
    passed since)."""
    return Send.objects.filter(owner=user, idempotency_key=idempotency_key).first()


def fax_send_request(
    *,
    user: User,
    to_numbers: Sequence[str],
    documents: Sequence[UploadedFile[Any]],
    cover_index: int | None,
    cover_page_text: str,
    resolution: str,
    send_at: datetime | None,
    idempotency_key: uuid.UUID,
) -> Send:
    """A new fax of `documents` to `to_numbers`, queued (or `SendInvalid`, nothing queued).

    `send_at`: when RingCentral should send it (a time without a zone is read as UTC); None
    sends it at once. `cover_index` 0 or None: no cover page.
    """
    earlier = _earlier(user, idempotency_key)
    if earlier is not None:
        return earlier
    recipients = fax_recipients_check(to_numbers)
    checked = fax_documents_check(documents)
    offered = fax_cover_pages_for_user(user=user) if cover_index else ()
    index, text = cover_page_check(
        cover_index=cover_index, cover_page_text=cover_page_text, offered=offered
    )
    fields: dict[str, Any] = {
        "recipients": recipients,
        "cover_index": index,
        "cover_page_text": text,
        "resolution": resolution_check(resolution),
        "send_at": send_at_check(send_at),
    }
    send, _ = send_create_once(
        user=user,
        kind=Send.Kind.FAX,
        idempotency_key=idempotency_key,
        fields=fields,
        documents=checked,
    )
    return send


def fax_resend_request(
    *,
    user: User,
    original_message_id: int,
    to_numbers: Sequence[str] | None = None,
    idempotency_key: uuid.UUID,
) -> Send:
    """Send the fax `original_message_id` of `user`'s own mailbox again, without uploading it:

    * to `to_numbers` when given (forwarding any fax, received or sent);
    * else, for an outbound fax, to its recipients that failed (all of them if none failed).

    The new send records `original_message_id`, and `retry_of` when the original was a send
    of this dashboard. Http404 when the mailbox has no such message; `SendInvalid` otherwise.
    """
    earlier = _earlier(user, idempotency_key)
    if earlier is not None:
        return earlier
    original = fax_original_get_for_user(user=user, message_id=original_message_id)
    if to_numbers is not None and any(number.strip() for number in to_numbers):
        recipients = fax_recipients_check(to_numbers)
    elif original.message.direction == "Inbound":
        raise SendInvalid("Enter the number to forward this fax to.", field="to")
    else:
        recipients = original.failed_numbers or [number for number, _ in original.recipients]
        if not recipients:
            raise SendInvalid("Enter the number to send this fax to.", field="to")
    fields: dict[str, Any] = {
        "recipients": recipients,
        "original_message_id": original.message.id,
        "retry_of": Send.objects.filter(
            owner=user, kind=Send.Kind.FAX, rc_message_id=original.message.id
        ).first(),
    }
    send, _ = send_create_once(
        user=user,
        kind=Send.Kind.FAX,
        idempotency_key=idempotency_key,
        fields=fields,
    )
    return send
