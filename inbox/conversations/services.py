"""Changes: the inbox's writes to RingCentral (read status, deletion),
each recorded in the audit log and dropping the mailbox's cached answers."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from django.core.cache import cache
from django.db import transaction
from django.http import Http404
from kombu.exceptions import OperationalError

from accounts.models import User
from accounts.services import ringcentral_call
from inbox.cache import CACHE_ERRORS, PREFIX, mailbox_cache_drop
from inbox.conversations.selectors import Mailbox, Thread, ThreadKey, mailbox_get_for_user
from inbox.index.services import index_local_change
from inbox.models import AuditEntry
from inbox.queueing import task_enqueue
from inbox.ringcentral import HISTORY_START, Caller, InboxError, ringcentral_do
from inbox.signals import mailbox_changed
from rcapi import Rejected, RingCentralClient
from rcapi.bulk import BULK_LIMIT

log = logging.getLogger(__name__)

READ_ON_OPEN_TASK = "inbox.conversations.tasks.rc_messages_read_on_open"

T = TypeVar("T")


# --------------------------------------------------------------------------- mailbox writes


@dataclass(frozen=True)
class WriteResult:
    """How a change went: the audit entry it left, and a sentence for the person."""

    entry: AuditEntry
    message: str

    @property
    def ok(self) -> bool:
        return self.entry.outcome == AuditEntry.Outcome.DONE


def audit_entry_write(
    *,
    user: User,
    mailbox: Mailbox,
    action: AuditEntry.Action,
    outcome: AuditEntry.Outcome,
    message_ids: Sequence[int] = (),
    conversation_id: int | None = None,
    conversation_ids: Sequence[str] = (),
    message_count: int | None = None,
    detail: str = "",
    ip_address: str | None = None,
) -> AuditEntry:
    """One append-only audit entry of a change to a mailbox, by a person."""
    label = AuditEntry.label_of(user)
    return AuditEntry.objects.create(
        actor=user,
        actor_label=label,
        ip_address=ip_address,
        action=action,
        outcome=outcome,
        account_id=mailbox.account_id,
        extension_id=mailbox.extension_id,
        conversation_id=conversation_id,
        conversation_ids=list(conversation_ids),  # int64 ids: kept exact as strings
        message_ids=[str(i) for i in message_ids],
        message_count=message_count,
        detail=detail,
    )


def _written(user: User, mailbox: Mailbox, failure: Exception | None, **audit: Any) -> None:
    """Audit a write that RingCentral refused or could not take, then raise its error."""
    mailbox_cache_drop(account_id=mailbox.account_id, extension_id=mailbox.extension_id)
    if failure is not None:
        detail = failure.message if isinstance(failure, InboxError) else "Not found."
        audit_entry_write(
            user=user, mailbox=mailbox, outcome=AuditEntry.Outcome.FAILED, detail=detail, **audit
        )
        raise failure


def _indexed(mailbox: Mailbox, message_ids: Sequence[int], **change: str) -> None:
    """The change, in the conversation index too (see `index_local_change`)."""
    index_local_change(
        account_id=mailbox.account_id,
        extension_id=mailbox.extension_id,
        message_ids=message_ids,
        **change,
    )


def _attempt(
    caller: Caller, operation: Callable[[RingCentralClient], T]
) -> tuple[T | None, Exception | None]:
    try:
        return ringcentral_do(caller, operation), None
    except (InboxError, Http404) as exc:
        return None, exc


def message_read_status_set(
    *, user: User, mailbox: Mailbox, message_id: int, read: bool
) -> WriteResult:
    """Mark one message of `mailbox` read or unread."""
    status: Literal["Read", "Unread"] = "Read" if read else "Unread"
    action = AuditEntry.Action.MESSAGE_READ if read else AuditEntry.Action.MESSAGE_UNREAD
    _, failure = _attempt(
        mailbox.caller(user),
        lambda client: client.update_read_status(
            extension_id=mailbox.extension_id, message_ids=message_id, read_status=status
        ),
    )
    audit: dict[str, Any] = {"action": action, "message_ids": [message_id]}
    _written(user, mailbox, failure, **audit)
    _indexed(mailbox, [message_id], read_status=status)
    entry = audit_entry_write(user=user, mailbox=mailbox, outcome=AuditEntry.Outcome.DONE, **audit)
    return WriteResult(entry, f"Marked the message {status.lower()}.")


def _conversation_message_ids(
    client: RingCentralClient, mailbox: Mailbox, conversation_id: int
) -> list[tuple[int, str, str]]:
    """(id, read status, direction) of every message of the conversation, newest first."""
    found: list[tuple[int, str, str]] = []
    page = 1
    while True:
        answer = client.list_messages(
            extension_id=mailbox.extension_id,
            conversation_id=conversation_id,
            date_from=HISTORY_START,
            page=page,
            per_page=1000,
        )
        found += [(m.id, m.read_status or "", m.direction or "") for m in answer.records]
        if not answer.has_next:
            return found
        page += 1


def conversation_read_status_set(
    *, user: User, mailbox: Mailbox, conversation_id: int, read: bool
) -> WriteResult:
    """Mark a whole conversation read (every unread received message, with RingCentral's bulk
    update, 50 ids a request) or unread (its newest received message). Sent messages are left
    alone: RingCentral stores them `Unread`, and the inbox never counts them."""
    status: Literal["Read", "Unread"] = "Read" if read else "Unread"
    action = AuditEntry.Action.CONVERSATION_READ if read else AuditEntry.Action.CONVERSATION_UNREAD

    def operation(client: RingCentralClient) -> tuple[list[int], list[int], bool]:
        messages = _conversation_message_ids(client, mailbox, conversation_id)
        if not messages:
            raise Rejected("no such conversation", status=404, error_code="CMN-102")
        received = [(id_, state) for id_, state, direction in messages if direction == "Inbound"]
        if read:
            wanted = [id_ for id_, state in received if state == "Unread"]
        else:
            wanted = [received[0][0]] if received and received[0][1] != "Unread" else []
        changed: list[int] = []
        for start in range(0, len(wanted), BULK_LIMIT):
            chunk = wanted[start : start + BULK_LIMIT]
            results = client.update_read_status(
                extension_id=mailbox.extension_id, message_ids=chunk, read_status=status
            )
            changed += [result.resource_id for result in results if result.ok]
        return wanted, changed, bool(received)

    outcome, failure = _attempt(mailbox.caller(user), operation)
    audit: dict[str, Any] = {"action": action, "conversation_id": conversation_id}
    _written(user, mailbox, failure, **audit)
    assert outcome is not None
    wanted, changed, any_received = outcome
    _indexed(mailbox, changed, read_status=status)
    if len(changed) < len(wanted):
        entry = audit_entry_write(
            user=user,
            mailbox=mailbox,
            outcome=AuditEntry.Outcome.PARTLY,
            message_ids=changed,
            detail=f"{len(wanted) - len(changed)} of {len(wanted)} messages were not changed.",
            **audit,
        )
        return WriteResult(
            entry,
            f"Marked {len(changed)} of {len(wanted)} messages {status.lower()}; "
            "RingCentral refused the others. Try again.",
        )
    entry = audit_entry_write(
        user=user, mailbox=mailbox, outcome=AuditEntry.Outcome.DONE, message_ids=changed, **audit
    )
    if not any_received:
        return WriteResult(
            entry, "Nothing was marked: only sent messages are in this conversation."
        )
    return WriteResult(entry, f"Marked the conversation {status.lower()}.")


# --------------------------------------------------------------------------- opening reads

# a thread opened again before the worker has read it (its cached answer still shows it
# unread) asks for nothing more within this many seconds
READ_PENDING_SECONDS = 30


def _read_pending_key(mailbox: Mailbox, thread_key: ThreadKey) -> str:
    kind, id_ = thread_key
    return f"{PREFIX}:reading:{mailbox.account_id}:{mailbox.extension_id}:{kind}:{id_}"


def thread_read_on_open(*, user: User, thread: Thread) -> bool:
    """`user` opened `thread`: have a worker mark its unread received messages read at
    RingCentral once the current transaction commits (the page does not wait on it). True
    when a task was enqueued; False when nothing is unread or a task for it is pending."""
    message_ids = list(thread.unread_ids)
    if not message_ids:
        return False
    mailbox = thread.mailbox
    try:
        if not cache.add(_read_pending_key(mailbox, thread.key), 1, READ_PENDING_SECONDS):
            return False
    except CACHE_ERRORS as exc:
        log.warning("Inbox cache failed, reading without coalescing: %s", exc)
    args = [user.pk, mailbox.extension_id, list(thread.key), message_ids]

    def enqueue() -> None:
        try:
            task_enqueue(READ_ON_OPEN_TASK, args=args)
        except OperationalError as exc:  # the broker is down: the next open asks again
            log.warning("Could not enqueue marking a thread read: %s", exc)

    transaction.on_commit(enqueue)
    return True


def messages_read_on_open(
    *, user_id: int, extension_id: int, thread_key: Sequence[Any], message_ids: Sequence[int]
) -> int:
    """The worker's half of `thread_read_on_open`: mark the messages read, as the person who
    opened them, with one bulk update per 50 ids (all under the rate budget). Not audited:
    opening a conversation is reading it, not a change someone asked for. How many messages
    RingCentral marked; RingCentral's failures are raised (`RateLimited` is worth a retry).

    Whoever has lost access to the mailbox since gets nothing done."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return 0
    try:
        mailbox = mailbox_get_for_user(user=user, extension_id=extension_id)
    except Http404:
        return 0
    ids = [int(id_) for id_ in message_ids]

    def operation(client: RingCentralClient) -> int:
        changed = 0
        for start in range(0, len(ids), BULK_LIMIT):
            results = client.update_read_status(
                extension_id=mailbox.extension_id,
                message_ids=ids[start : start + BULK_LIMIT],
                read_status="Read",
            )
            changed += sum(1 for result in results if result.ok)
        return changed

    try:
        changed = ringcentral_call(mailbox.caller(user).holder, operation)
    finally:
        try:
            cache.delete(_read_pending_key(mailbox, (str(thread_key[0]), int(thread_key[1]))))
        except CACHE_ERRORS as exc:
            log.warning("Inbox cache failed: %s", exc)
    if changed:
        _indexed(mailbox, ids, read_status="Read")
        mailbox_cache_drop(account_id=mailbox.account_id, extension_id=mailbox.extension_id)
        # other open pages of the mailbox (the list in another tab) follow the new count
        mailbox_changed.send(
            sender=Mailbox, account_id=mailbox.account_id, extension_id=mailbox.extension_id
        )
    return changed


# --------------------------------------------------------------------------- deleting


def _check_purge(user: User, purge: bool) -> None:
    if purge and user.role != User.Role.ADMIN:
        raise InboxError(
            "Only admins may purge messages. Delete them instead; they can be restored.",
            status=403,
            code="purge_not_allowed",
        )


def message_delete(
    *, user: User, mailbox: Mailbox, message_id: int, purge: bool, ip_address: str | None = None
) -> WriteResult:
    """Delete one message (soft: RingCentral keeps it restorable) or, admins only, purge it."""
    _check_purge(user, purge)
    action = AuditEntry.Action.MESSAGE_PURGE if purge else AuditEntry.Action.MESSAGE_DELETE
    _, failure = _attempt(
        mailbox.caller(user),
        lambda client: client.delete_messages(
            extension_id=mailbox.extension_id, message_ids=message_id, purge=purge
        ),
    )
    audit: dict[str, Any] = {
        "action": action,
        "message_ids": [message_id],
        "ip_address": ip_address,
    }
    _written(user, mailbox, failure, **audit)
    _indexed(mailbox, [message_id], availability="Purged" if purge else "Deleted")
    entry = audit_entry_write(user=user, mailbox=mailbox, outcome=AuditEntry.Outcome.DONE, **audit)
    return WriteResult(entry, "Purged the message." if purge else "Deleted the message.")


def conversation_delete(
    *,
    user: User,
    mailbox: Mailbox,
    conversation_id: int,
    purge: bool,
    ip_address: str | None = None,
) -> WriteResult:
    """Delete every message of a conversation (soft) or, admins only, purge them."""
    _check_purge(user, purge)
    action = (
        AuditEntry.Action.CONVERSATION_PURGE if purge else AuditEntry.Action.CONVERSATION_DELETE
    )

    def operation(client: RingCentralClient) -> list[int]:
        messages = _conversation_message_ids(client, mailbox, conversation_id)
        if not messages:
            raise Rejected("no such conversation", status=404, error_code="CMN-102")
        client.delete_conversations(
            extension_id=mailbox.extension_id, conversation_ids=[conversation_id], purge=purge
        )
        return [id_ for id_, _, _ in messages]

    deleted, failure = _attempt(mailbox.caller(user), operation)
    audit: dict[str, Any] = {
        "action": action,
        "conversation_id": conversation_id,
        "ip_address": ip_address,
    }
    _written(user, mailbox, failure, **audit)
    _indexed(mailbox, deleted or [], availability="Purged" if purge else "Deleted")
    entry = audit_entry_write(
        user=user,
        mailbox=mailbox,
        outcome=AuditEntry.Outcome.DONE,
        message_ids=deleted or [],
        **audit,
    )
    verb = "Purged" if purge else "Deleted"
    return WriteResult(entry, f"{verb} the conversation.")
