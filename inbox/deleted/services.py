"""Restore and purge from Recently deleted, each recorded in the audit log and dropping the
mailbox's cached answers (so a restored conversation is in the next list at once).

* The selection is looked up among the mailbox's deleted messages first
  (`deleted_items_find`): what is not deleted there is a 404 and nothing changes.
* Restore: RingCentral's bulk PATCH `availability: Alive` (REFERENCE §5.2), 50 ids a call.
* Purge (admins only): the bulk DELETE with `purge=true`, 50 ids a call. PATCH cannot purge:
  "only updating the readStatus and restoring deleted messages are supported" (the spec's
  patchMessage); purging is a delete of a deleted message (§6.2), and it cannot be undone.
* Every call goes through `ringcentral_do`, so through the user's token and the shared rate
  budget. When RingCentral stops answering part way, what was done is kept and recorded.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404

from accounts.models import User
from inbox.cache import mailbox_cache_drop
from inbox.conversations.selectors import Mailbox
from inbox.conversations.services import WriteResult, audit_entry_write
from inbox.deleted.selectors import DeletedItems, DeletedSelection, deleted_items_find
from inbox.index.services import index_local_change
from inbox.models import AuditEntry
from inbox.ringcentral import InboxError, ringcentral_do, translated
from rcapi import RateLimited, RingCentralClient, Unavailable
from rcapi.bulk import BULK_LIMIT

PURGE_REFUSED = (
    "Only admins may purge messages. Restore them, or leave them: RingCentral purges deleted "
    "messages on its own after a few days."
)


def deleted_purge_allowed(user: User) -> bool:
    return user.role == User.Role.ADMIN


@dataclass(frozen=True)
class _Applied:
    items: DeletedItems
    changed: list[int]
    stopped: str = ""  # why the work stopped early: a sentence


def deleted_restore(
    *, user: User, mailbox: Mailbox, selection: DeletedSelection, ip_address: str | None = None
) -> WriteResult:
    """Bring the selected conversations and messages back to the inbox, attachments included."""
    return _apply(user, mailbox, selection, purge=False, ip_address=ip_address)


def deleted_purge(
    *, user: User, mailbox: Mailbox, selection: DeletedSelection, ip_address: str | None = None
) -> WriteResult:
    """Remove the selected deleted conversations and messages for good (admins only)."""
    if not deleted_purge_allowed(user):
        raise InboxError(PURGE_REFUSED, status=403, code="purge_not_allowed")
    return _apply(user, mailbox, selection, purge=True, ip_address=ip_address)


def _apply(
    user: User,
    mailbox: Mailbox,
    selection: DeletedSelection,
    *,
    purge: bool,
    ip_address: str | None,
) -> WriteResult:
    action = AuditEntry.Action.MESSAGES_PURGE if purge else AuditEntry.Action.MESSAGES_RESTORE

    def operation(client: RingCentralClient) -> _Applied:
        items = deleted_items_find(client, mailbox=mailbox, selection=selection)
        ids = list(items.message_ids)
        changed: list[int] = []
        for start in range(0, len(ids), BULK_LIMIT):
            chunk = ids[start : start + BULK_LIMIT]
            try:
                if purge:
                    results = client.delete_messages(
                        extension_id=mailbox.extension_id, message_ids=chunk, purge=True
                    )
                else:
                    results = client.restore_messages(
                        extension_id=mailbox.extension_id, message_ids=chunk
                    )
            except (RateLimited, Unavailable) as exc:
                if not changed:
                    raise
                reason = translated(exc)
                stopped = reason.message if isinstance(reason, InboxError) else str(reason)
                return _Applied(items, changed, stopped)
            changed += [result.resource_id for result in results if result.ok]
        return _Applied(items, changed)

    conversation_ids = [str(i) for i in sorted(selection.conversation_ids)]
    try:
        applied = ringcentral_do(mailbox.caller(user), operation)
    except (InboxError, Http404) as failure:
        mailbox_cache_drop(account_id=mailbox.account_id, extension_id=mailbox.extension_id)
        detail = failure.message if isinstance(failure, InboxError) else "Not found."
        audit_entry_write(
            user=user,
            mailbox=mailbox,
            action=action,
            outcome=AuditEntry.Outcome.FAILED,
            ip_address=ip_address,
            conversation_ids=conversation_ids,
            message_count=0,
            detail=detail,
        )
        raise
    mailbox_cache_drop(account_id=mailbox.account_id, extension_id=mailbox.extension_id)
    # restored messages are back in the lists at once (the index keeps a deleted one's row)
    index_local_change(
        account_id=mailbox.account_id,
        extension_id=mailbox.extension_id,
        message_ids=[int(i) for i in applied.changed],
        availability="Purged" if purge else "Alive",
    )

    wanted = len(applied.items.message_ids)
    done = len(applied.changed)
    verb = "Purged" if purge else "Restored"
    if done == wanted:
        outcome = AuditEntry.Outcome.DONE
        counted = f" ({done} messages)" if selection.conversation_ids else ""
        pronoun = "It is" if len(selection) == 1 else "They are"
        after = " for good." if purge else f". {pronoun} back in the inbox."
        sentence = f"{verb} {selection.describe()}{counted}{after}"
    else:
        outcome = AuditEntry.Outcome.PARTLY if done else AuditEntry.Outcome.FAILED
        why = applied.stopped or "RingCentral refused the others; they may have been purged."
        sentence = f"{verb} {done} of {wanted} messages. {why}"
    entry = audit_entry_write(
        user=user,
        mailbox=mailbox,
        action=action,
        outcome=outcome,
        ip_address=ip_address,
        conversation_ids=conversation_ids,
        message_ids=applied.changed,
        message_count=len(applied.changed),
        detail="" if outcome == AuditEntry.Outcome.DONE else sentence,
    )
    return WriteResult(entry, sentence)
