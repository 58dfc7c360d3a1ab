"""Changing scheduled SMS: a person edits or cancels one, a customer's reply cancels one, and
its time releases it into the send pipeline.

A reply is a customer's message in the send's conversation; a send that starts a new
conversation has none yet, so for it a reply is any text from one of its recipients to its
sending number.

Every change is a conditional UPDATE on `status = SCHEDULED`: whichever comes first (an
edit, a cancel, the customer's reply, the release) wins, and the others see that the message
is no longer scheduled. Released, a send is QUEUED and enqueued like any other; the pipeline's
claim sends it once however often it is enqueued, and its recovery enqueues it again should
the task be lost.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from functools import partial

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from inbox.cache import mailbox_cache_drop
from inbox.conversations.presenters import format_number
from inbox.index.records import e164
from inbox.models import AuditEntry, ContactNumber, IndexedConversation, IndexedMessage, Send
from inbox.sending.queue import send_enqueue
from inbox.sending.rules import SendInvalid, sms_text_check
from inbox.sending.scheduling import (
    schedule_zone,
    scheduled_audit_write,
    scheduled_for_check,
    send_scheduled_label,
)
from rcapi import Message

log = logging.getLogger(__name__)

NOT_SCHEDULED = {
    Send.Status.CANCELLED: "This message was cancelled; it is no longer scheduled.",
}
GONE = "This message is no longer scheduled: it is on its way or has gone out."
RELEASE_BATCH = 500


def _not_scheduled(send: Send) -> SendInvalid:
    send.refresh_from_db(fields=["status", "last_error"])
    sentence = NOT_SCHEDULED.get(Send.Status(send.status), GONE)
    if send.status == Send.Status.CANCELLED and send.last_error:
        sentence = f"{send.last_error.rstrip('.')}; it is no longer scheduled."
    return SendInvalid(sentence, field="__all__")


def _person(user: User) -> str:
    return user.get_full_name() or user.get_username()


def scheduled_send_change(
    *,
    user: User,
    send: Send,
    text: str,
    send_at: datetime | None,
    zone_name: str,
    cancel_on_reply: bool,
    ip_address: str | None = None,
) -> Send:
    """Change the text and time of scheduled send `send` (the caller checked that `user` may
    open its mailbox). `send_at` is a wall-clock time in `zone_name` (the person's zone)."""
    if send.status != Send.Status.SCHEDULED:
        raise _not_scheduled(send)
    sms_text_check(text, has_attachments=send.documents.exists())
    zone = schedule_zone(zone_name)
    when = scheduled_for_check(send_at, zone=zone)
    with transaction.atomic():
        changed = Send.objects.filter(pk=send.pk, status=Send.Status.SCHEDULED).update(
            text=text,
            scheduled_for=when,
            scheduled_zone=zone.key,
            cancel_on_reply=cancel_on_reply,
            updated_at=timezone.now(),
        )
        if not changed:
            raise _not_scheduled(send)
        send.refresh_from_db()
        scheduled_audit_write(
            send=send,
            action=AuditEntry.Action.SCHEDULED_CHANGE,
            detail=f"Send {send.pk}: for {send_scheduled_label(send)} ({zone.key})",
            user=user,
            ip_address=ip_address,
        )
    mailbox_cache_drop(account_id=send.account_id, extension_id=send.extension_id)
    return send


def scheduled_send_cancel(*, user: User, send: Send, ip_address: str | None = None) -> Send:
    """Cancel scheduled send `send` (the caller checked that `user` may open its mailbox)."""
    reason = f"Cancelled by {_person(user)}."
    with transaction.atomic():
        cancelled = Send.objects.filter(pk=send.pk, status=Send.Status.SCHEDULED).update(
            status=Send.Status.CANCELLED, finished_at=timezone.now(), last_error=reason
        )
        if not cancelled:
            raise _not_scheduled(send)
        send.refresh_from_db()
        scheduled_audit_write(
            send=send,
            action=AuditEntry.Action.SCHEDULED_CANCEL,
            detail=f"Send {send.pk}: {reason}",
            user=user,
            ip_address=ip_address,
        )
    mailbox_cache_drop(account_id=send.account_id, extension_id=send.extension_id)
    return send


# --------------------------------------------------------------------------- the customer's reply


def customer_name(*, account_id: int, extension_id: int, conversation_id: int | None,
                  number: str) -> str:  # fmt: skip
    """How the person knows the customer at `number`: the account's contact, else the name
    RingCentral gives in the conversation, else the number."""
    contact = (
        ContactNumber.objects.filter(account_id=account_id, number=number)
        .select_related("contact")
        .first()
    )
    if contact is not None and contact.contact.name:
        return contact.contact.name
    if conversation_id is not None:
        row = IndexedConversation.objects.filter(
            account_id=account_id,
            extension_id=extension_id,
            thread_kind="conversation",
            thread_id=conversation_id,
        ).first()
        for party in row.parties if row is not None else []:
            if party.get("number") == number and party.get("name"):
                return str(party["name"])
    return format_number(number) or "The customer"


def _wrote_first(send: Send, last_inbound_at: datetime | None, now: datetime) -> bool:
    """Whether the customer wrote after the person last set `send` and before its time. A
    message whose time the index does not know counts when it is not yet time."""
    assert send.scheduled_for is not None
    if last_inbound_at is None:
        return now < send.scheduled_for
    # message times may be whole seconds: one in the second the person set it counts
    return send.updated_at.replace(microsecond=0) <= last_inbound_at < send.scheduled_for


def _cancel_for_reply(send: Send, number: str | None = None) -> bool:
    """Cancel `send` for the reply of the customer at `number` (by default its recipient)."""
    number = number or (str(send.recipients[0]) if send.recipients else "")
    name = customer_name(
        account_id=send.account_id,
        extension_id=send.extension_id,
        conversation_id=send.conversation_id,
        number=number,
    )
    reason = f"Cancelled: {name} replied first"
    with transaction.atomic():
        cancelled = Send.objects.filter(
            pk=send.pk, status=Send.Status.SCHEDULED, cancel_on_reply=True
        ).update(status=Send.Status.CANCELLED, finished_at=timezone.now(), last_error=reason)
        if cancelled:
            scheduled_audit_write(
                send=send, action=AuditEntry.Action.SCHEDULED_CANCEL,
                detail=f"Send {send.pk}: {reason}",
            )  # fmt: skip
    return bool(cancelled)


def scheduled_sends_cancel_on_reply(
    *, account_id: int, extension_id: int, threads: Iterable[tuple[str, int]]
) -> int:
    """Cancel the scheduled sends (with `cancel_on_reply`) of the conversations of `threads`
    that just received a customer's message, when it came before their time; how many."""
    conversation_ids = [thread_id for kind, thread_id in threads if kind == "conversation"]
    if not conversation_ids:
        return 0
    waiting = list(
        Send.objects.filter(
            account_id=account_id,
            extension_id=extension_id,
            conversation_id__in=conversation_ids,
            status=Send.Status.SCHEDULED,
            cancel_on_reply=True,
        )
    )
    if not waiting:
        return 0
    inbound = dict(
        IndexedConversation.objects.filter(
            account_id=account_id,
            extension_id=extension_id,
            thread_kind="conversation",
            thread_id__in=conversation_ids,
        ).values_list("thread_id", "last_inbound_at")
    )
    now = timezone.now()
    cancelled = sum(
        _cancel_for_reply(send)
        for send in waiting
        if _wrote_first(send, inbound.get(send.conversation_id or 0), now)
    )
    if cancelled:
        mailbox_cache_drop(account_id=account_id, extension_id=extension_id)
    return cancelled


def _reply_of(message: Message) -> tuple[str, frozenset[str], datetime] | None:
    """A received SMS as (the customer's number, the numbers it went to, when it was sent),
    or None for anything else."""
    if message.type != "SMS" or message.direction != "Inbound" or message.from_ is None:
        return None
    sender = e164(message.from_.phone_number)
    if not sender or message.creation_time is None:
        return None
    to_numbers = frozenset(e164(party.phone_number) for party in message.to)
    return sender, to_numbers, message.creation_time


def scheduled_sends_cancel_on_number_reply(
    *, account_id: int, extension_id: int, messages: Iterable[Message]
) -> int:
    """Cancel the scheduled sends (with `cancel_on_reply`) of new conversations — sends that
    have no conversation yet — when one of `messages` (received in the mailbox) is a text
    from one of their recipients to their sending number, sent after the person set them and
    before their time; how many."""
    replies = [found for found in map(_reply_of, messages) if found is not None]
    if not replies:
        return 0
    waiting = list(
        Send.objects.filter(
            account_id=account_id,
            extension_id=extension_id,
            kind=Send.Kind.SMS,
            conversation_id__isnull=True,
            status=Send.Status.SCHEDULED,
            cancel_on_reply=True,
        )
    )
    now = timezone.now()
    cancelled = 0
    for send in waiting:
        recipients = {str(number) for number in send.recipients}
        for sender, to_numbers, sent_at in sorted(replies, key=lambda reply: reply[2]):
            if (
                sender in recipients
                and send.from_number in to_numbers
                and _wrote_first(send, sent_at, now)
            ):
                cancelled += _cancel_for_reply(send, sender)
                break
    if cancelled:
        mailbox_cache_drop(account_id=account_id, extension_id=extension_id)
    return cancelled


# --------------------------------------------------------------------------- release


def _number_replied_meanwhile(send: Send) -> str | None:
    """The number of a recipient of new-conversation send `send` whose text to its sending
    number the index holds, sent after the person set it and before its time; else None."""
    since = send.updated_at.replace(microsecond=0)
    for recipient in {str(number) for number in send.recipients}:
        candidates = IndexedMessage.objects.filter(
            account_id=send.account_id,
            extension_id=send.extension_id,
            type="SMS",
            direction="Inbound",
            availability="Alive",
            created_at__gte=since,
            created_at__lt=send.scheduled_for,
            numbers__contains=f" {recipient} ",
        ).filter(numbers__contains=f" {send.from_number} ")
        for record in candidates.values_list("record", flat=True):
            sender = record.get("from") if isinstance(record, dict) else None
            if isinstance(sender, dict) and e164(sender.get("phoneNumber")) == recipient:
                return recipient
    return None


def _replied_meanwhile(send: Send) -> str | None:
    """The number of a customer whose message the index holds that should have cancelled
    `send` (its signal came while this process was not listening, e.g. the index was
    rebuilt); None when there is none."""
    if not send.cancel_on_reply:
        return None
    if send.conversation_id is None:
        return _number_replied_meanwhile(send)
    last_inbound_at = (
        IndexedConversation.objects.filter(
            account_id=send.account_id,
            extension_id=send.extension_id,
            thread_kind="conversation",
            thread_id=send.conversation_id,
        )
        .values_list("last_inbound_at", flat=True)
        .first()
    )
    if last_inbound_at is None or not _wrote_first(send, last_inbound_at, timezone.now()):
        return None
    return str(send.recipients[0]) if send.recipients else ""


def scheduled_sends_release(*, now: datetime | None = None) -> list[int]:
    """Queue the scheduled sends whose time has come (or came while no worker or beat ran),
    oldest first; the ids this call released. Two calls at once release each send once: the
    UPDATE is conditional on its status."""
    now = now or timezone.now()
    due = Send.objects.filter(status=Send.Status.SCHEDULED, scheduled_for__lte=now).order_by(
        "scheduled_for", "id"
    )[:RELEASE_BATCH]
    released: list[int] = []
    for send in due:
        replier = _replied_meanwhile(send)
        if replier is not None and _cancel_for_reply(send, replier):
            continue
        with transaction.atomic():
            moved = Send.objects.filter(
                pk=send.pk, status=Send.Status.SCHEDULED, scheduled_for__lte=now
            ).update(status=Send.Status.QUEUED, next_attempt_at=now, updated_at=now)
            if moved:
                # the recovery of stuck sends enqueues it again should this be lost
                transaction.on_commit(partial(send_enqueue, send_id=send.pk))
                released.append(send.pk)
    if released:
        log.info("Released %d scheduled sends: %s", len(released), released)
    return released
