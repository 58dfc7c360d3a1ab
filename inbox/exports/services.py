"""The exports' audit entries: who exported which conversation or mailbox, and how many
messages went out. A CSV's entry is written when its stream ends (`streams.CountedStream`),
so it counts the rows really sent: a download the client stopped halfway is recorded with
the rows sent until then, its outcome "Partly done".

The entries read well on the audit log's page: the action ("Exported a conversation",
"Exported a mailbox", "Exported search results"), the conversation, the message count, and a
sentence naming the form (CSV or printable transcript) and the other party's number (which
the page names after the address book's contact) or what was searched for.
"""

from __future__ import annotations

from accounts.models import User
from inbox.conversations.selectors import Mailbox
from inbox.conversations.services import audit_entry_write
from inbox.exports.selectors import ExportThread
from inbox.models import AuditEntry


def _messages(count: int) -> str:
    return f"{count} message{'s' if count != 1 else ''}"


def _outcome(complete: bool) -> AuditEntry.Outcome:
    return AuditEntry.Outcome.DONE if complete else AuditEntry.Outcome.PARTLY


def _sent(rows: int, complete: bool) -> str:
    if complete:
        return _messages(rows)
    return f"the download stopped after {_messages(rows)}"


def conversation_export_record(
    *,
    user: User,
    thread: ExportThread,
    form: str,
    rows: int,
    complete: bool,
    ip_address: str | None,
) -> AuditEntry:
    """The entry of a conversation's (or a fax's or voicemail's) export: `form` is what was
    made of it ("CSV", "Printable transcript"), `rows` how many messages it held."""
    kind, thread_id = thread.key
    what = "conversation" if thread.is_conversation else "message"
    return audit_entry_write(
        user=user,
        mailbox=thread.mailbox,
        action=AuditEntry.Action.CONVERSATION_EXPORT,
        outcome=_outcome(complete),
        conversation_id=thread_id if kind == "conversation" else None,
        message_ids=[thread_id] if kind == "message" else [],
        message_count=rows,
        detail=f"{form} of the {what} with {thread.numbers_text}: {_sent(rows, complete)}",
        ip_address=ip_address,
    )


def mailbox_export_record(
    *, user: User, mailbox: Mailbox, rows: int, complete: bool, ip_address: str | None
) -> AuditEntry:
    """The entry of a whole mailbox's export as CSV."""
    return audit_entry_write(
        user=user,
        mailbox=mailbox,
        action=AuditEntry.Action.MAILBOX_EXPORT,
        outcome=_outcome(complete),
        message_count=rows,
        detail=f"CSV of the mailbox {mailbox.label}: {_sent(rows, complete)}",
        ip_address=ip_address,
    )


def search_export_record(
    *,
    user: User,
    mailbox: Mailbox,
    searched: str,
    rows: int,
    complete: bool,
    ip_address: str | None,
) -> AuditEntry:
    """The entry of a search's results exported as CSV: `searched` says what was searched
    for (the words or number, and the filters); `mailbox` is the one the search was narrowed
    to, else the person's own (an entry belongs to a mailbox)."""
    return audit_entry_write(
        user=user,
        mailbox=mailbox,
        action=AuditEntry.Action.SEARCH_EXPORT,
        outcome=_outcome(complete),
        message_count=rows,
        detail=f"CSV of the search {searched}: {_sent(rows, complete)}",
        ip_address=ip_address,
    )
