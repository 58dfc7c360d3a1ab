"""What a person does about a send: retry one that failed, cancel one that has not gone
out, or decide about one that may have gone out (NEEDS_REVIEW). Only the sender may; anyone
else who can see the send is told so in a sentence, and a stranger gets a 404.
"""

from __future__ import annotations

import contextlib
import uuid
from typing import Any, Literal

from django.core.files import File
from django.db import transaction
from django.utils import timezone

from accounts.errors import ReconnectRequired
from accounts.models import RingCentralCredential, User
from accounts.services import ringcentral_call
from inbox.cache import mailbox_cache_drop
from inbox.models import AuditEntry, Send
from inbox.ringcentral import session_holder
from inbox.sending.errors import DOCUMENT_MISSING, RECONNECT, send_error_sentence
from inbox.sending.queue import send_enqueue
from inbox.sending.requests import Document, send_create_once
from inbox.sending.rules import SendInvalid
from inbox.sending.scheduling import scheduled_audit_write
from inbox.sending.selectors import send_get_for_user
from inbox.sending.status import FAILED_RC_STATUSES
from rcapi import RingCentralError

Decision = Literal["resend", "mark_sent", "drop"]


def send_retry(*, user: User, send_id: int, idempotency_key: uuid.UUID) -> Send:
    """A new send with the content of failed send `send_id`, linked to it by `retry_of`.

    SMS and pager: the same sender, recipients, text and files (copied). A fax RingCentral
    already holds is resent from there (`originalMessageId`, nothing uploaded again); one it
    never got is sent again with its documents."""
    send = send_get_for_user(user=user, send_id=send_id)
    if send.owner_id != user.pk:
        raise SendInvalid("Only the person who sent this message can retry it.", field="__all__")
    failed_at_ringcentral = (
        send.status == Send.Status.SUBMITTED and send.rc_status in FAILED_RC_STATUSES
    )
    if send.status not in (Send.Status.FAILED, Send.Status.NEEDS_REVIEW) and not (
        failed_at_ringcentral
    ):
        raise SendInvalid(
            "Only a message that failed can be retried; this one has not failed.",
            field="__all__",
        )
    fields: dict[str, Any] = {
        "from_number": send.from_number,
        "recipients": list(send.recipients),
        "text": send.text,
        "conversation_id": send.conversation_id,
        "reply_on": send.reply_on,
        "retry_of": send,
    }
    copy_documents = True
    if send.kind == Send.Kind.FAX:
        fields.update(
            cover_index=send.cover_index,
            cover_page_text=send.cover_page_text,
            resolution=send.resolution,
            original_message_id=send.original_message_id,
        )
        if send.rc_message_id is not None:
            fields["original_message_id"] = send.rc_message_id
            copy_documents = False
    with contextlib.ExitStack() as stack:
        documents = []
        if copy_documents:
            for document in send.documents.order_by("position"):
                try:
                    handle = stack.enter_context(
                        document.file.storage.open(document.file.name or "", "rb")
                    )
                except FileNotFoundError:
                    raise SendInvalid(DOCUMENT_MISSING, field="__all__") from None
                documents.append(
                    Document(
                        file=File(handle, name=document.name),
                        name=document.name,
                        content_type=document.content_type,
                        size=document.size,
                    )
                )
        retry, _ = send_create_once(
            user=user,
            kind=Send.Kind(send.kind),
            idempotency_key=idempotency_key,
            fields=fields,
            documents=documents,
            sender=(send.account_id, send.extension_id),
        )
    return retry


def send_cancel(*, user: User, send_id: int) -> Send:
    """Stop a send that has not gone out: a scheduled or queued one here, or a fax RingCentral
    holds for its scheduled time (deleted there first)."""
    send = send_get_for_user(user=user, send_id=send_id)
    if send.owner_id != user.pk:
        raise SendInvalid("Only the person who sent this message can cancel it.", field="__all__")
    now = timezone.now()
    if send.status == Send.Status.SCHEDULED:
        reason = f"Cancelled by {user.get_full_name() or user.username}."
        with transaction.atomic():
            if not Send.objects.filter(pk=send.pk, status=Send.Status.SCHEDULED).update(
                status=Send.Status.CANCELLED, finished_at=now, last_error=reason
            ):
                raise SendInvalid(
                    "This message is no longer scheduled: it has gone to the queue.",
                    field="__all__",
                )
            scheduled_audit_write(
                send=send,
                action=AuditEntry.Action.SCHEDULED_CANCEL,
                detail=f"Send {send.pk}: {reason}",
                user=user,
            )
    elif send.status in (Send.Status.QUEUED, Send.Status.RETRYING):
        cancelled = Send.objects.filter(
            pk=send.pk, status__in=[Send.Status.QUEUED, Send.Status.RETRYING]
        ).update(status=Send.Status.CANCELLED, finished_at=now, next_attempt_at=None)
        if not cancelled:
            raise SendInvalid(
                "This message is being sent right now and can no longer be cancelled.",
                field="__all__",
            )
    elif (
        send.kind == Send.Kind.FAX
        and send.status == Send.Status.SUBMITTED
        and send.rc_status == "Queued"
        and send.rc_message_id is not None
        and send.send_at is not None
        and send.send_at > now
    ):
        message_id = send.rc_message_id
        try:
            ringcentral_call(
                _holder(send), lambda client: client.delete_messages(message_ids=message_id)
            )
        except ReconnectRequired:
            raise SendInvalid(RECONNECT, field="__all__") from None
        except RingCentralError as exc:
            raise SendInvalid(
                "RingCentral did not cancel the scheduled fax: "
                + send_error_sentence(exc)[0].lower()
                + send_error_sentence(exc)[1:],
                field="__all__",
            ) from None
        Send.objects.filter(pk=send.pk, status=Send.Status.SUBMITTED).update(
            status=Send.Status.CANCELLED, finished_at=now
        )
    elif send.status == Send.Status.SENDING:
        raise SendInvalid(
            "This message is being sent right now and can no longer be cancelled.",
            field="__all__",
        )
    else:
        raise SendInvalid("This message has already gone out; it cannot be cancelled.",
                          field="__all__")  # fmt: skip
    mailbox_cache_drop(account_id=send.account_id, extension_id=send.extension_id)
    send.refresh_from_db()
    return send


def send_decide(*, user: User, send_id: int, action: Decision) -> Send:
    """A person's decision about a send that may have gone out (NEEDS_REVIEW): send it again,
    count it as sent, or drop it."""
    send = send_get_for_user(user=user, send_id=send_id)
    if send.owner_id != user.pk:
        raise SendInvalid("Only the person who sent this message can decide.", field="__all__")
    now = timezone.now()
    pending = Send.objects.filter(pk=send.pk, status=Send.Status.NEEDS_REVIEW)
    if action == "resend":
        with transaction.atomic():
            decided = pending.update(
                status=Send.Status.QUEUED,
                attempts=0,
                next_attempt_at=None,
                claimed_at=None,
                call_started_at=None,
                last_error="",
            )
            if decided:
                transaction.on_commit(lambda: send_enqueue(send_id=send.pk))
    elif action == "mark_sent":
        decided = pending.update(
            status=Send.Status.SUBMITTED,
            rc_status="Sent",
            submitted_at=now,
            finished_at=now,
            last_error=f"Marked as sent by {user.get_full_name() or user.get_username()}.",
        )
    elif action == "drop":
        decided = pending.update(
            status=Send.Status.CANCELLED,
            finished_at=now,
            last_error=f"Not sent: dropped by {user.get_full_name() or user.get_username()}.",
        )
    else:
        raise SendInvalid(f"Unknown decision “{action}”.", field="action")
    if not decided:
        raise SendInvalid("This message no longer waits for a decision.", field="__all__")
    mailbox_cache_drop(account_id=send.account_id, extension_id=send.extension_id)
    send.refresh_from_db()
    return send


def _holder(send: Send) -> User | RingCentralCredential:
    return session_holder(send.owner, account_id=send.account_id, extension_id=send.extension_id)
