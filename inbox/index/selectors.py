"""Reads of the conversation index: whether a mailbox is indexed and from when, a page of its
conversations for a query, its unread conversations, and the conversation rows other features
list (ownership's views). Nothing here calls RingCentral.

`index_page` takes the very keyword arguments the list gives RingCentral's `listMessages`
(`ConversationQuery.ringcentral_params`) and answers as RingCentral would (REFERENCE §3, the
emulator's decisions where the sources are silent): with `distinctConversations`, the newest
*matching* message of each thread, newest first by `creationTime` then id; `messageType`
`SMS` covers MMS (an MMS is an SMS record); `readStatus` and `direction` as given;
`dateFrom` ≤ `creationTime` ≤ `dateTo` (default: now); `phoneNumber` a whole number as
RingCentral matches it (any number on the message, the mailbox's own too), or a part of one,
which RingCentral cannot be asked for, inside the number of one of the thread's other parties
(as search matches it); `Alive` messages only; paging with a total.
The list without filters (the inbox's first page) reads the conversation rows instead of the
messages: a thread's newest message in a window open towards now is its last message, so
those rows, ordered by their last message, are the answer — one indexed query however large
the mailbox.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Exists, F, JSONField, OuterRef, Q, QuerySet, Subquery, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from inbox.index.records import ALIVE, ThreadKey, e164
from inbox.models import IndexedConversation, IndexedMessage, MailboxSync
from rcapi import Message


@dataclass(frozen=True)
class IndexState:
    """Whether the mailbox's index is complete, and from which moment on it holds messages:
    the sync's window (`window_start`, its FSync's) and, below it, what the back-fill of the
    mailbox's older history has reached (`history_start`, `inbox.history`)."""

    indexed_at: datetime | None = None
    window_start: datetime | None = None
    history_start: datetime | None = None

    @property
    def indexed(self) -> bool:
        return self.indexed_at is not None and self.window_start is not None

    @property
    def start(self) -> datetime | None:
        """The index's real start: every message created from then on is in it (the earlier
        of the window's start and the back-fill's)."""
        if not self.indexed or self.window_start is None:
            return None
        if self.history_start is None:
            return self.window_start
        return min(self.window_start, self.history_start)

    def covers(self, date_from: datetime) -> bool:
        """Whether a window starting at `date_from` lies within the index."""
        start = self.start
        return start is not None and date_from >= start


def index_state_get(*, account_id: int, extension_id: int) -> IndexState:
    found = (
        MailboxSync.objects.filter(account_id=account_id, extension_id=extension_id)
        .values_list("indexed_at", "index_window_start", "history_start")
        .first()
    )
    return IndexState(*found) if found else IndexState()


# --------------------------------------------------------------------------- list pages


@dataclass(frozen=True)
class IndexPage:
    """A page of `index_page`: the records as RingCentral gave them, newest first."""

    records: tuple[Message, ...]
    page: int
    has_next: bool
    total: int
    # the names the shown threads' messages give their parties, by phone number, when the
    # page was read from the conversation rows (None: ask `index_party_names`)
    names: dict[str, str] | None = None


def _matching(
    account_id: int,
    extension_id: int,
    *,
    date_from: datetime | None,
    date_to: datetime | None,
    message_type: Collection[str],
    direction: Collection[str],
    read_status: Collection[str],
    phone_number: str | None,
) -> QuerySet[IndexedMessage]:
    messages = IndexedMessage.objects.filter(
        account_id=account_id,
        extension_id=extension_id,
        availability=ALIVE,
        created_at__lte=date_to if date_to is not None else timezone.now(),
    )
    if date_from is not None:
        messages = messages.filter(created_at__gte=date_from)
    if message_type:
        messages = messages.filter(type__in=message_type)
    if direction:
        messages = messages.filter(direction__in=direction)
    if read_status:
        messages = messages.filter(read_status__in=read_status)
    if phone_number:
        # a whole number matches as RingCentral's `phoneNumber` does: any number on the
        # message, the mailbox's own too; a part of one ("415", "555-01") as search does: the
        # digits inside the number of one of the thread's other parties (the mailbox's own
        # number would otherwise match every thread for the digits of its area code)
        digits = "".join(ch for ch in phone_number if ch.isdigit())
        if not digits:
            return messages.none()
        parties = IndexedConversation.objects.filter(
            account_id=OuterRef("account_id"),
            extension_id=OuterRef("extension_id"),
            thread_kind=OuterRef("thread_kind"),
            thread_id=OuterRef("thread_id"),
            party_text__contains=digits,
        )
        messages = messages.filter(Q(numbers__contains=f" +{digits} ") | Exists(parties))
    return messages


def _newest_per_thread(messages: QuerySet[IndexedMessage]) -> QuerySet[IndexedMessage]:
    return (
        messages.annotate(
            thread_rank=Window(
                RowNumber(),
                partition_by=[F("thread_kind"), F("thread_id")],
                order_by=[F("created_at").desc(), F("message_id").desc()],
            )
        )
        .filter(thread_rank=1)
        .order_by("-created_at", "-message_id")
    )


def index_page(
    *,
    account_id: int,
    extension_id: int,
    date_from: datetime | None = None,
    date_to: datetime | None = None,
    message_type: Sequence[str] = (),
    direction: Sequence[str] = (),
    read_status: Sequence[str] = (),
    phone_number: str | None = None,
    distinct_conversations: bool = True,
    page: int = 1,
    per_page: int = 100,
) -> IndexPage:
    """A page of the mailbox's messages from the index, as `listMessages` with these
    arguments answers (see the module's description)."""
    start = (page - 1) * per_page
    if distinct_conversations and not (
        date_to or message_type or direction or read_status or phone_number
    ):
        return _page_of_threads(account_id, extension_id, date_from, page, per_page)
    messages = _matching(
        account_id,
        extension_id,
        date_from=date_from,
        date_to=date_to,
        message_type=message_type,
        direction=direction,
        read_status=read_status,
        phone_number=phone_number,
    )
    if distinct_conversations:
        total = messages.values("thread_kind", "thread_id").distinct().count()
        shown = _newest_per_thread(messages)
    else:
        total = messages.count()
        shown = messages.order_by("-created_at", "-message_id")
    records = shown.values_list("record", flat=True)[start : start + per_page]
    return IndexPage(
        records=tuple(Message.from_json(record) for record in records),
        page=page,
        has_next=start + per_page < total,
        total=total,
    )


def _page_of_threads(
    account_id: int, extension_id: int, date_from: datetime | None, page: int, per_page: int
) -> IndexPage:
    """The page from the conversation rows: one query for the rows, their last messages'
    records and the total."""
    threads = IndexedConversation.objects.filter(
        account_id=account_id, extension_id=extension_id, last_message_at__lte=timezone.now()
    )
    if date_from is not None:
        threads = threads.filter(last_message_at__gte=date_from)
    start = (page - 1) * per_page
    last_record = IndexedMessage.objects.filter(
        account_id=account_id, extension_id=extension_id, message_id=OuterRef("last_message_id")
    ).values("record")[:1]
    rows = list(
        threads.order_by("-last_message_at", "-last_message_id")
        .annotate(
            last_record=Subquery(last_record, output_field=JSONField()),
            threads_total=Window(Count("pk")),  # before the page is cut out
        )
        .values_list("last_record", "parties", "threads_total")[start : start + per_page]
    )
    total = rows[0][2] if rows else (threads.count() if start else 0)
    return IndexPage(
        records=tuple(Message.from_json(record) for record, _, _ in rows if record),
        page=page,
        has_next=start + per_page < total,
        total=total,
        names=_names_of_parties(parties for _, parties, _ in rows),
    )


def index_unread(
    *, account_id: int, extension_id: int, date_from: datetime
) -> frozenset[ThreadKey]:
    """The mailbox's conversations with an inbound message `Unread` created from `date_from`
    on (sent messages are stored `Unread` too and never count)."""
    unread = _matching(
        account_id,
        extension_id,
        date_from=date_from,
        date_to=None,
        message_type=(),
        direction=("Inbound",),
        read_status=("Unread",),
        phone_number=None,
    )
    return frozenset(unread.values_list("thread_kind", "thread_id").distinct())


def index_party_names(
    *, account_id: int, extension_id: int, thread_keys: Iterable[ThreadKey]
) -> dict[str, str]:
    """The names the threads' messages give their other parties, by phone number (colleagues
    paged by extension are left out: the list names them from each message)."""
    rows = indexed_conversations_of_threads(
        account_id=account_id, extension_id=extension_id, thread_keys=thread_keys
    )
    return _names_of_parties(row.parties for row in rows.values())


def _names_of_parties(rows_parties: Iterable[Any]) -> dict[str, str]:
    return {
        str(party["number"]): str(party["name"])
        for parties in rows_parties
        for party in (parties if isinstance(parties, list) else [])
        if isinstance(party, dict)
        and str(party.get("number") or "").startswith("+")
        and party.get("name")
    }


# --------------------------------------------------------------------------- conversation rows


Mailboxes = Iterable[tuple[int, int]]  # (account id, extension id)


def _of_mailboxes(mailboxes: Mailboxes) -> Q:
    wanted = Q(pk__in=[])
    for account_id, extension_id in set(mailboxes):
        wanted |= Q(account_id=account_id, extension_id=extension_id)
    return wanted


def indexed_conversations(*, mailboxes: Mailboxes) -> QuerySet[IndexedConversation]:
    """The conversation rows of these mailboxes, newest first (by their last message): the
    query other features filter further (by their own state of each thread) and page with
    `indexed_conversation_page`."""
    return IndexedConversation.objects.filter(_of_mailboxes(mailboxes)).order_by(
        F("last_message_at").desc(nulls_last=True), "-last_message_id"
    )


def indexed_conversations_naming(
    *, account_id: int, extension_id: int, phone_numbers: Iterable[str]
) -> QuerySet[IndexedConversation]:
    """The mailbox's conversation rows with a message that names any of these numbers, newest
    first: matched by the same `numbers` column as the list's number filter."""
    named = Q(pk__in=[])
    for number in {e164(n) for n in phone_numbers} - {""}:
        named |= Q(numbers__contains=f" {number} ")
    messages = IndexedMessage.objects.filter(
        named,
        account_id=OuterRef("account_id"),
        extension_id=OuterRef("extension_id"),
        thread_kind=OuterRef("thread_kind"),
        thread_id=OuterRef("thread_id"),
    )
    rows = indexed_conversations(mailboxes=[(account_id, extension_id)])
    return rows.filter(Exists(messages))


@dataclass(frozen=True)
class ConversationRowPage:
    rows: tuple[IndexedConversation, ...]
    page: int
    has_next: bool
    total: int


def indexed_conversation_page(
    *, conversations: QuerySet[IndexedConversation], page: int = 1, per_page: int = 25
) -> ConversationRowPage:
    """One page of `conversations` (e.g. `indexed_conversations(…)`, filtered), in its order."""
    total = conversations.count()
    start = (page - 1) * per_page
    rows = tuple(conversations[start : start + per_page])
    return ConversationRowPage(rows, page, start + per_page < total, total)


def indexed_conversations_of_threads(
    *, account_id: int, extension_id: int, thread_keys: Iterable[ThreadKey]
) -> dict[ThreadKey, IndexedConversation]:
    """The mailbox's conversation rows of these threads, by thread key (threads the index does
    not hold are left out)."""
    keys = set(thread_keys)
    if not keys:
        return {}
    rows = IndexedConversation.objects.filter(
        account_id=account_id,
        extension_id=extension_id,
        thread_id__in=sorted({thread_id for _, thread_id in keys}),
    )
    return {
        (row.thread_kind, row.thread_id): row
        for row in rows
        if (row.thread_kind, row.thread_id) in keys
    }


# --------------------------------------------------------------------------- threads


def _alive_of_thread(
    account_id: int, extension_id: int, thread: ThreadKey
) -> QuerySet[IndexedMessage]:
    """The thread's `Alive` messages in the index."""
    return IndexedMessage.objects.filter(
        account_id=account_id,
        extension_id=extension_id,
        thread_kind=thread[0],
        thread_id=thread[1],
        availability=ALIVE,
    )


def index_thread(
    *, account_id: int, extension_id: int, thread: ThreadKey, limit: int, whole_only: bool = True
) -> list[Message] | None:
    """A thread's `Alive` messages, oldest first, when the index holds the thread whole (see
    `inbox.index.services.index_thread_whole`; with `whole_only` False: whatever it holds of
    it) and it has at most `limit` of them; None otherwise (the thread is then read from
    RingCentral, which pages it)."""
    rows = IndexedConversation.objects.filter(
        account_id=account_id, extension_id=extension_id, thread_kind=thread[0], thread_id=thread[1]
    )
    if whole_only:
        rows = rows.filter(whole=True)
    if not rows.exists():
        return None
    records = list(
        _alive_of_thread(account_id, extension_id, thread)
        .order_by("created_at", "message_id")
        .values_list("record", flat=True)[: limit + 1]
    )
    if not records or len(records) > limit:
        return None
    return [Message.from_json(record) for record in records]


def index_thread_newer(
    *, account_id: int, extension_id: int, thread: ThreadKey, created: datetime, message_id: int
) -> int:
    """How many of the thread's `Alive` messages come after the message (`created`,
    `message_id`) in RingCentral's newest-first order: where it stands in the thread's pages.
    True when the index holds every message from `created` on (`IndexState.covers`)."""
    return (
        _alive_of_thread(account_id, extension_id, thread)
        .filter(Q(created_at__gt=created) | Q(created_at=created, message_id__gt=message_id))
        .count()
    )
