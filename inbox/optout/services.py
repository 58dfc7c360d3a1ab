"""Changes of opt-outs: a customer's keyword read off a received SMS, and a member's change
by hand. Each change of state is written to the audit log of the mailbox it was seen in or
made from.

The `OptOut` row holds the current state and when it took effect (`changed_at`): the
customer's message's own `creationTime`, or the moment a member changed it. A keyword older
than the row's state changes nothing, since syncs deliver messages late and out of order: a
STOP sent after a START must win whichever arrives first.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from inbox.conversations.selectors import Mailbox
from inbox.conversations.services import audit_entry_write
from inbox.index.records import e164
from inbox.models import AuditEntry, OptOut
from inbox.optout.keywords import keyword_change, keyword_of
from inbox.optout.selectors import number_label
from rcapi import Message

log = logging.getLogger(__name__)

REASON_MAX = 255


class OptOutRefused(ValueError):
    """A change by hand that cannot be made as asked: a sentence saying why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class KeywordSeen:
    """A customer's keyword in a received SMS."""

    message_id: int
    our_number: str
    customer_number: str
    keyword: str
    opted_out: bool
    sent_at: datetime


def keyword_seen(message: Message) -> KeywordSeen | None:
    """The keyword a received SMS carries, or None: not an SMS, not received, no keyword, or
    no telling which of the account's numbers it went to."""
    if message.type != "SMS" or message.direction != "Inbound":
        return None
    change = keyword_change(message.subject)
    if change is None or message.from_ is None or message.creation_time is None:
        return None
    customer = e164(message.from_.phone_number)
    our_number = _our_number(message)
    if not customer or not our_number:
        return None
    return KeywordSeen(
        message_id=message.id,
        our_number=our_number,
        customer_number=customer,
        keyword=keyword_of(message.subject),
        opted_out=change == "out",
        sent_at=message.creation_time,
    )


def _our_number(message: Message) -> str:
    """The account's number the message was sent to: the only recipient, or in a group the
    one RingCentral marks `target` (the mailbox's own)."""
    if len(message.to) == 1:
        return e164(message.to[0].phone_number)
    raw_to = message.raw.get("to")
    for position, item in enumerate(raw_to if isinstance(raw_to, list) else []):
        if isinstance(item, dict) and item.get("target") is True and position < len(message.to):
            return e164(message.to[position].phone_number)
    return ""


def optouts_apply_keywords(
    *, account_id: int, extension_id: int, messages: Iterable[Message]
) -> int:
    """Apply the customers' keywords among `messages` (received in the mailbox
    `extension_id`), oldest first; how many opt-outs changed state."""
    seen = [found for found in map(keyword_seen, messages) if found is not None]
    changed = 0
    for found in sorted(seen, key=lambda k: (k.sent_at, k.message_id)):
        if _keyword_apply(account_id, extension_id, found):
            changed += 1
    return changed


def _keyword_apply(account_id: int, extension_id: int, found: KeywordSeen) -> bool:
    fields = {
        "opted_out": found.opted_out,
        "changed_at": found.sent_at,
        "source": OptOut.Source.KEYWORD,
        "keyword": found.keyword,
        "reason": "",
        "changed_by": None,
        "message_id": found.message_id,
    }
    with transaction.atomic():
        row = _row_locked(account_id, found.our_number, found.customer_number)
        if row is None:
            if not found.opted_out:
                return False  # START from someone never opted out: nothing to lift
            try:
                with transaction.atomic():
                    OptOut.objects.create(
                        account_id=account_id,
                        our_number=found.our_number,
                        customer_number=found.customer_number,
                        **fields,
                    )
            except IntegrityError:
                # another sync of the same message (a second mailbox of the number) came first
                return _keyword_apply(account_id, extension_id, found)
        else:
            if not _newer(found, row):
                return False  # seen already, or older than the state the row holds
            state_changes = row.opted_out != found.opted_out
            for name, value in fields.items():
                setattr(row, name, value)
            row.save()
            if not state_changes:
                return False  # a second STOP: newer, so a late START older than it loses
        _audit(
            account_id=account_id,
            extension_id=extension_id,
            opted_out=found.opted_out,
            actor=None,
            actor_label=f"The customer at {number_label(found.customer_number)}"[:255],
            detail=(
                f"{number_label(found.customer_number)} texted {found.keyword} to "
                f"{number_label(found.our_number)}."
            ),
            message_ids=[found.message_id],
        )
    log.info(
        "%s %s texts from %s (message %s)",
        found.customer_number,
        "opted out of" if found.opted_out else "opted back in to",
        found.our_number,
        found.message_id,
    )
    return True


def _newer(found: KeywordSeen, row: OptOut) -> bool:
    """Whether the keyword was sent after the row's state took effect. RingCentral's times
    may be whole seconds: of two messages of one second, the later id is the later message
    (ids grow); a change by hand in that second stays."""
    if found.sent_at != row.changed_at:
        return found.sent_at > row.changed_at
    return row.message_id is not None and found.message_id > row.message_id


def _row_locked(account_id: int, our_number: str, customer_number: str) -> OptOut | None:
    row: OptOut | None = (
        OptOut.objects.select_for_update()
        .filter(account_id=account_id, our_number=our_number, customer_number=customer_number)
        .first()
    )
    return row


def _audit(
    *,
    account_id: int,
    extension_id: int,
    opted_out: bool,
    actor: User | None,
    actor_label: str,
    detail: str,
    message_ids: Iterable[int] = (),
    ip_address: str | None = None,
) -> None:
    AuditEntry.objects.create(
        actor=actor,
        actor_label=actor_label,
        ip_address=ip_address,
        action=AuditEntry.Action.OPT_OUT if opted_out else AuditEntry.Action.OPT_IN,
        outcome=AuditEntry.Outcome.DONE,
        account_id=account_id,
        extension_id=extension_id,
        message_ids=[str(i) for i in message_ids],
        detail=detail,
    )


@transaction.atomic
def optout_change(
    *,
    user: User,
    mailbox: Mailbox,
    our_number: str,
    customer_number: str,
    opted_out: bool,
    reason: str,
    conversation_id: int | None = None,
    ip_address: str | None = None,
) -> OptOut:
    """Record (`opted_out`) or lift an opt-out of `customer_number` from `our_number`, one of
    the numbers `mailbox` sends from, by hand, for `reason`. `OptOutRefused` says why not:
    no reason, or the state is already so."""
    reason = " ".join(reason.split())
    if not reason:
        raise OptOutRefused("Say why, so that your team knows later.")
    if len(reason) > REASON_MAX:
        raise OptOutRefused(f"Keep the reason to {REASON_MAX} characters.")
    customer = number_label(customer_number)
    ours = number_label(our_number)
    row = _row_locked(mailbox.account_id, our_number, customer_number)
    current = row is not None and row.opted_out
    if current == opted_out:
        raise OptOutRefused(
            f"{customer} has already opted out of texts from {ours}."
            if opted_out
            else f"{customer} has not opted out of texts from {ours}: there is nothing to lift."
        )
    now = timezone.now()
    fields = {
        "opted_out": opted_out,
        "changed_at": now,
        "source": OptOut.Source.MANUAL,
        "keyword": "",
        "reason": reason,
        "changed_by": user,
        "message_id": None,
    }
    if row is None:
        try:
            with transaction.atomic():
                row = OptOut.objects.create(
                    account_id=mailbox.account_id,
                    our_number=our_number,
                    customer_number=customer_number,
                    **fields,
                )
        except IntegrityError:
            raise OptOutRefused(
                f"The opt-out of {customer} from {ours} changed just now: look again, then "
                "try again if it is still needed."
            ) from None
    else:
        for name, value in fields.items():
            setattr(row, name, value)
        row.save()
    verb = "Recorded that" if opted_out else "Lifted the opt-out:"
    what = (
        f"{customer} opted out of texts from {ours}"
        if opted_out
        else f"{customer} may be texted from {ours} again"
    )
    audit_entry_write(
        user=user,
        mailbox=mailbox,
        action=AuditEntry.Action.OPT_OUT if opted_out else AuditEntry.Action.OPT_IN,
        outcome=AuditEntry.Outcome.DONE,
        conversation_id=conversation_id,
        detail=f"{verb} {what}. Reason: {reason}",
        ip_address=ip_address,
    )
    return row
