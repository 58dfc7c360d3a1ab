"""What the exports read: a thread or a whole mailbox from the conversation index, the names
of the numbers on them, and how far the index holds a thread. Never a RingCentral call.

Access: the reads of threads and mailboxes take the `Mailbox` that `mailbox_get_for_user` gave
the view (a 404 for anyone who may not open it); a thread the mailbox's index does not hold is
a 404 too. Exports hold `Alive` messages only, as the pages show them. Naming numbers
(`party_names_lookup`) reads only what the rows it is given already show.

A search's export reads the search's own hits (`search_rows_for_user`: only the person's
mailboxes) and then their rows.

Rows are given as QuerySets ordered for their export and limited to the columns an export
reads; `rows.message_csv_rows` reads them with `.iterator()`, so an export of any size holds a
batch of rows at a time.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import User
from inbox.contacts.selectors import contact_names
from inbox.conversations.selectors import Mailbox
from inbox.exports.rows import (
    ExportedMessage,
    NamesLookup,
    PartyNames,
    PartyShown,
    exported_messages,
)
from inbox.index.records import ALIVE, ThreadKey
from inbox.index.selectors import index_party_names
from inbox.models import IndexedConversation, IndexedMessage, MailboxSync
from inbox.search.queries import SearchQuery
from inbox.search.selectors import search_rows_for_user

# what an export reads of each row (`party_names_lookup` needs the mailbox's ids too)
SEARCH_BATCH = 500  # hits whose rows are fetched at once by a search's export

ROW_FIELDS = (
    "account_id", "extension_id", "message_id", "thread_kind", "thread_id", "created_at",
    "record",
)  # fmt: skip


class ThreadNotIndexed(Http404):
    """The mailbox's index holds no such thread (yet): nothing to export."""


@dataclass(frozen=True)
class ExportThread:
    """A thread of a mailbox as the index holds it."""

    mailbox: Mailbox
    key: ThreadKey  # ("conversation", id) or, for a fax or voicemail, ("message", id)
    parties: tuple[PartyShown, ...]  # the other parties, named as the pages name them
    message_count: int
    # the index may lack the thread's messages from before this moment (its older history
    # is still being indexed); None: it holds the thread whole
    missing_before: datetime | None

    @property
    def is_conversation(self) -> bool:
        return self.key[0] == "conversation"

    @property
    def parties_text(self) -> str:
        return ", ".join(party.text for party in self.parties) or "Unknown"

    @property
    def numbers_text(self) -> str:
        """The other parties' numbers, for the audit log (which names them after them)."""
        return ", ".join(party.number for party in self.parties if party.number) or "unknown"


def _parties_of(row: IndexedConversation, contacts: dict[str, str]) -> tuple[PartyShown, ...]:
    parties: list[Any] = row.parties if isinstance(row.parties, list) else []
    shown = []
    for party in parties:
        if not isinstance(party, dict):
            continue
        number = str(party.get("number") or "")
        name = contacts.get(number) or str(party.get("name") or "")
        shown.append(PartyShown(name, number))
    return tuple(shown)


def _missing_before(mailbox: Mailbox, row: IndexedConversation) -> datetime | None:
    """Where the thread may begin before what the index holds of it: a conversation the index
    has not seen whole, while the mailbox's older history is still being back-filled, may
    have older messages than the index's window (or the back-fill so far) reaches."""
    if row.thread_kind != "conversation" or row.whole:
        return None  # a fax or voicemail is one message: indexed, it is whole
    state = (
        MailboxSync.objects.filter(account_id=mailbox.account_id, extension_id=mailbox.extension_id)
        .values("history_done_at", "history_start", "index_window_start")
        .first()
    )
    if state is None or state["history_done_at"] is not None:
        return None
    starts = [start for start in (state["history_start"], state["index_window_start"]) if start]
    return min(starts) if starts else None


def export_thread_get(*, mailbox: Mailbox, thread: ThreadKey) -> ExportThread:
    """The mailbox's thread as its index holds it; `ThreadNotIndexed` (a 404) when the index
    has none of its messages."""
    row = IndexedConversation.objects.filter(
        account_id=mailbox.account_id,
        extension_id=mailbox.extension_id,
        thread_kind=thread[0],
        thread_id=thread[1],
    ).first()
    if row is None:
        raise ThreadNotIndexed("This conversation is not in the mailbox's index.")
    numbers = [
        str(party.get("number") or "")
        for party in (row.parties if isinstance(row.parties, list) else [])
        if isinstance(party, dict)
    ]
    contacts = contact_names(account_id=mailbox.account_id, numbers=numbers)
    return ExportThread(
        mailbox=mailbox,
        key=thread,
        parties=_parties_of(row, contacts),
        message_count=row.message_count,
        missing_before=_missing_before(mailbox, row),
    )


def _alive_of(mailbox: Mailbox) -> QuerySet[IndexedMessage]:
    return IndexedMessage.objects.filter(
        account_id=mailbox.account_id, extension_id=mailbox.extension_id, availability=ALIVE
    ).only(*ROW_FIELDS)


def thread_rows(*, thread: ExportThread) -> QuerySet[IndexedMessage]:
    """The thread's `Alive` messages, oldest first."""
    kind, thread_id = thread.key
    return (
        _alive_of(thread.mailbox)
        .filter(thread_kind=kind, thread_id=thread_id)
        .order_by("created_at", "message_id")
    )


def mailbox_rows(*, mailbox: Mailbox) -> QuerySet[IndexedMessage]:
    """Every `Alive` message of the mailbox's index, newest first."""
    return _alive_of(mailbox).order_by("-created_at", "-message_id")


def search_rows(*, user: User, query: SearchQuery) -> Iterator[IndexedMessage]:
    """The messages `query` finds for `user`, in the search's order, read `SEARCH_BATCH` hits
    at a time (the hits' rows fetched in one query per batch): never the whole result in
    memory."""
    hits = search_rows_for_user(user=user, query=query)
    while batch := list(islice(hits, SEARCH_BATCH)):
        wanted = Q(pk__in=[])
        for hit in batch:
            wanted |= Q(
                account_id=hit.mailbox.account_id,
                extension_id=hit.mailbox.extension_id,
                message_id=hit.message_id,
            )
        found = {
            (row.account_id, row.extension_id, row.message_id): row
            for row in IndexedMessage.objects.filter(wanted).only(*ROW_FIELDS)
        }
        for hit in batch:
            row = found.get((hit.mailbox.account_id, hit.mailbox.extension_id, hit.message_id))
            if row is not None:
                yield row


def _numbers_on(record: Any) -> set[str]:
    if not isinstance(record, dict):
        return set()
    to = record.get("to")
    parties = [record.get("from"), *(to if isinstance(to, list) else [])]
    return {
        str(party["phoneNumber"])
        for party in parties
        if isinstance(party, dict) and party.get("phoneNumber")
    }


def party_names_lookup() -> NamesLookup:
    """How an export names the numbers on its rows, a batch of rows at a time: the address
    book's names for the batch's numbers, and the names RingCentral gave them on other
    messages of the batch's threads (the index's thread rows) — one query for each, per
    account and per mailbox the batch holds (one of each for a thread or a mailbox; a search's
    rows may span several mailboxes). The rows need `ROW_FIELDS`."""

    def lookup(rows: Sequence[IndexedMessage]) -> PartyNames:
        threads: dict[tuple[int, int], set[ThreadKey]] = {}
        numbers: dict[int, set[str]] = {}
        for row in rows:
            threads.setdefault((row.account_id, row.extension_id), set()).add(
                (row.thread_kind, row.thread_id)
            )
            numbers.setdefault(row.account_id, set()).update(_numbers_on(row.record))
        known: dict[str, str] = {}
        for (account_id, extension_id), keys in threads.items():
            known |= index_party_names(
                account_id=account_id, extension_id=extension_id, thread_keys=keys
            )
        contacts: dict[str, str] = {}
        for account_id, shown in numbers.items():
            contacts |= contact_names(account_id=account_id, numbers=shown)
        return PartyNames(contacts=contacts, known=known)

    return lookup


@dataclass(frozen=True)
class Transcript:
    thread: ExportThread
    messages: tuple[ExportedMessage, ...]  # oldest first


def transcript_get(*, thread: ExportThread) -> Transcript:
    """The thread's messages for its printable transcript, oldest first, named."""
    rows = thread_rows(thread=thread)
    return Transcript(thread, tuple(exported_messages(rows, party_names_lookup())))
