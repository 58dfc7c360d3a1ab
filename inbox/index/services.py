"""Keeping the conversation index of a mailbox from RingCentral's message sync (REFERENCE §11):
`IndexedMessage` rows as RingCentral last gave each message, and one `IndexedConversation`
row per thread, summed up from its messages.

The rules `index_apply` follows, for each sync the mailbox's sync (`inbox.live.sync`) made:

* **FSync.** The index becomes exactly the FSync's answer: messages RingCentral no longer
  gives (deleted meanwhile, or from an earlier, wider window) are removed, and the index's
  window starts where the FSync's did (`MailboxSync.index_window_start`, `indexed_at`, set in
  the same transaction: a list never reads a half-built index). This is also the rebuild after
  RingCentral refused a sync token (MSG-333).
* **ISync.** Each record replaces the stored one when it is newer (`lastModifiedTime`); an
  older or equal one is a repeat (ISync overlaps the previous sync by a few seconds and may
  repeat records) and changes nothing. A `Deleted` or `Purged` record keeps its row, with that
  availability, so the message leaves every list and count while a late, older copy of it
  cannot bring it back; the next FSync removes such rows. RingCentral may send a removal with
  its id and availability only (§11): what it leaves out is kept from the stored row, and a
  removal without `lastModifiedTime` counts as made at the sync's time.
* **The window.** The index holds the messages created from the window's start on. Records of
  older messages, which an ISync may carry, are not kept: the lists read RingCentral for
  windows older than the index's anyway.
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
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet
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
    chunks = (
        [messages] if ids is None else [messages.filter(message_id__in=c) for c in _batches(ids)]
    )
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
        incoming = [
            m
            for m in _unique(records)
            if m.creation_time is None or m.creation_time >= window_start
        ]
        stored = _stored(messages, None if full else [m.id for m in incoming])

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
            account_id, extension_id, None if full else touched, current, now
        )
        if full:
            MailboxSync.objects.filter(pk=state.pk).update(
                indexed_at=now, index_window_start=window_start
            )
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


def index_thread_whole(
    *, account_id: int, extension_id: int, thread: ThreadKey, oldest: datetime | None
) -> bool:
    """A thread was just read whole from RingCentral and its oldest message was created at
    `oldest`: when that lies within the index's window, the index holds every message of the
    thread (the FSync took all from the window's start, every sync since brings the rest), and
    the thread is shown from the index from now on. Whether it now is."""
    if oldest is None:
        return False
    window_start = (
        MailboxSync.objects.filter(
            account_id=account_id, extension_id=extension_id, indexed_at__isnull=False
        )
        .values_list("index_window_start", flat=True)
        .first()
    )
    if window_start is None or oldest < window_start:
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
    IndexedConversation.objects.bulk_create(
        summaries,
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=["account_id", "extension_id", "thread_kind", "thread_id"],
        update_fields=CONVERSATION_FIELDS,
    )
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


def _summary(
    account_id: int, extension_id: int, key: ThreadKey, messages: list[Message], now: datetime
) -> IndexedConversation:
    ordered = sorted(messages, key=lambda m: (m.creation_time or now, m.id), reverse=True)
    last = ordered[0]
    inbound = [m for m in ordered if m.direction == "Inbound"]
    parties = _parties(ordered)
    return IndexedConversation(
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
        party_text=party_text_of(parties),
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
