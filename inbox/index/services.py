"""Keeping the conversation index of a mailbox from RingCentral's message sync (REFERENCE §11):
`IndexedMessage` rows as RingCentral last gave each message, and one `IndexedConversation`
row per thread, summed up from its messages.

The rules `index_apply` follows, for each sync the mailbox's sync (`inbox.live.sync`) made:

* **FSync.** The index's window becomes exactly the FSync's answer: stored messages created
  from the FSync's window start on that RingCentral no longer gives (deleted meanwhile) are
  removed, and the index's window starts where the FSync's did
  (`MailboxSync.index_window_start`, `indexed_at`, set in the same transaction: a list never
  reads a half-built index). Rows of messages created before the window are the back-filled
  history (below) and stay. This is also the rebuild after RingCentral refused a sync token
  (MSG-333). Only the threads it changed are summed up again (every thread on a first fill).
* **ISync.** Each record replaces the stored one when it is newer (`lastModifiedTime`); an
  older or equal one is a repeat (ISync overlaps the previous sync by a few seconds and may
  repeat records) and changes nothing. A `Deleted` or `Purged` record keeps its row, with that
  availability, so the message leaves every list and count while a late, older copy of it
  cannot bring it back; the next FSync removes such rows. RingCentral may send a removal with
  its id and availability only (§11): what it leaves out is kept from the stored row, and a
  removal without `lastModifiedTime` counts as made at the sync's time.
* **The window and the history.** The index holds the messages created from its start on: the
  earlier of the window's start and `MailboxSync.history_start`, down to which the back-fill
  of older history (`index_history_apply`, driven by `inbox.history`) has reached. An ISync's
  records of messages created from that start on are applied; older ones are not kept (the
  lists read RingCentral for windows older than the index's anyway), except while a back-fill
  is under way: it is going to reach them, and a record kept now is a newer version than the
  one the back-fill's page may have read a moment before, which then cannot replace it.
* **Back-fill.** `index_history_apply` writes a page of older history by the same rule as an
  ISync (a newer version wins, an equal one is a repeat), records of every availability
  (deleted history stays known as deleted), and moves `history_start` down in the same
  transaction. A page only adds messages older than what the index holds, so the threads it
  reaches are summed up from their stored row and the page's messages, without reading the
  thread's other messages back (a thread of 100,000 messages costs a page what a thread of
  one does); a thread where the page replaced a stored row is computed again whole.
* **Threads.** The conversation rows of every thread a sync touched are computed again from
  the thread's `Alive` messages; a thread left with none loses its row.

Two syncs of one mailbox never run at once (`inbox.live.sync` holds a lock in the cache), but
the writes are safe without it: `index_apply` takes the mailbox's `MailboxSync` row for update
first (PostgreSQL holds the row lock, SQLite's immediate transactions the write lock, until
commit), so applies of one mailbox run one after the other, each seeing the other's result,
and unique constraints with upserts keep one row per message and per thread.

After the commit, `inbox.signals.messages_indexed` names the threads that received a new
inbound message (not on the first FSync of a mailbox, which only fills the index);
`inbound_messages_indexed` gives those new received messages' records, the first FSync's too.
Back-filled history sends neither: it is not news, and its keywords would come newest first
(opt-out applies STOP and START oldest first, and a START lifts only an opt-out it finds, so a
STOP of years ago read after the window's later START would opt the customer out again).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.db.models import Lookup, Q, QuerySet
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone

from inbox.index.records import (
    ALIVE,
    ThreadKey,
    is_alive,
    numbers_of,
    others_of,
    party_text_of,
    preview_of,
    thread_key_of,
    version_of,
)
from inbox.models import IndexedConversation, IndexedMessage, MailboxSync
from inbox.signals import inbound_messages_indexed, messages_indexed
from rcapi import Message

log = logging.getLogger(__name__)

BATCH = 500  # ids per `IN (…)` and rows per insert: within every database's parameter limit
# an FSync that writes at least this many rows has the tables' statistics taken again
ANALYZE_AFTER = 1000

MESSAGE_FIELDS = [
    "thread_kind", "thread_id", "type", "direction", "created_at", "last_modified_at",
    "read_status", "availability", "numbers", "text", "record",
]  # fmt: skip
CONVERSATION_FIELDS = [
    "last_message_id", "last_message_at", "last_type", "last_direction", "preview", "parties",
    "party_text", "unread_count", "message_count", "last_inbound_at", "updated_at",
]  # fmt: skip


@dataclass(frozen=True)
class IndexOutcome:
    """What one apply changed."""

    written: int = 0  # message rows inserted or replaced
    removed: int = 0  # message rows removed (FSync only)
    threads: int = 0  # conversation rows computed again
    new_inbound: frozenset[ThreadKey] = frozenset()  # threads with a new received message
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.written or self.removed)


@dataclass(frozen=True)
class _Stored:
    """What the index held of a message before this apply."""

    pk: int
    thread: ThreadKey
    version: datetime | None
    availability: str
    type: str
    direction: str
    created_at: datetime | None
    read_status: str


if TYPE_CHECKING:
    _IntLookup = Lookup[int]
else:
    _IntLookup = Lookup  # generic in django-stubs only


class _AnyOf(_IntLookup):
    """`column = ANY(%s)` with a list (PostgreSQL's array parameter): a page's thousand ids in
    one parameter, planned once, where `IN` takes a parameter each (`message_id` of the
    messages, `thread_id` of the conversations)."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler: SQLCompiler, connection: Any) -> tuple[str, Any]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", (*lhs_params, list(self.rhs))  # the list: one array


IndexedMessage._meta.get_field("message_id").register_lookup(_AnyOf)
IndexedConversation._meta.get_field("thread_id").register_lookup(_AnyOf)


def _batches(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), BATCH):
        yield items[start : start + BATCH]


def _mailbox(
    model: type[IndexedMessage] | type[IndexedConversation], account_id: int, extension_id: int
) -> QuerySet[Any]:
    rows: QuerySet[Any] = model.objects.filter(account_id=account_id, extension_id=extension_id)
    return rows


def _stored(messages: QuerySet[IndexedMessage], ids: Sequence[int] | None) -> dict[int, _Stored]:
    """The stored rows of `ids` (None: of the whole mailbox), by message id."""
    columns = (
        "message_id", "pk", "thread_kind", "thread_id", "last_modified_at", "availability",
        "type", "direction", "created_at", "read_status",
    )  # fmt: skip
    if ids is None:
        chunks = [messages]
    elif connection.vendor == "postgresql":
        chunks = [messages.filter(**{"message_id__any_of": list(ids)})]
    else:
        chunks = [messages.filter(message_id__in=c) for c in _batches(ids)]
    found: dict[int, _Stored] = {}
    for chunk in chunks:
        for row in chunk.values_list(*columns):
            found[row[0]] = _Stored(row[1], (row[2], row[3]), *row[4:])
    return found


@dataclass(frozen=True)
class _Row:
    """The columns of one `IndexedMessage` (`MESSAGE_COLUMNS`, in that order)."""

    account_id: int
    extension_id: int
    message_id: int
    thread_kind: str
    thread_id: int
    type: str
    direction: str
    created_at: datetime | None
    last_modified_at: datetime
    read_status: str
    availability: str
    numbers: str
    text: str
    record: dict[str, Any]

    @property
    def thread(self) -> ThreadKey:
        return (self.thread_kind, self.thread_id)

    def copy_values(self) -> tuple[Any, ...]:
        """The columns' values for `COPY`, the record as JSON text."""
        return tuple(
            json.dumps(self.record) if column == "record" else getattr(self, column)
            for column in MESSAGE_COLUMNS
        )


MESSAGE_COLUMNS = ["account_id", "extension_id", "message_id", *MESSAGE_FIELDS]


def _row(
    account_id: int, extension_id: int, message: Message, old: _Stored | None, now: datetime
) -> _Row:
    """The row of `message`; what a removal record leaves out comes from the stored row."""
    thread = thread_key_of(message)
    if old is not None and not is_alive(message) and message.conversation_id is None:
        thread = old.thread  # a removal given by id alone stays in its thread
    return _Row(
        account_id=account_id,
        extension_id=extension_id,
        message_id=message.id,
        thread_kind=thread[0],
        thread_id=thread[1],
        type=message.type or (old.type if old else ""),
        direction=message.direction or (old.direction if old else ""),
        created_at=message.creation_time or (old.created_at if old else None),
        last_modified_at=version_of(message) or now,
        read_status=message.read_status or (old.read_status if old else ""),
        availability=message.availability or ALIVE,
        numbers=numbers_of(message),
        text=message.subject or "",
        record=dict(message.raw),
    )


def _messages_write(rows: list[_Row], replaced: list[int]) -> None:
    """Store `rows`, each in place of the stored row of its message (`replaced`: their
    primary keys). On PostgreSQL the stored rows are deleted and the new ones copied in
    (`COPY`: an FSync of 10,000 messages in a tenth of the time an upsert's parameters take
    to quote); the mailbox's lock keeps any other apply out meanwhile, and the unique
    constraint would refuse a duplicate. Elsewhere, one upsert per batch."""
    if connection.vendor == "postgresql":
        for chunk in _batches(replaced):
            IndexedMessage.objects.filter(pk__in=chunk).delete()
        table = connection.ops.quote_name(IndexedMessage._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(c) for c in MESSAGE_COLUMNS)
        statement = f"COPY {table} ({columns}) FROM STDIN"
        # psycopg's own cursor, under Django's wrapper
        with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row.copy_values())
        return
    IndexedMessage.objects.bulk_create(
        [IndexedMessage(**{c: getattr(row, c) for c in MESSAGE_COLUMNS}) for row in rows],
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=["account_id", "extension_id", "message_id"],
        update_fields=MESSAGE_FIELDS,
    )


def _unique(records: Iterable[Message]) -> list[Message]:
    """One record per id: the newest (the last one given, of equal versions)."""
    by_id: dict[int, Message] = {}
    for message in records:
        held = by_id.get(message.id)
        if held is None or _not_older(message, held):
            by_id[message.id] = message
    return list(by_id.values())


def _not_older(message: Message, than: Message) -> bool:
    mine, theirs = version_of(message), version_of(than)
    return mine is None or theirs is None or mine >= theirs


_HISTORY_UNSTARTED: dict[str, Any] = {
    "history_start": None,
    "history_cursor": None,
    "history_page": 0,
    "history_done_at": None,
    "history_messages": 0,
    "history_calls": 0,
    "history_error": "",
}


def index_start_of(state: MailboxSync) -> datetime | None:
    """From which moment on the mailbox's index holds every message (None: not indexed): the
    earlier of the sync's window start and the back-fill's `history_start`."""
    if state.indexed_at is None or state.index_window_start is None:
        return None
    if state.history_start is None:
        return state.index_window_start
    return min(state.index_window_start, state.history_start)


def _kept_from(state: MailboxSync, window_start: datetime, *, full: bool) -> datetime | None:
    """The creation time from which a sync's records are kept (None: all of them). An FSync
    answers for its window; an ISync's records are kept from the index's start on, all of
    them while a back-fill is under way (see the module's description)."""
    if full:
        return window_start
    if state.history_cursor is not None and state.history_done_at is None:
        return None
    if state.history_start is None:
        return window_start
    return min(window_start, state.history_start)


def index_apply(
    *,
    account_id: int,
    extension_id: int,
    records: Sequence[Message],
    full: bool,
    window_start: datetime,
    sync_time: datetime | None = None,
) -> IndexOutcome:
    """Apply one sync's `records` to the mailbox's index (see the module's description).
    `full`: they are an FSync's answer over the window from `window_start` on. `sync_time`:
    when RingCentral answered (its `syncTime`); a full apply then keeps rows a later sync
    already wrote, and a removal without a version counts as made then."""
    started = time.perf_counter()
    now = sync_time or timezone.now()
    with transaction.atomic():
        # the row lock (the write lock on SQLite) that makes applies of one mailbox take turns
        state, _ = MailboxSync.objects.select_for_update().get_or_create(
            account_id=account_id, extension_id=extension_id
        )
        first_fill = state.indexed_at is None
        messages = _mailbox(IndexedMessage, account_id, extension_id)
        keep_from = _kept_from(state, window_start, full=full)
        incoming = [
            m
            for m in _unique(records)
            if m.creation_time is None or keep_from is None or m.creation_time >= keep_from
        ]
        if full:
            # the FSync's answer stands for its window only: older rows are the history
            window = messages.filter(Q(created_at__gte=window_start) | Q(created_at__isnull=True))
            stored = _stored(window, None)
        else:
            stored = _stored(messages, [m.id for m in incoming])

        rows: list[_Row] = []
        replaced: list[int] = []
        current: dict[int, Message] = {}  # messages whose stored row will be this record
        touched: set[ThreadKey] = set()
        new_inbound: set[ThreadKey] = set()
        received: list[Message] = []  # new inbound messages, for `inbound_messages_indexed`
        for message in incoming:
            old = stored.get(message.id)
            if old is not None and old.version is not None:
                version = version_of(message) or now
                if version < old.version:
                    continue  # a late copy of an older version
                if version == old.version and (message.availability or ALIVE) == old.availability:
                    current[message.id] = message  # a repeat: the row already holds it
                    continue
            row = _row(account_id, extension_id, message, old, now)
            rows.append(row)
            current[message.id] = message
            touched.add(row.thread)
            if old is not None:
                replaced.append(old.pk)
                touched.add(old.thread)
            elif row.availability == ALIVE and row.direction == "Inbound":
                new_inbound.add(row.thread)
                received.append(message)

        removed: list[int] = []
        if full:
            answered = {m.id for m in incoming}
            for message_id, old in stored.items():
                if message_id in answered:
                    continue
                if sync_time is not None and old.version is not None and old.version > sync_time:
                    continue  # written by a sync later than this one's answer
                removed.append(old.pk)
                touched.add(old.thread)
            for chunk in _batches(removed):
                IndexedMessage.objects.filter(pk__in=chunk).delete()

        _messages_write(rows, replaced)
        if full:
            # a new window: which threads it holds whole is learned again
            _mailbox(IndexedConversation, account_id, extension_id).update(whole=False)
        threads = _threads_recompute(
            account_id, extension_id, None if first_fill else touched, current, now
        )
        if full:
            fields: dict[str, Any] = {"indexed_at": now, "index_window_start": window_start}
            if first_fill:
                # a new index has no back-filled history, whatever an earlier one had
                fields.update(_HISTORY_UNSTARTED)
            MailboxSync.objects.filter(pk=state.pk).update(**fields)
            if len(rows) >= ANALYZE_AFTER:
                transaction.on_commit(_statistics_refresh)
        if new_inbound and not first_fill:
            keys = frozenset(new_inbound)
            transaction.on_commit(
                lambda: messages_indexed.send(
                    sender=IndexedMessage,
                    account_id=account_id,
                    extension_id=extension_id,
                    threads=keys,
                )
            )
        if received:
            new_messages = tuple(received)
            transaction.on_commit(
                lambda: inbound_messages_indexed.send(
                    sender=IndexedMessage,
                    account_id=account_id,
                    extension_id=extension_id,
                    messages=new_messages,
                )
            )
    outcome = IndexOutcome(
        written=len(rows),
        removed=len(removed),
        threads=threads,
        new_inbound=frozenset(new_inbound) if not first_fill else frozenset(),
        seconds=time.perf_counter() - started,
    )
    log.info(
        "Indexed extension %s (%s): %d written, %d removed, %d threads, %.2f s",
        extension_id, "full" if full else "changes", outcome.written, outcome.removed,
        outcome.threads, outcome.seconds,
    )  # fmt: skip
    return outcome


def index_local_change(
    *,
    account_id: int,
    extension_id: int,
    message_ids: Iterable[int],
    read_status: str | None = None,
    availability: str | None = None,
) -> int:
    """A change a person just made through RingCentral (read state, deleting, restoring),
    written into the index at once, so that the lists show it on the next page rather than
    after the sync RingCentral's notification asks for. Only what changed is written; the
    stored version stays, so the sync's record of the same change (newer by its
    `lastModifiedTime`) still replaces the row. How many indexed messages changed."""
    ids = sorted(set(message_ids))
    if not ids or (read_status is None and availability is None):
        return 0
    now = timezone.now()
    with transaction.atomic():
        MailboxSync.objects.select_for_update().filter(
            account_id=account_id, extension_id=extension_id
        ).first()
        changed: list[IndexedMessage] = []
        touched: set[ThreadKey] = set()
        for chunk in _batches(ids):
            rows = _mailbox(IndexedMessage, account_id, extension_id).filter(message_id__in=chunk)
            for row in rows:
                record = dict(row.record)
                if read_status is not None:
                    row.read_status = record["readStatus"] = read_status
                if availability is not None:
                    row.availability = record["availability"] = availability
                row.record = record
                changed.append(row)
                touched.add((row.thread_kind, row.thread_id))
        IndexedMessage.objects.bulk_update(
            changed, ["read_status", "availability", "record"], batch_size=BATCH
        )
        _threads_recompute(account_id, extension_id, touched, {}, now)
    return len(changed)


@dataclass(frozen=True)
class HistoryOutcome:
    """What one page of back-filled history changed."""

    indexed: bool = True  # False: the mailbox has no complete index to add history to
    written: int = 0  # message rows inserted or replaced
    added: int = 0  # of which messages the index had not held
    threads: int = 0  # conversation rows written
    seconds: float = 0.0


def index_history_apply(
    *,
    account_id: int,
    extension_id: int,
    records: Sequence[Message],
    down_to: datetime | None,
    refresh_statistics: bool = False,
) -> HistoryOutcome:
    """Write a page of the mailbox's older history (`listMessages` records, of any
    availability) into its index, and, with `down_to`, record that the index now holds every
    message created from `down_to` on (`MailboxSync.history_start` moves down to it, never
    up). Without `down_to` the records are applied alone (the periodic re-check of deleted
    history). See the module's description for the rules; `refresh_statistics` has
    PostgreSQL look at the tables again after the commit (a mailbox that grew a lot)."""
    started = time.perf_counter()
    now = timezone.now()
    with transaction.atomic():
        state = (
            MailboxSync.objects.select_for_update()
            .filter(account_id=account_id, extension_id=extension_id)
            .first()
        )
        start = index_start_of(state) if state is not None else None
        if state is None or start is None:
            return HistoryOutcome(indexed=False)
        if connection.vendor == "postgresql":
            # the commit need not wait for the disk: a page lost to a crash is read again,
            # as `history_start` (and the walk's cursor, in the same transaction) is lost too
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        incoming = _unique(records)
        stored = _stored(
            _mailbox(IndexedMessage, account_id, extension_id), [m.id for m in incoming]
        )
        rows: list[_Row] = []
        replaced: list[int] = []
        current: dict[int, Message] = {}
        added: dict[ThreadKey, list[Message]] = {}  # new Alive messages, by thread
        rewritten: set[ThreadKey] = set()  # threads where a stored row was replaced
        for message in incoming:
            old = stored.get(message.id)
            if old is not None and old.version is not None:
                version = version_of(message) or now
                if version < old.version:
                    continue  # the sync already holds a newer version
                if version == old.version and (message.availability or ALIVE) == old.availability:
                    continue  # a repeat: the page boundary, or the window's own messages
            row = _row(account_id, extension_id, message, old, now)
            rows.append(row)
            current[message.id] = message
            if old is not None:
                replaced.append(old.pk)
                rewritten.update((row.thread, old.thread))
            elif row.availability == ALIVE:
                added.setdefault(row.thread, []).append(message)
        _messages_write(rows, replaced)
        threads = _threads_extend(
            account_id,
            extension_id,
            {key: found for key, found in added.items() if key not in rewritten},
            now,
        )
        if rewritten:
            threads += _threads_recompute(account_id, extension_id, rewritten, current, now)
        if down_to is not None and down_to < start:
            MailboxSync.objects.filter(pk=state.pk).update(history_start=down_to)
        if refresh_statistics:
            transaction.on_commit(_statistics_refresh)
    outcome = HistoryOutcome(
        written=len(rows),
        added=len(rows) - len(replaced),
        threads=threads,
        seconds=time.perf_counter() - started,
    )
    log.info(
        "Indexed history of extension %s: %d written (%d new), %d threads, %.3f s",
        extension_id, outcome.written, outcome.added, outcome.threads, outcome.seconds,
    )  # fmt: skip
    return outcome


def index_thread_whole(
    *, account_id: int, extension_id: int, thread: ThreadKey, oldest: datetime | None
) -> bool:
    """A thread was just read whole from RingCentral and its oldest message was created at
    `oldest`: when that lies within the index (from its start, `index_start_of`: the window's
    or, below it, the back-filled history's), the index holds every message of the thread (the
    FSync took all from the window's start, the back-fill all older ones down to its start,
    every sync since brings the rest), and the thread is shown from the index from now on.
    Whether it now is."""
    if oldest is None:
        return False
    state = MailboxSync.objects.filter(
        account_id=account_id, extension_id=extension_id, indexed_at__isnull=False
    ).first()
    start = index_start_of(state) if state is not None else None
    if start is None or oldest < start:
        return False
    _mailbox(IndexedConversation, account_id, extension_id).filter(
        thread_kind=thread[0], thread_id=thread[1], whole=False
    ).update(whole=True)
    return True


def _statistics_refresh() -> None:
    """Have PostgreSQL look at the index's tables again after a large FSync. Its planner
    otherwise keeps estimating the mailbox at its old size until autovacuum's next analyze
    (never, where autovacuum is off) and may pick a scan of the whole mailbox for a page of
    25 (PostgreSQL's advice after bulk loads: run ANALYZE). A few tens of milliseconds; it
    blocks no reads or writes."""
    if connection.vendor != "postgresql":
        return
    tables = ", ".join(
        connection.ops.quote_name(model._meta.db_table)
        for model in (IndexedMessage, IndexedConversation)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")


# --------------------------------------------------------------------------- threads


def _threads_recompute(
    account_id: int,
    extension_id: int,
    touched: set[ThreadKey] | None,
    current: dict[int, Message],
    now: datetime,
) -> int:
    """Compute the conversation rows of the `touched` threads (None: of every thread of the
    mailbox) from their `Alive` messages again; drop the rows of threads left empty. Records
    already in memory (`current`) are not read back from the database."""
    alive = _mailbox(IndexedMessage, account_id, extension_id).filter(availability=ALIVE)
    if touched is not None and not touched:
        return 0
    members: dict[ThreadKey, list[int]] = {}
    for kind, thread_id, message_id in _in_threads(
        alive, touched, ("thread_kind", "thread_id", "message_id")
    ):
        members.setdefault((kind, thread_id), []).append(message_id)
    missing = [i for ids in members.values() for i in ids if i not in current]
    loaded = dict(current)
    for chunk in _batches(missing):
        for message_id, record in alive.filter(message_id__in=chunk).values_list(
            "message_id", "record"
        ):
            loaded[message_id] = Message.from_json(record)

    summaries = [
        _summary(account_id, extension_id, key, [loaded[i] for i in ids], now)
        for key, ids in members.items()
    ]
    _conversations_write(summaries, now)
    conversations = _mailbox(IndexedConversation, account_id, extension_id)
    empty = [
        pk
        for kind, thread_id, pk in _in_threads(
            conversations, touched, ("thread_kind", "thread_id", "pk")
        )
        if (kind, thread_id) not in members
    ]
    for chunk in _batches(empty):
        IndexedConversation.objects.filter(pk__in=chunk).delete()
    return len(summaries) + len(empty)


CONVERSATION_KEY = ["account_id", "extension_id", "thread_kind", "thread_id"]
# what a write gives every row; `whole` only to new ones (an upsert keeps a stored row's)
CONVERSATION_COLUMNS = [*CONVERSATION_KEY, *CONVERSATION_FIELDS, "whole"]
CONVERSATION_STAGE = "inbox_indexedconversation_stage"  # a temporary table of the session
# a stored row as `_Summary` holds it
SUMMARY_COLUMNS = [c for c in CONVERSATION_COLUMNS if c != "updated_at"]


def _conversations_write(rows: list[_Summary], now: datetime) -> None:
    """Store `rows`, each in place of the stored row of its thread (an upsert). On PostgreSQL
    the rows are copied into a temporary table of the session (`COPY`, emptied at commit) and
    upserted from it in one statement: a page of 1,000 threads in a fraction of the time an
    upsert's parameters take to build. Elsewhere, one upsert per batch."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        IndexedConversation.objects.bulk_create(
            [row.model(now) for row in rows],
            batch_size=BATCH,
            update_conflicts=True,
            unique_fields=CONVERSATION_KEY,
            update_fields=CONVERSATION_FIELDS,
        )
        return
    quote = connection.ops.quote_name
    table, stage = quote(IndexedConversation._meta.db_table), quote(CONVERSATION_STAGE)
    columns = ", ".join(quote(c) for c in CONVERSATION_COLUMNS)
    updates = ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in CONVERSATION_FIELDS)
    key = ", ".join(quote(c) for c in CONVERSATION_KEY)
    # one transaction (the caller's, or its own): the stage is emptied at each commit
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {stage} ON COMMIT DELETE ROWS AS "  # noqa: S608 (names are ours)  # nosec B608
            f"SELECT {columns} FROM {table} WITH NO DATA"
        )
        cursor.execute(f"DELETE FROM {stage}")  # noqa: S608 (a name of ours)  # nosec B608
        with cursor.cursor.copy(f"COPY {stage} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row.copy_values(now))
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {stage} "  # noqa: S608 (names are ours)  # nosec B608
            f"ON CONFLICT ({key}) DO UPDATE SET {updates}"
        )


def _threads_extend(
    account_id: int, extension_id: int, added: dict[ThreadKey, list[Message]], now: datetime
) -> int:
    """The conversation rows of threads that gained the `added` (Alive) messages and lost
    nothing: each stored row merged with a summary of its new messages (counts added, the
    newer last message, the newer messages' parties first), or made from them alone for a
    thread the index held no row of. Nothing of the threads' other messages is read."""
    if not added:
        return 0
    held: dict[ThreadKey, _Summary] = {}
    conversations = _mailbox(IndexedConversation, account_id, extension_id)
    ids = sorted({thread_id for _, thread_id in added})
    chunks = (
        [conversations.filter(**{"thread_id__any_of": ids})]
        if connection.vendor == "postgresql"
        else [conversations.filter(thread_id__in=chunk) for chunk in _batches(ids)]
    )
    for chunk in chunks:
        for values in chunk.values_list(*SUMMARY_COLUMNS):
            row = _Summary(*values)
            key = (row.thread_kind, row.thread_id)
            if key in added:
                held[key] = row
    summaries = []
    for key, messages in added.items():
        stored_row = held.get(key)
        fresh = _summary(account_id, extension_id, key, messages, now, text=stored_row is None)
        summaries.append(fresh if stored_row is None else _merged(stored_row, fresh))
    _conversations_write(summaries, now)
    return len(summaries)


def _merged(held: _Summary, fresh: _Summary) -> _Summary:
    """One thread's row summing up the messages of `held` and, disjoint from them, `fresh`."""

    def last(row: _Summary) -> tuple[datetime, int]:
        return (row.last_message_at or datetime.min.replace(tzinfo=UTC), row.last_message_id)

    newer, older = (fresh, held) if last(fresh) > last(held) else (held, fresh)
    parties = _parties_merged(newer.parties, older.parties)
    # the usual page: older messages of the same parties, named already (nothing to redo)
    text = held.party_text if parties == held.parties else party_text_of(parties)
    inbound = [at for at in (held.last_inbound_at, fresh.last_inbound_at) if at is not None]
    return _Summary(
        account_id=held.account_id,
        extension_id=held.extension_id,
        thread_kind=held.thread_kind,
        thread_id=held.thread_id,
        last_message_id=newer.last_message_id,
        last_message_at=newer.last_message_at,
        last_type=newer.last_type,
        last_direction=newer.last_direction,
        preview=newer.preview,
        parties=parties,
        party_text=text,
        unread_count=held.unread_count + fresh.unread_count,
        message_count=held.message_count + fresh.message_count,
        last_inbound_at=max(inbound) if inbound else None,
        whole=held.whole,
    )


def _parties_merged(first: Any, then: Any) -> list[dict[str, str]]:
    """Parties of newer messages (`first`) before those of older ones, each named by the
    newest that names it (as `_parties` orders and names them)."""
    found: dict[str, dict[str, str]] = {}
    for parties in (first, then):
        for party in parties if isinstance(parties, list) else []:
            if not isinstance(party, dict) or not party.get("number"):
                continue
            entry = found.setdefault(
                str(party["number"]), {"number": str(party["number"]), "name": ""}
            )
            if not entry["name"] and party.get("name"):
                entry["name"] = str(party["name"])
    return list(found.values())


def _in_threads(
    rows: QuerySet[Any], keys: set[ThreadKey] | None, columns: tuple[str, ...]
) -> Iterator[tuple[Any, ...]]:
    """`columns` (the first two: thread kind and id) of the rows in the threads `keys`
    (None: all)."""
    if keys is None:
        yield from rows.values_list(*columns)
        return
    ids = sorted({thread_id for _, thread_id in keys})
    for chunk in _batches(ids):
        for row in rows.filter(thread_id__in=chunk).values_list(*columns):
            if (row[0], row[1]) in keys:
                yield row


@dataclass(slots=True)
class _Summary:
    """The columns of one `IndexedConversation` a write gives (`CONVERSATION_COLUMNS`): what
    a thread's messages sum up to, without a model instance (a page builds a thousand)."""

    account_id: int
    extension_id: int
    thread_kind: str
    thread_id: int
    last_message_id: int
    last_message_at: datetime | None
    last_type: str
    last_direction: str
    preview: str
    parties: list[dict[str, str]]
    party_text: str
    unread_count: int
    message_count: int
    last_inbound_at: datetime | None
    whole: bool = False

    def model(self, now: datetime) -> IndexedConversation:
        return IndexedConversation(
            **{c: getattr(self, c) for c in CONVERSATION_COLUMNS if c != "updated_at"},
            updated_at=now,
        )

    def copy_values(self, now: datetime) -> tuple[Any, ...]:
        """The columns' values for `COPY`, the parties as JSON text."""
        return tuple(
            json.dumps(self.parties) if column == "parties"
            else now if column == "updated_at"
            else getattr(self, column)
            for column in CONVERSATION_COLUMNS
        )  # fmt: skip


def _summary(
    account_id: int,
    extension_id: int,
    key: ThreadKey,
    messages: list[Message],
    now: datetime,
    *,
    text: bool = True,
) -> _Summary:
    """The thread's row from its (Alive) `messages`; without `text`, no `party_text` (a summary
    merged into a stored row next, which computes its own)."""
    ordered = sorted(messages, key=lambda m: (m.creation_time or now, m.id), reverse=True)
    last = ordered[0]
    inbound = [m for m in ordered if m.direction == "Inbound"]
    parties = _parties(ordered)
    return _Summary(
        account_id=account_id,
        extension_id=extension_id,
        thread_kind=key[0],
        thread_id=key[1],
        last_message_id=last.id,
        last_message_at=last.creation_time,
        last_type=last.type or "SMS",  # RingCentral's type: an MMS is an SMS, as in the filters
        last_direction=last.direction or "",
        preview=preview_of(last),
        parties=parties,
        party_text=party_text_of(parties) if text else "",
        unread_count=sum(1 for m in inbound if m.read_status == "Unread"),
        message_count=len(ordered),
        last_inbound_at=inbound[0].creation_time if inbound else None,
    )


def _parties(newest_first: list[Message]) -> list[dict[str, str]]:
    """The thread's other parties, those of the newest message first, each named by the
    newest message that names them. A party is known by its phone number, or "ext. 103" for
    a colleague paged by extension (as `MessageView.other_number` shows them)."""
    found: dict[str, dict[str, str]] = {}
    for message in newest_first:
        for party in others_of(message):
            number = party.phone_number or (
                f"ext. {party.extension_number}" if party.extension_number else ""
            )
            if not number:
                continue
            entry = found.setdefault(number, {"number": number, "name": ""})
            if not entry["name"] and party.name:
                entry["name"] = party.name
    return list(found.values())
