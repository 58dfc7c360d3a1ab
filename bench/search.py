"""(search) Search across mailboxes in the conversation index: the server's time for one page of
hits (`inbox.search.selectors.search_for_user`, building the hits included) over 1,000,000
messages in 50 mailboxes, as an admin who may open all of them and as an agent in one.

It needs PostgreSQL (full-text search with its GIN index, trigram indexes): with
`DATABASE_URL=postgres://…` it uses a database of its own on that server, `bench_search`
(`bench_search_<messages>` for other sizes; `BENCH_SEARCH_DATABASE_URL` overrides the whole
address). The database is kept between runs: a run whose database already holds this seed
(the signature in the database's comment, and the row count) uses it as it is, and says so;
otherwise it is dropped, migrated and seeded again. On SQLite, which reads every row of a
search, it runs only small sizes (up to `SQLITE_MESSAGES_MAX`).

**The seed** (`seed`, deterministic): 50 mailboxes of one account, 20,000 messages each;
2,500 customers (US numbers over 30 area codes), 40 % named by RingCentral on their messages
and a quarter of them in the address book; conversations of a mailbox with a customer, their
messages' count skewed (a few long threads, many short ones); SMS texts of 1 to 60 words drawn
from a 10,000-word vocabulary with a Zipf-like frequency (word k about as common as 1/k), some
with order numbers and amounts; 1 % faxes and 1 % voicemails (no text); creation times spread
over three years; 3 % `Deleted`. Messages and conversation rows are written with `COPY`, as
the index's own writer does, with the tables' non-unique indexes dropped meanwhile and built
again after (`CREATE INDEX` on a full table is many times faster than keeping a GIN index
through a million inserts), then VACUUM (as autovacuum leaves a table at rest) and ANALYZE.

**The measures**, each over `--queries` searches (100), after 10 words and 10 numbers not
counted (the cache warm):

* one word, as an admin searching all 50 mailboxes: the words of rank 50 to 2,000 of the
  vocabulary (matching from about 1 message in 30 down to 1 in 1,600), spaced evenly on a
  log scale;
* a partial number (3 to 5 digits of a customer's number, an area code a third of the time),
  as the admin;
* the same words and digits as an agent searching one mailbox of 20,000 messages.

Each is the wall time of the selector's call in this process (its SQL, the hits' parties and
names, highlighting): what a page's view spends on its search. The aim is p95 ≤ 100 ms on
PostgreSQL; each row gives p95 / 100 ms. The plan of the slowest statement of the slowest
search (EXPLAIN (ANALYZE, BUFFERS), run again) is printed once.

`python -m bench.search --help`; `make bench BENCH_ARGS="--only search"` runs it from the
bench's command, in a process of its own (its own database and Django settings).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from bench.measure import summary_ms
from bench.report import Aim, Result, table
from bench.stack import BENCH_DIR, REPO

if TYPE_CHECKING:
    from accounts.models import User
    from inbox.search.selectors import SearchPage, SearchScope

FULL_MESSAGES = 1_000_000
MAILBOXES = 50
CUSTOMERS = 2_500
QUERIES = 100
WARM_UP = 10
AIM_MS = 100.0  # p95 of a search page's server time
SQLITE_MESSAGES_MAX = 50_000  # SQLite reads every row per search: larger is no measure
SEED = 19
SEED_VERSION = 1  # part of the seed's signature: a change of the generator seeds again
SPAN = timedelta(days=3 * 365)
ACCOUNT = 4_100_000_009
EXTENSION_BASE = 8_100_000_000
CONVERSATION_BASE = 9_300_000_000
MESSAGE_BASE = 2_100_000_000_000
VOCABULARY_SIZE = 10_000
ZIPF_EXPONENT = 1.0
WORD_RANKS = (50, 2000)  # the searched words' ranks in the vocabulary, first and last
DELETED_SHARE = 0.03
NAMED_SHARE = 0.4  # customers RingCentral names on their messages
CONTACT_SHARE = 0.25  # customers in the address book
COPY_TABLES = ("inbox_indexedmessage", "inbox_indexedconversation")
SEARCH_DATABASE_ENV = "BENCH_SEARCH_DATABASE_URL"

# Customer service's everyday words, roughly most common first; ranks past these are made-up
# words of the same shape (`vocabulary`), so the searched ranks (50 to 2,000) hold both.
COMMON_WORDS = (
    "i", "you", "the", "to", "a", "and", "is", "it", "for", "my", "your", "we", "this",
    "on", "of", "can", "be", "in", "me", "have", "that", "please", "thanks", "just", "what",
    "will", "do", "order", "get", "know", "are", "not", "with", "at", "so", "if", "need",
    "there", "when", "up", "thank", "hi", "hello", "it's", "i'm", "was", "but", "how", "no",
    "yes", "today", "got", "now", "would", "any", "could", "back", "still", "out", "help",
    "send", "ok", "okay", "call", "time", "about", "from", "an", "all", "one", "our",
    "they", "sure", "tomorrow", "like", "see", "here", "did", "am", "has", "been",
    "delivery", "right", "let", "us", "week", "them", "go", "good", "be", "number", "day",
    "just", "new", "want", "again", "had", "payment", "refund", "account", "update",
    "receipt", "package", "store", "address", "should", "or", "more", "then", "where", "us",
    "morning", "afternoon", "appointment", "tracking", "email", "card", "pick", "confirm",
    "check", "cancel", "change", "sorry", "great", "see", "thanks!", "problem", "issue",
    "question", "item", "ship", "shipped", "shipping", "delivered", "arrive", "arrived",
    "arriving", "soon", "later", "minutes", "hours", "days", "date", "schedule", "price",
    "cost", "pay", "paid", "bill", "invoice", "charge", "charged", "credit", "store's",
    "service", "support", "team", "agent", "message", "text", "reply", "called", "phone",
    "voicemail", "left", "leave", "open", "closed", "close", "hours", "weekend", "monday",
    "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "next", "last",
    "first", "also", "very", "much", "really", "well", "free", "available", "size", "color",
    "return", "returned", "exchange", "wrong", "damaged", "missing", "box", "door", "front",
    "office", "home", "work", "name", "code", "link", "website", "online", "app", "login",
    "password", "reset", "set", "up", "install", "installation", "technician", "visit",
    "window", "between", "noon", "evening", "night", "asap", "earlier", "later", "am", "pm",
    "yesterday", "month", "year", "receive", "received", "sent", "sending", "waiting",
    "wait", "long", "still", "yet", "already", "never", "always", "again", "soon", "asap",
    "quick", "fast", "slow", "late", "early", "same", "different", "other", "another",
    "every", "each", "some", "many", "few", "little", "lot", "lots", "thing", "things",
    "something", "nothing", "anything", "everything", "someone", "anyone", "everyone",
    "who", "why", "which", "because", "since", "until", "while", "after", "before",
    "during", "about", "around", "over", "under", "into", "onto", "off", "down", "away",
    "through", "make", "made", "take", "took", "give", "gave", "find", "found", "keep",
    "kept", "bring", "brought", "try", "tried", "use", "used", "look", "looking", "looks",
    "work", "working", "works", "start", "started", "stop", "stopped", "happy", "glad",
    "fine", "perfect", "awesome", "nice", "bad", "worse", "better", "best", "sure",
    "definitely", "maybe", "probably", "actually", "exactly", "almost", "enough", "only",
    "even", "though", "however",
)  # fmt: skip

FIRST_NAMES = (
    "fatima", "omar", "maria", "james", "li", "wei", "ana", "carlos", "sofia", "liam",
    "emma", "noah", "olivia", "ava", "lucas", "mia", "amir", "zara", "hiro", "yuki",
    "priya", "arjun", "chen", "lin", "diego", "lucia", "ivan", "olga", "kofi", "ama",
    "tomas", "eva", "grace", "henry", "isla", "jack", "leah", "mateo", "nina", "oscar",
    "paula", "quinn", "rosa", "sam", "tara", "uma", "victor", "wendy", "xavier", "yara",
    "zane", "aisha", "bruno", "clara", "dmitri", "elena", "felix", "gloria", "hugo",
    "irene", "jonas",
)  # fmt: skip
LAST_NAMES = (
    "rossi", "haddad", "smith", "nguyen", "garcia", "kim", "patel", "muller", "silva",
    "chen", "khan", "lopez", "brown", "ivanova", "okafor", "tanaka", "santos", "dubois",
    "novak", "jensen", "walsh", "reyes", "cohen", "costa", "schmidt", "moreau", "ferreira",
    "kowalski", "singh", "ali", "yilmaz", "andersen", "baker", "cruz", "diaz", "evans",
    "fischer", "gomez", "hall",
)  # fmt: skip
AREA_CODES = (
    "415", "650", "408", "510", "212", "718", "917", "312", "773", "617", "206", "303",
    "512", "713", "305", "404", "602", "702", "503", "612", "215", "202", "619", "818",
    "310", "949", "704", "615", "314", "816",
)  # fmt: skip
SYLLABLES = (
    "ba", "be", "bi", "bo", "ca", "co", "da", "de", "di", "do", "fa", "fe", "ga", "go",
    "ha", "he", "ja", "ka", "ke", "ki", "la", "le", "li", "lo", "lu", "ma", "me", "mi",
    "mo", "na", "ne", "ni", "no", "pa", "pe", "pi", "po", "ra", "re", "ri", "ro", "sa",
    "se", "si", "so", "ta", "te", "ti", "to", "tu", "va", "ve", "vi", "wa", "ya", "za",
    "bar", "ber", "cor", "dan", "fer", "gan", "han", "kin", "lan", "mar", "min", "nor",
    "pen", "ran", "sen", "tan", "ter", "ton", "ver", "win",
)  # fmt: skip


# --------------------------------------------------------------------------- where


def database_url(messages: int) -> str:
    """The search bench's database: `BENCH_SEARCH_DATABASE_URL`, or a database of its own on
    DATABASE_URL's PostgreSQL server, or (without PostgreSQL) a SQLite file under BENCH_DIR."""
    explicit = os.environ.get(SEARCH_DATABASE_ENV, "").strip()
    if explicit:
        return explicit
    base = os.environ.get("DATABASE_URL", "").strip()
    name = "bench_search" if messages == FULL_MESSAGES else f"bench_search_{messages}"
    if base.startswith(("postgres://", "postgresql://")):
        parts = urlsplit(base)
        return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))
    return f"sqlite:///{BENCH_DIR / f'{name}.sqlite3'}"


def is_postgres(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql://"))


def _admin_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, parts.fragment))


def _database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def signature(messages: int, mailboxes: int) -> str:
    """What the database's comment says once it holds this seed, whole."""
    return (
        f"bench.search seed v{SEED_VERSION}: {messages} messages, {mailboxes} mailboxes, "
        f"{CUSTOMERS} customers, seed {SEED}"
    )


def database_signature(url: str) -> str | None:
    """The seed's signature the database carries; None when the database does not exist."""
    if not is_postgres(url):
        return "" if Path(url.removeprefix("sqlite:///")).exists() else None
    import psycopg

    with psycopg.connect(_admin_url(url), autocommit=True) as connection:
        row = connection.execute(
            "SELECT coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database"
            " WHERE datname = %s",
            [_database_name(url)],
        ).fetchone()
    return None if row is None else str(row[0])


def database_fresh(url: str) -> None:
    """An empty database: the SQLite file removed, or the PostgreSQL database dropped and
    created again."""
    if not is_postgres(url):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        return
    import psycopg

    name = _database_name(url)
    with psycopg.connect(_admin_url(url), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def _signature_write(url: str, text: str) -> None:
    if not is_postgres(url):
        return
    import psycopg

    name = _database_name(url)
    with psycopg.connect(_admin_url(url), autocommit=True) as connection:
        literal = text.replace("'", "''")
        connection.execute(f"COMMENT ON DATABASE \"{name}\" IS '{literal}'")


# --------------------------------------------------------------------------- the seed


@dataclass(frozen=True)
class Customer:
    number: str  # E.164
    name: str  # the name RingCentral gives on their messages ("" for none)
    contact: str  # their address-book name ("" when not in the address book)


@dataclass(frozen=True)
class Box:
    """One seeded mailbox."""

    extension_id: int
    extension_number: str
    name: str
    number: str


def vocabulary(rng: random.Random) -> list[str]:
    """`VOCABULARY_SIZE` distinct words, most common first: the everyday words, then made-up
    words of two to four syllables."""
    words = list(dict.fromkeys(COMMON_WORDS))
    seen = set(words)
    while len(words) < VOCABULARY_SIZE:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 2, 3, 3, 3, 4))))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


def _cumulative(weights: Sequence[float]) -> list[float]:
    total, running = 0.0, []
    for weight in weights:
        total += weight
        running.append(total)
    return running


def customers_of(rng: random.Random) -> list[Customer]:
    found: dict[str, Customer] = {}
    while len(found) < CUSTOMERS:
        number = f"+1{rng.choice(AREA_CODES)}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"
        full = f"{rng.choice(FIRST_NAMES).title()} {rng.choice(LAST_NAMES).title()}"
        named = rng.random() < NAMED_SHARE
        in_book = rng.random() < CONTACT_SHARE
        # the address book sometimes knows them by another name than RingCentral does
        book = full if not named or rng.random() < 0.7 else f"{rng.choice(FIRST_NAMES).title()}"
        found.setdefault(number, Customer(number, full if named else "", book if in_book else ""))
    return list(found.values())


def seed_customers() -> list[Customer]:
    """The seed's customers: drawn after its vocabulary, from the same generator."""
    rng = random.Random(SEED)  # noqa: S311 (a seed to repeat, not a secret)
    vocabulary(rng)
    return customers_of(rng)


def boxes_of(count: int) -> list[Box]:
    return [
        Box(
            extension_id=EXTENSION_BASE + n,
            extension_number=str(300 + n),
            name=f"Mailbox {n + 1:02d}",
            number=f"+18005553{n:03d}",
        )
        for n in range(count)
    ]


@dataclass
class _Thread:
    """A conversation row in the making: its Alive messages summed up, oldest first."""

    kind: str
    thread_id: int
    customer: Customer
    last: tuple[int, datetime, str, str, str] | None = None  # id, at, type, direction, preview
    unread: int = 0
    count: int = 0
    last_inbound_at: datetime | None = None


def _text(rng: random.Random, words: list[str], cumulative: list[float]) -> str:
    length = min(60, max(1, int(rng.lognormvariate(2.4, 0.6))))
    chosen = rng.choices(words, cum_weights=cumulative, k=length)
    extra = rng.random()
    if extra < 0.03:
        chosen.insert(rng.randrange(len(chosen) + 1), f"#{rng.randint(100000, 999999)}")
    elif extra < 0.05:
        chosen.insert(
            rng.randrange(len(chosen) + 1), f"${rng.randint(5, 400)}.{rng.randint(0, 99):02d}"
        )
    text = " ".join(chosen)
    return text[:1].upper() + text[1:] + rng.choice((".", ".", "?", "!", ""))


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _record(
    box: Box,
    message_id: int,
    kind: str,
    thread_id: int,
    type_: str,
    direction: str,
    at: datetime,
    modified: datetime,
    read_status: str,
    availability: str,
    customer: Customer,
    text: str,
    rng: random.Random,
) -> dict[str, Any]:
    """A RingCentral message record as the index stores it."""
    base = f"https://platform.ringcentral.com/restapi/v1.0/account/{ACCOUNT}/extension/{box.extension_id}"
    them: dict[str, Any] = {"phoneNumber": customer.number}
    if customer.name:
        them["name"] = customer.name
    us: dict[str, Any] = {"phoneNumber": box.number, "name": box.name}
    inbound = direction == "Inbound"
    record: dict[str, Any] = {
        "uri": f"{base}/message-store/{message_id}",
        "id": message_id,
        "to": [us if inbound else them],
        "from": them if inbound else us,
        "type": type_,
        "creationTime": _iso(at),
        "readStatus": read_status,
        "priority": "Normal",
        "direction": direction,
        "availability": availability,
        "messageStatus": "Received" if inbound else "Delivered",
        "lastModifiedTime": _iso(modified),
    }
    content = f"{base}/message-store/{message_id}/content/{message_id}"
    if type_ == "SMS":
        record["subject"] = text
        record["conversationId"] = thread_id
        record["conversation"] = {
            "id": str(thread_id),
            "uri": f"https://platform.ringcentral.com/restapi/v1.0/conversation/{thread_id}",
        }
        record["smsDeliveryTime"] = _iso(at)
        record["attachments"] = [
            {"id": message_id, "uri": content, "type": "Text", "contentType": "text/plain"}
        ]
    elif type_ == "Fax":
        record["faxPageCount"] = rng.randint(1, 12)
        record["faxResolution"] = "High"
        record["attachments"] = [
            {"id": message_id, "uri": content, "type": "RenderedDocument",
             "contentType": "application/pdf"}
        ]  # fmt: skip
    else:
        record["vmTranscriptionStatus"] = "NotAvailable"
        record["attachments"] = [
            {"id": message_id, "uri": content, "type": "AudioRecording",
             "contentType": "audio/mpeg", "vmDuration": rng.randint(4, 180)}
        ]  # fmt: skip
    return record


def _preview(type_: str, text: str, record: dict[str, Any]) -> str:
    if type_ == "Fax":
        pages = record.get("faxPageCount") or 0
        return f"Fax, {pages} page{'s' if pages != 1 else ''}"
    if type_ == "VoiceMail":
        seconds = int(record["attachments"][0]["vmDuration"])
        return f"Voicemail ({seconds // 60}:{seconds % 60:02d})"
    line = " ".join(text.split())
    return line if len(line) <= 200 else line[:199] + "…"


def mailbox_rows(
    box: Box,
    index: int,
    count: int,
    customers: list[Customer],
    words: list[str],
    cumulative: list[float],
    now: datetime,
    rng: random.Random,
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """One mailbox's `count` messages (the index's columns, `MESSAGE_COLUMNS`, the record as a
    dict) and its conversation rows (`CONVERSATION_COLUMNS`)."""
    from inbox.index.records import party_text_of

    conversations = max(3, count // 20)
    partners = rng.sample(customers, min(conversations, len(customers)))
    threads = [
        _Thread("conversation", CONVERSATION_BASE + index * 100_000 + n, customer)
        for n, customer in enumerate(partners)
    ]
    weights = _cumulative([rng.paretovariate(1.3) for _ in threads])
    seconds = SPAN.total_seconds()
    moments = sorted(now - timedelta(seconds=rng.random() * seconds) for _ in range(count))
    messages: list[tuple[Any, ...]] = []
    singles: list[_Thread] = []
    for n, at in enumerate(moments):
        message_id = MESSAGE_BASE + index * 10_000_000 + n
        kind_roll = rng.random()
        if kind_roll < 0.98:
            type_ = "SMS"
            thread = rng.choices(threads, cum_weights=weights)[0]
            text = _text(rng, words, cumulative)
        else:
            type_ = "Fax" if kind_roll < 0.99 else "VoiceMail"
            thread = _Thread("message", message_id, rng.choice(customers))
            singles.append(thread)
            text = ""
        direction = "Inbound" if type_ != "SMS" or rng.random() < 0.55 else "Outbound"
        recent = now - at < timedelta(days=14)
        read_status = (
            "Unread" if direction == "Inbound" and recent and rng.random() < 0.5 else "Read"
        )
        deleted = rng.random() < DELETED_SHARE
        availability = "Deleted" if deleted else "Alive"
        modified = at + timedelta(seconds=rng.randint(1, 3600 * (24 if deleted else 1)))
        record = _record(
            box, message_id, thread.kind, thread.thread_id, type_, direction, at, modified,
            read_status, availability, thread.customer, text, rng,
        )  # fmt: skip
        numbers = f" {record['from']['phoneNumber']} {record['to'][0]['phoneNumber']} "
        messages.append(
            (
                ACCOUNT, box.extension_id, message_id, thread.kind, thread.thread_id, type_,
                direction, at, modified, read_status, availability, numbers, text, record,
            )
        )  # fmt: skip
        if deleted:
            continue
        thread.last = (message_id, at, type_, direction, _preview(type_, text, record))
        thread.count += 1
        if direction == "Inbound":
            thread.last_inbound_at = at
            thread.unread += read_status == "Unread"
    rows: list[tuple[Any, ...]] = []
    for thread in [*threads, *singles]:
        if thread.last is None:
            continue  # no Alive message: no conversation row, as the index keeps it
        message_id, at, type_, direction, preview = thread.last
        parties = [{"number": thread.customer.number, "name": thread.customer.name}]
        rows.append(
            (
                ACCOUNT, box.extension_id, thread.kind, thread.thread_id, message_id, at, type_,
                direction, preview, parties, party_text_of(parties), thread.unread, thread.count,
                thread.last_inbound_at, thread.kind == "message", now,
            )
        )  # fmt: skip
    return messages, rows


CONVERSATION_COLUMNS = (
    "account_id", "extension_id", "thread_kind", "thread_id", "last_message_id",
    "last_message_at", "last_type", "last_direction", "preview", "parties", "party_text",
    "unread_count", "message_count", "last_inbound_at", "whole", "updated_at",
)  # fmt: skip


@dataclass
class SeedOutcome:
    reused: bool
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)
    messages: int = 0
    alive: int = 0
    conversations: int = 0
    contacts: int = 0
    table_mb: float = 0.0


def _say(text: str) -> None:
    print(f"[bench search {datetime.now(UTC):%H:%M:%S}] {text}", file=sys.stderr, flush=True)


def _indexes_drop(tables: Sequence[str]) -> list[str]:
    """Drop the tables' indexes that back no constraint; their definitions, to build again."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)"
            " AND indexname NOT IN (SELECT conname FROM pg_constraint)",
            [list(tables)],
        )
        found = cursor.fetchall()
        for name, _definition in found:
            cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _name, definition in found]


def _copy(table: str, columns: Sequence[str], rows: Iterator[tuple[Any, ...]]) -> None:
    from django.db import connection

    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    statement = f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def _as_json(row: tuple[Any, ...], position: int) -> tuple[Any, ...]:
    return (*row[:position], json.dumps(row[position]), *row[position + 1 :])


def seed(messages: int, mailbox_count: int, postgres: bool) -> SeedOutcome:
    """Fill the (empty, migrated) database with the seed (see the module's description)."""
    from django.db import connection, transaction

    from accounts.models import User
    from inbox.index.services import MESSAGE_COLUMNS
    from inbox.models import (
        Contact,
        ContactNumber,
        IndexedConversation,
        IndexedMessage,
        MailboxSync,
    )

    started = time.perf_counter()
    outcome = SeedOutcome(reused=False)
    rng = random.Random(SEED)  # noqa: S311 (a seed to repeat, not a secret)
    words = vocabulary(rng)
    cumulative = _cumulative([1 / (rank**ZIPF_EXPONENT) for rank in range(1, len(words) + 1)])
    customers = customers_of(rng)
    boxes = boxes_of(mailbox_count)
    now = datetime.now(UTC).replace(microsecond=0)
    definitions: list[str] = []
    with transaction.atomic():
        if postgres:
            definitions = _indexes_drop(COPY_TABLES)
        all_conversations: list[tuple[Any, ...]] = []
        record_at = MESSAGE_COLUMNS.index("record")
        for n, box in enumerate(boxes):
            count = messages // mailbox_count + (1 if n < messages % mailbox_count else 0)
            rows, conversations = mailbox_rows(
                box, n, count, customers, words, cumulative, now, rng
            )
            all_conversations.extend(conversations)
            outcome.messages += len(rows)
            outcome.alive += sum(1 for row in rows if row[10] == "Alive")
            if postgres:
                _copy(IndexedMessage._meta.db_table, MESSAGE_COLUMNS,
                      (_as_json(row, record_at) for row in rows))  # fmt: skip
            else:
                IndexedMessage.objects.bulk_create(
                    [
                        IndexedMessage(**dict(zip(MESSAGE_COLUMNS, row, strict=True)))
                        for row in rows
                    ],
                    batch_size=500,
                )
            if (n + 1) % 10 == 0 or n + 1 == len(boxes):
                _say(f"seeded {n + 1} of {len(boxes)} mailboxes ({outcome.messages:,} messages)")
        parties_at = CONVERSATION_COLUMNS.index("parties")
        if postgres:
            _copy(IndexedConversation._meta.db_table, CONVERSATION_COLUMNS,
                  (_as_json(row, parties_at) for row in all_conversations))  # fmt: skip
        else:
            IndexedConversation.objects.bulk_create(
                [
                    IndexedConversation(**dict(zip(CONVERSATION_COLUMNS, row, strict=True)))
                    for row in all_conversations
                ],
                batch_size=500,
            )
        outcome.conversations = len(all_conversations)
        outcome.phases["generate_and_copy_seconds"] = round(time.perf_counter() - started, 1)

        in_book = [c for c in customers if c.contact]
        contacts = Contact.objects.bulk_create(
            [Contact(account_id=ACCOUNT, name=c.contact) for c in in_book], batch_size=500
        )
        ContactNumber.objects.bulk_create(
            [
                ContactNumber(contact=contact, account_id=ACCOUNT, number=c.number, label="Mobile")
                for contact, c in zip(contacts, in_book, strict=True)
            ],
            batch_size=500,
        )
        outcome.contacts = len(contacts)
        MailboxSync.objects.bulk_create(
            [
                MailboxSync(
                    account_id=ACCOUNT,
                    extension_id=box.extension_id,
                    indexed_at=now,
                    index_window_start=now - SPAN,
                    full_synced_at=now,
                    synced_at=now,
                    history_start=now - SPAN,
                    history_done_at=now,
                )
                for box in boxes
            ]
        )
        User.objects.create_user(
            "bench-search-admin", role=User.Role.ADMIN, rc_account_id=ACCOUNT,
            rc_extension_id=boxes[0].extension_id, first_name="Search", last_name="Admin",
        )  # fmt: skip
        built = time.perf_counter()
        if definitions:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
                for definition in definitions:
                    cursor.execute(definition)
        outcome.phases["indexes_seconds"] = round(time.perf_counter() - built, 1)
    analysed = time.perf_counter()
    with connection.cursor() as cursor:
        if postgres:
            for table_name in COPY_TABLES:
                cursor.execute(f"VACUUM {table_name}")
        cursor.execute("ANALYZE")  # every table: the address book's too
    outcome.phases["vacuum_analyze_seconds"] = round(time.perf_counter() - analysed, 1)
    outcome.seconds = round(time.perf_counter() - started, 1)
    return outcome


# --------------------------------------------------------------------------- the searches


@dataclass
class Searched:
    """One search's time and what it ran."""

    text: str
    seconds: float
    cpu_seconds: float  # of this process: the selector's Python, without the database's
    hits: int
    statements: list[tuple[float, str, Any]]  # seconds, SQL, parameters


def _search(user: User, scope: SearchScope, text: str) -> tuple[Searched, SearchPage]:
    from django.db import connection

    from inbox.search.queries import SearchQuery
    from inbox.search.selectors import search_for_user

    statements: list[tuple[float, str, Any]] = []

    def timed(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            statements.append((time.perf_counter() - began, sql, params))

    with connection.execute_wrapper(timed):
        began, cpu = time.perf_counter(), time.process_time()
        page = search_for_user(user=user, query=SearchQuery(text=text), scope=scope)
        seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    return Searched(text, seconds, cpu, len(page.hits), statements), page


def word_queries(count: int) -> list[str]:
    """`count` words of the vocabulary, their ranks spaced evenly on a log scale from
    `WORD_RANKS[0]` to `WORD_RANKS[1]`."""
    words = vocabulary(random.Random(SEED))  # noqa: S311 (the seed's own words)
    first, last = WORD_RANKS
    ratio = (last / first) ** (1 / max(1, count - 1))
    found = []
    for n in range(count):
        rank = round(first * ratio**n)
        # a word of the texts as people type it ("it's", "thanks!"): the next plain one
        while not words[rank - 1].isalnum():
            rank += 1
        found.append(words[rank - 1])
    return found


def digit_queries(count: int) -> list[str]:
    """`count` partial numbers as people type them: 3 to 5 digits from somewhere in a
    customer's number, an area code a third of the time."""
    rng = random.Random(SEED + 1)  # noqa: S311 (a seed to repeat, not a secret)
    customers = seed_customers()
    found = []
    for _ in range(count):
        national = rng.choice(customers).number[2:]
        if rng.random() < 1 / 3:
            found.append(national[:3])
            continue
        length = rng.randint(3, 5)
        start = rng.randint(0, len(national) - length)
        found.append(national[start : start + length])
    return found


def _matches(texts: Sequence[str], postgres: bool) -> list[int]:
    """How many Alive messages each word matches in the whole index (PostgreSQL only)."""
    if not postgres:
        return []
    from django.db import connection

    counts = []
    with connection.cursor() as cursor:
        for text in texts:
            cursor.execute(
                "SELECT count(*) FROM inbox_indexedmessage WHERE availability = 'Alive'"
                " AND search_vector @@ to_tsquery('simple', %s)",
                [f"{text}:*"],
            )
            counts.append(int(cursor.fetchone()[0]))
    return counts


def explain(statement: tuple[float, str, Any]) -> list[str]:
    from django.db import connection

    _seconds, sql, params = statement
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        return [str(row[0]) for row in cursor.fetchall()]


def plan_summary(plan: list[str]) -> list[str]:
    """The plan's nodes with their actual times and rows, and its total times: what the docs
    show of it."""
    kept = []
    for line in plan:
        stripped = line.strip()
        if (
            "actual time" in line
            or stripped.startswith(("Execution Time", "Planning Time", "JIT:"))
            or stripped.startswith(("Recheck Cond", "Index Cond", "Sort Key", "Buffers"))
            or stripped.startswith(("Filter:", "Rows Removed by Filter"))
        ):
            text = line.rstrip()
            if len(text) > 200:  # a filter of fifty mailboxes, a list of numbers: in the JSON
                text = f"{text[:160]}… ({len(text):,} characters)"
            kept.append(text)
    return kept


def _figure(seconds: Sequence[float]) -> tuple[str, dict[str, Any], float]:
    summary = summary_ms(seconds)
    p95 = float(summary["p95_ms"])
    text = (
        f"{summary['p50_ms']:.0f}/{p95:.0f}/{summary['max_ms']:.0f} ms"
        f" = {p95 / AIM_MS:.2f}x {AIM_MS:.0f} ms"
    )
    return text, summary, p95


def measure(
    result: Result, messages: int, mailbox_count: int, queries: int, postgres: bool
) -> None:
    from accounts.models import User
    from inbox.conversations.selectors import Mailbox
    from inbox.search.selectors import SearchScope

    admin = User.objects.get(username="bench-search-admin")
    boxes = boxes_of(mailbox_count)
    every = tuple(
        Mailbox(ACCOUNT, b.extension_id, b.extension_number, b.name, is_own=(n == 0))
        for n, b in enumerate(boxes)
    )
    # an agent's search is one of their own mailbox; who searches matters only to the
    # assignee and status filters, which these searches leave out
    admin_scope = SearchScope(every, (), frozenset())
    agent_scope = SearchScope(every[:1], (), frozenset())
    words = word_queries(queries)
    digits = digit_queries(queries)
    for text in [*words[:WARM_UP], *digits[:WARM_UP]]:  # warm: not counted
        _search(admin, admin_scope, text)
    load_before = os.getloadavg()[0]

    per_mailbox = messages // mailbox_count
    cells = (
        ("words_admin", f"one word, {mailbox_count} mailboxes (admin)", admin_scope, words),
        ("number_admin", f"partial number, {mailbox_count} mailboxes (admin)", admin_scope, digits),
        ("words_agent", f"one word, 1 mailbox of {per_mailbox:,} (agent)", agent_scope, words),
        ("number_agent", "partial number, 1 mailbox (agent)", agent_scope, digits),
    )
    slowest: Searched | None = None
    for key, label, scope, texts in cells:
        _say(f"{label}: {len(texts)} searches")
        searched = [_search(admin, scope, text)[0] for text in texts]
        seconds = [s.seconds for s in searched]
        text, summary, p95 = _figure(seconds)
        worst = max(searched, key=lambda s: s.seconds)
        result.figures[key] = {
            **summary,
            "hits_per_page": {
                "min": min(s.hits for s in searched),
                "max": max(s.hits for s in searched),
            },
            "statements_per_search": max(len(s.statements) for s in searched),
            "database_ms": summary_ms([sum(t for t, _, _ in s.statements) for s in searched]),
            "python_cpu_ms": summary_ms([s.cpu_seconds for s in searched]),
            "slowest": [
                {
                    "text": s.text,
                    "ms": round(s.seconds * 1000, 1),
                    "statements_ms": [round(t * 1000, 1) for t, _, _ in s.statements],
                }
                for s in sorted(searched, key=lambda s: -s.seconds)[:5]
            ],
        }
        result.row(
            f"{label}: p50/p95/max",
            text,
            Aim(f"search {key} p95 / {AIM_MS:.0f} ms", p95 / AIM_MS, 1.0),
        )
        if scope is admin_scope and (slowest is None or worst.seconds > slowest.seconds):
            slowest = worst
    load_after = os.getloadavg()[0]
    result.figures["load_average"] = {"before": load_before, "after": load_after}
    result.row(
        "machine: load average (1 min) before/after the searches",
        f"{load_before:.1f}/{load_after:.1f} on {os.cpu_count()} cores",
    )
    counts = _matches(words, postgres)
    if counts:
        ordered = sorted(counts)
        result.figures["word_matches"] = {
            "min": ordered[0],
            "median": ordered[len(ordered) // 2],
            "max": ordered[-1],
        }
        result.row(
            "messages a searched word matches (min/median/max)",
            f"{ordered[0]:,}/{ordered[len(ordered) // 2]:,}/{ordered[-1]:,}",
        )
    if slowest is not None and postgres:
        statement = max(slowest.statements, key=lambda s: s[0])
        plan = explain(statement)
        result.figures["slowest_plan"] = {
            "search": slowest.text,
            "search_ms": round(slowest.seconds * 1000, 1),
            "statement_ms": round(statement[0] * 1000, 1),
            "statements": [round(s[0] * 1000, 1) for s in slowest.statements],
            "plan": plan,
        }
        result.notes.append(
            f"slowest search: {slowest.text!r}, {slowest.seconds * 1000:.0f} ms; its slowest "
            f"statement {statement[0] * 1000:.0f} ms, EXPLAIN (ANALYZE, BUFFERS) again:"
        )
        result.notes.extend(plan_summary(plan))


def run(messages: int, mailbox_count: int, queries: int, url: str, settle: float = 0.0) -> Result:
    """Seed (or re-use) the database at `url` and measure; Django is set up on it already."""
    from django.core.management import call_command
    from django.db import connection, connections

    from inbox.models import IndexedMessage

    result = Result("search")
    postgres = is_postgres(url)
    wanted = signature(messages, mailbox_count)
    held = database_signature(url)
    reuse = held == wanted if postgres else held is not None
    if reuse:
        call_command("migrate", "--noinput", verbosity=0)
        reuse = IndexedMessage.objects.count() == messages
    if reuse:
        outcome = SeedOutcome(reused=True, messages=messages)
        _say(f"re-using the seeded database {_database_name(url) or url}: {messages:,} messages")
    else:
        connections.close_all()
        database_fresh(url)
        call_command("migrate", "--noinput", verbosity=0)
        _say(f"seeding {messages:,} messages in {mailbox_count} mailboxes")
        outcome = seed(messages, mailbox_count, postgres)
        _signature_write(url, wanted)
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_total_relation_size('inbox_indexedmessage'), current_setting("
                "'server_version'), current_setting('shared_buffers')"
            )
            size, version, buffers = cursor.fetchone()
        outcome.table_mb = round(size / 2**20, 1)
        result.figures["postgresql"] = {"version": version, "shared_buffers": buffers}
    result.figures["seed"] = {
        "messages": messages,
        "mailboxes": mailbox_count,
        "customers": CUSTOMERS,
        "reused": outcome.reused,
        "seconds": outcome.seconds,
        **outcome.phases,
        "alive": outcome.alive,
        "conversations": outcome.conversations,
        "contacts": outcome.contacts,
        "messages_table_mb": outcome.table_mb,
    }
    result.row(
        f"seed: {messages:,} messages, {mailbox_count} mailboxes",
        "re-used (seeded before)"
        if outcome.reused
        else f"{outcome.seconds:.0f} s ("
        + ", ".join(f"{k.removesuffix('_seconds')} {v:.0f} s" for k, v in outcome.phases.items())
        + ")",
    )
    settled(settle)
    measure(result, messages, mailbox_count, queries, postgres)
    return result


def settled(seconds: float) -> None:
    """Wait up to `seconds` for the 1-minute load average to fall below the number of cores."""
    cores = os.cpu_count() or 1
    deadline = time.monotonic() + seconds
    said = False
    while os.getloadavg()[0] >= cores and time.monotonic() < deadline:
        if not said:
            _say(f"waiting up to {seconds:.0f} s for the load average to fall below {cores}")
            said = True
        time.sleep(5)


# --------------------------------------------------------------------------- the commands


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.search",
        description="Search's server time over a seeded conversation index (bench/search.py).",
    )
    parser.add_argument("--messages", type=int, default=FULL_MESSAGES)
    parser.add_argument("--mailboxes", type=int, default=MAILBOXES)
    parser.add_argument("--queries", type=int, default=QUERIES, help="searches per measure")
    parser.add_argument(
        "--settle", type=float, default=0.0, metavar="SECONDS",
        help="before the searches, wait up to this long for the machine's 1-minute load "
        "average to fall below its number of cores (a busy machine's figures measure the "
        "machine); the load is reported either way",
    )  # fmt: skip
    parser.add_argument("--json", type=Path, default=BENCH_DIR / "search.json")
    return parser.parse_args(argv)


def as_document(result: Result) -> dict[str, Any]:
    return {
        **result.as_json(),
        "rows": [
            {
                "measure": row.measure,
                "figure": row.figure,
                "aim": None
                if row.aim is None
                else {
                    "what": row.aim.what,
                    "value": row.aim.value,
                    "limit": row.aim.limit,
                    "at_least": row.aim.at_least,
                },
            }
            for row in result.rows
        ],
    }


def of_document(document: dict[str, Any]) -> Result:
    result = Result(
        document["name"],
        figures=document["figures"],
        notes=document["notes"],
        error=document["error"],
    )
    for row in document["rows"]:
        aim = row["aim"]
        result.row(row["measure"], row["figure"], Aim(**aim) if aim else None)
    return result


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    url = database_url(args.messages)
    result = Result("search")
    if not is_postgres(url) and args.messages > SQLITE_MESSAGES_MAX:
        result.notes.append(
            f"not run: {args.messages:,} messages need PostgreSQL (DATABASE_URL=postgres://…);"
            f" on SQLite at most {SQLITE_MESSAGES_MAX:,} (--messages)"
        )
        result.row("search", "not run: needs PostgreSQL (DATABASE_URL=postgres://…)")
    else:
        os.environ.update(
            {
                "DJANGO_SETTINGS_MODULE": "bench.settings",
                "DJANGO_ENV": "development",
                "DJANGO_DEBUG": "false",
                "DJANGO_LOG_LEVEL": "WARNING",
                "DATABASE_URL": url,
                "CELERY_FILESYSTEM_DIR": str(BENCH_DIR / "celery"),
            }
        )
        os.environ.pop("REDIS_URL", None)  # nothing here is cached
        import importlib

        import django

        importlib.import_module("config")
        django.setup()
        try:
            result = run(args.messages, args.mailboxes, args.queries, url, args.settle)
        except Exception as failure:  # noqa: BLE001 (reported as the benchmark's error)
            import traceback

            traceback.print_exc()
            result.error = f"{type(failure).__name__}: {failure}"
    print(table([result]))
    for note in result.notes:
        print(note)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(as_document(result), indent=2, default=str) + "\n")
    return 1 if result.error else 0


def run_apart(messages: int, queries: int, settle: float = 0.0) -> Result:
    """`python -m bench.search` in a process of its own (its own database and settings), for
    the bench's command; its figures read back from its JSON file."""
    path = BENCH_DIR / "search.json"
    path.unlink(missing_ok=True)
    run = subprocess.run(
        [sys.executable, "-m", "bench.search", "--messages", str(messages),
         "--queries", str(queries), "--settle", str(settle), "--json", str(path)],
        cwd=REPO, check=False, stdout=sys.stderr,
    )  # fmt: skip
    if not path.exists():
        return Result("search", error=f"python -m bench.search exited {run.returncode}")
    return of_document(json.loads(path.read_text()))


if __name__ == "__main__":
    raise SystemExit(main())
