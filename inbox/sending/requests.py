"""Creating sends: one row per idempotency key, its documents stored beside it, and the row
handed to the send pipeline once the transaction has committed.

The kind-specific services (`sms_send_request`, `pager_send_request`, `fax_send_request`, …)
check their input with `inbox.sending.rules` and then call `send_create_once`.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.files.base import File
from django.db import IntegrityError, transaction

from accounts.models import User
from inbox.conversations.selectors import Mailbox
from inbox.models import AuditEntry, Send, SendDocument
from inbox.optout.selectors import sms_refusal
from inbox.sending.queue import send_enqueue
from inbox.sending.rules import (
    SendInvalid,
    mms_attachments_check,
    pager_text_check,
    phone_numbers_normalize,
    sms_text_check,
)
from inbox.sending.scheduling import (
    schedule_zone,
    scheduled_audit_write,
    scheduled_for_check,
    send_scheduled_label,
)


@dataclass(frozen=True)
class Document:
    """A file to send: its bytes as a Django `File`, a safe name and its media type."""

    file: File[Any]
    name: str
    content_type: str
    size: int


def send_create_once(
    *,
    user: User,
    kind: Send.Kind,
    idempotency_key: uuid.UUID,
    fields: Mapping[str, Any],
    documents: Sequence[Document] = (),
    sender: tuple[int, int] | None = None,
) -> tuple[Send, bool]:
    """The send of `user` with `idempotency_key`, created from `fields` (Send's field names)
    and `documents` if it does not exist yet; `(send, created)`. It goes out from the mailbox
    `sender` (account id, extension id: a team mailbox the caller checked `user` works), by
    default the user's own.

    A key used before returns the earlier send unchanged, whatever the new fields say: the
    same form posted twice, or an API call retried, sends once.
    """
    if user.rc_account_id is None or user.rc_extension_id is None:
        raise SendInvalid(
            "Connect your RingCentral account before sending: sign in again.", field="__all__"
        )
    existing = Send.objects.filter(owner=user, idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            account_id, extension_id = sender or (user.rc_account_id, user.rc_extension_id)
            send = Send.objects.create(
                owner=user,
                kind=kind,
                account_id=account_id,
                extension_id=extension_id,
                idempotency_key=idempotency_key,
                **fields,
            )
            for position, document in enumerate(documents):
                stored = SendDocument(
                    send=send,
                    position=position,
                    name=document.name,
                    content_type=document.content_type,
                    size=document.size,
                )
                stored.file.save(document.name, document.file, save=False)
                stored.save()
            send_id = send.id
            if send.status != Send.Status.SCHEDULED:  # held until its time (inbox.scheduled)
                transaction.on_commit(lambda: send_enqueue(send_id=send_id))
    except IntegrityError:
        # the same key committed by a concurrent request in the meantime
        return Send.objects.get(owner=user, idempotency_key=idempotency_key), False
    return send, True


# --------------------------------------------------------------------------- SMS and pager

SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def safe_file_name(name: str) -> str:
    """A file name without folders or characters that need quoting, its extension kept."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    stem, extension = base, ""
    while "." in stem and not extension:
        # a last part that cleans to nothing (`a.b.$`) is no extension: the part before it is,
        # so that cleaning the result again changes nothing
        stem, _, extension = stem.rpartition(".")
        extension = SAFE_NAME.sub("", extension)[:10]
    # stripped again after the cut, which may end on a dot or underscore
    stem = SAFE_NAME.sub("_", stem).strip("._")[:100].rstrip("._") or "file"
    return f"{stem}.{extension}" if extension else stem


class RecipientOptedOut(SendInvalid):
    """A recipient opted out of texts from the number (`inbox.optout`): the API's
    `opted_out`."""


def sms_send_request_once(
    *,
    user: User,
    from_number: str,
    to_numbers: Sequence[str],
    text: str,
    attachments: Sequence[File[Any]] = (),
    conversation_id: int | None = None,
    idempotency_key: uuid.UUID,
    mailbox: Mailbox | None = None,
    scheduled_for: datetime | None = None,
    scheduled_zone: str = "",
    cancel_on_reply: bool = True,
    ip_address: str | None = None,
) -> tuple[Send, bool]:
    """`sms_send_request`, and whether this call created the send (False: the key was used)."""
    numbers = mailbox.sms_numbers if mailbox is not None else tuple(user.sms_numbers)
    if from_number.strip() not in numbers:
        raise SendInvalid(
            "Choose one of this mailbox's text-enabled numbers to send from.",
            field="from_number",
        )
    recipients = phone_numbers_normalize(list(to_numbers), field="to")
    sms_text_check(text, has_attachments=bool(attachments))
    types = mms_attachments_check(attachments, recipient_count=len(recipients))
    account_id = mailbox.account_id if mailbox is not None else user.rc_account_id
    if account_id is not None:
        refusal = sms_refusal(
            account_id=account_id, from_number=from_number.strip(), recipients=recipients
        )
        if refusal is not None:
            raise RecipientOptedOut(refusal, field="to")
    documents = [
        Document(
            file=file,
            name=safe_file_name(file.name or "file"),
            content_type=media_type,
            size=file.size or 0,
        )
        for file, media_type in zip(attachments, types, strict=True)
    ]
    fields: dict[str, Any] = {
        "from_number": from_number.strip(),
        "recipients": recipients,
        "text": text,
        "conversation_id": conversation_id,
    }
    if scheduled_for is not None:
        zone = schedule_zone(scheduled_zone)
        fields.update(
            status=Send.Status.SCHEDULED,
            scheduled_for=scheduled_for_check(scheduled_for, zone=zone),
            scheduled_zone=zone.key,
            cancel_on_reply=cancel_on_reply,
        )
    with transaction.atomic():
        send, created = send_create_once(
            user=user,
            kind=Send.Kind.SMS,
            idempotency_key=idempotency_key,
            fields=fields,
            documents=documents,
            sender=(mailbox.account_id, mailbox.extension_id) if mailbox is not None else None,
        )
        if created and send.status == Send.Status.SCHEDULED:
            scheduled_audit_write(
                send=send,
                action=AuditEntry.Action.SEND_SCHEDULE,
                detail=f"For {send_scheduled_label(send)} ({send.scheduled_zone})"
                + ("; cancelled if the customer replies first" if send.cancel_on_reply else ""),
                user=user,
                ip_address=ip_address,
            )
    return send, created


def sms_send_request(
    *,
    user: User,
    from_number: str,
    to_numbers: Sequence[str],
    text: str,
    attachments: Sequence[File[Any]] = (),
    conversation_id: int | None = None,
    idempotency_key: uuid.UUID,
    mailbox: Mailbox | None = None,
    scheduled_for: datetime | None = None,
    scheduled_zone: str = "",
    cancel_on_reply: bool = True,
    ip_address: str | None = None,
) -> Send:
    """Queue an SMS (an MMS with `attachments`) from `from_number`, one of the numbers of
    `mailbox` (the user's own or a team mailbox they work; by default their own), to
    `to_numbers` (normalised to E.164). `SendInvalid` says what to change; the same
    `idempotency_key` again returns the first send.

    With `scheduled_for` (a wall-clock time in `scheduled_zone`, the person's time zone, or an
    aware time) it is held until then instead (`Send.Status.SCHEDULED`, see
    `inbox.sending.scheduling`), and by default (`cancel_on_reply`) cancelled should the
    customer write before it goes: in the conversation `conversation_id`, or, for a new
    conversation, any text from a recipient to `from_number` (`inbox.scheduled`)."""
    send, _ = sms_send_request_once(
        user=user,
        mailbox=mailbox,
        from_number=from_number,
        to_numbers=to_numbers,
        text=text,
        attachments=attachments,
        conversation_id=conversation_id,
        idempotency_key=idempotency_key,
        scheduled_for=scheduled_for,
        scheduled_zone=scheduled_zone,
        cancel_on_reply=cancel_on_reply,
        ip_address=ip_address,
    )
    return send


def pager_send_request_once(
    *,
    user: User,
    to_extension_ids: Sequence[int],
    text: str,
    reply_on: int | None = None,
    conversation_id: int | None = None,
    idempotency_key: uuid.UUID,
) -> tuple[Send, bool]:
    """`pager_send_request`, and whether this call created the send."""
    from inbox.sending.directory import account_extensions_for_user

    pager_text_check(text)
    wanted = list(dict.fromkeys(to_extension_ids))
    if not wanted and reply_on is None:
        raise SendInvalid("Choose at least one person to page.", field="to")
    if wanted:
        known = {entry.extension_id for entry in account_extensions_for_user(user=user)}
        strangers = [str(extension_id) for extension_id in wanted if extension_id not in known]
        if strangers:
            raise SendInvalid(
                "Page people of your own account only: "
                f"{', '.join(strangers)} {'is' if len(strangers) == 1 else 'are'} not one.",
                field="to",
            )
    return send_create_once(
        user=user,
        kind=Send.Kind.PAGER,
        idempotency_key=idempotency_key,
        fields={
            "recipients": [str(extension_id) for extension_id in wanted],
            "text": text,
            "reply_on": reply_on,
            "conversation_id": conversation_id,
        },
    )


def pager_send_request(
    *,
    user: User,
    to_extension_ids: Sequence[int],
    text: str,
    reply_on: int | None = None,
    conversation_id: int | None = None,
    idempotency_key: uuid.UUID,
) -> Send:
    """Queue a pager message to extensions of the user's account (or, with `reply_on`, a
    reply in that message's thread). The same `idempotency_key` again returns the first send."""
    send, _ = pager_send_request_once(
        user=user,
        to_extension_ids=to_extension_ids,
        text=text,
        reply_on=reply_on,
        conversation_id=conversation_id,
        idempotency_key=idempotency_key,
    )
    return send
