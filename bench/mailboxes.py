"""The emulator store a run starts from: the demo account, plus what the benchmarks need.

* `users` extra agents (extensions 300…), each with a mailbox of the same shape, so that the
  page benchmark's concurrent users are different RingCentral users, each with a rate budget
  of their own, as on a real team;
* the admin's mailbox topped up to exactly `bulk_conversations` conversations (bulk delete);
* a fax of `attachment_mb` MB in the first agent's mailbox (attachment proxy);
* one more agent whose mailbox holds exactly `sync_messages` messages of the last days (sync);
* the team mailbox Support Line (extension 201, the demo's shared number) topped up to
  `team_conversations` SMS conversations within the conversation index's 30-day window (the
  load test's team mode);
* one more agent (extension 398) with the page benchmark's recent conversations and
  `history_messages` SMS older than the index's window, spread over two years and written in
  bulk (`emulator.archive`): the mailbox whose history is back-filled.

Everything goes through `emulator.mailstore.insert_message`, as the emulator's own seed does (or
its bulk twin `emulator.archive.insert_sms_bulk`, which writes the same rows), so lists, sync
tokens and the change feed see the messages like any other.
"""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from emulator.archive import history_plan, insert_sms_bulk
from emulator.identity import (
    ACCOUNT_ID,
    PHONE_NUMBER_IDS,
    TEAM_EXTENSIONS,
    DemoUser,
    jwt_credential,
)
from emulator.mailstore import NewAttachment, insert_message, sms_conversation_id
from emulator.seed import seed
from emulator.store import Store, dumps

ADMIN_EXTENSION = 5_000_000_101
AGENT_EXTENSION = 5_000_000_102
AGENT_NUMBER = "+16505550102"
BENCH_USERS_FROM = 300  # extension numbers of the page benchmark's users (2xx: team mailboxes)
SYNC_USER_NUMBER = 399
HISTORY_USER_NUMBER = 398
HISTORY_DAYS = 730  # the history user's old messages span two years before the window
PAGE_CONVERSATIONS = 60  # conversations in each page-benchmark mailbox, within 30 days
THREAD_MESSAGES = 6  # messages in each of their conversations
SYNC_CONVERSATION_SIZE = 10
TEAM_MAILBOX = TEAM_EXTENSIONS[0]  # Support Line, 201
INDEX_WINDOW_DAYS = 30  # what the conversation index holds (its FSync's window)
DAY = 86400.0


@dataclass(frozen=True)
class Need:
    """What the chosen benchmarks need in the store."""

    users: int = 0
    own_mailboxes: bool = True  # each user's own 60 conversations (not needed in team mode)
    bulk_conversations: int = 0
    attachment_mb: int = 0
    sync_messages: int = 0
    team_conversations: int = 0
    history_messages: int = 0


@dataclass
class Prepared:
    """Ids the benchmarks look things up by."""

    users: list[DemoUser] = field(default_factory=list)
    threads: dict[int, int] = field(default_factory=dict)  # extension id → conversation id
    sync_user: DemoUser | None = None
    fax: tuple[int, int] | None = None  # (message id, attachment id) in the agent's mailbox
    bulk_conversations: int = 0
    team: DemoUser | None = None  # the team mailbox, with its JWT credential
    team_conversations: int = 0  # its SMS conversations within the index's window
    history_user: DemoUser | None = None  # the mailbox with a long history
    history_messages: int = 0  # its messages older than the index's window


def bench_user(number: int, name: str) -> DemoUser:
    return DemoUser(
        5_000_000_000 + number, str(number), "Bench", name, False, f"+1650556{number:04d}"
    )


def _user_add(db: sqlite3.Connection, user: DemoUser, created_ts: float) -> None:
    db.execute(
        "INSERT INTO extension(id, account_id, extension_number, first_name, last_name, email, "
        "type, status, is_admin, username, password, jwt, created_ts) "
        "VALUES (?, ?, ?, ?, ?, ?, 'User', 'Enabled', 0, ?, ?, ?, ?)",
        (user.extension_id, ACCOUNT_ID, user.extension_number, user.first_name, user.last_name,
         user.username, user.username, user.password, jwt_credential(user), created_ts),
    )  # fmt: skip
    db.execute(
        "INSERT INTO phone_number(id, account_id, extension_id, phone_number, features, "
        "usage_type, type, label, is_primary, location) "
        "VALUES (?, ?, ?, ?, ?, 'DirectNumber', 'VoiceFax', 'Direct number', 1, NULL)",
        (PHONE_NUMBER_IDS + int(user.extension_number), ACCOUNT_ID, user.extension_id,
         user.direct_number, dumps(["CallerId", "SmsSender", "MmsSender"])),
    )  # fmt: skip


def _sms(
    db: sqlite3.Connection,
    *,
    extension_id: int,
    own: str,
    other: str,
    text: str,
    at: float,
    inbound: bool,
) -> int:
    body: dict[str, object] = {
        "from": {"phoneNumber": other if inbound else own},
        "to": [{"phoneNumber": own if inbound else other}],
        "subject": text,
        "priority": "Normal",
    }
    return insert_message(
        db, account_id=ACCOUNT_ID, extension_id=extension_id, type="SMS",
        direction="Inbound" if inbound else "Outbound",
        read_status="Unread" if inbound else "Read",
        message_status="Received" if inbound else "Delivered",
        body=body, creation_ts=at, conversation_id=sms_conversation_id([own, other]),
        numbers=[own, other],
        attachments=[NewAttachment("Text", "text/plain", text.encode())],
    )  # fmt: skip


def _page_mailbox(db: sqlite3.Connection, user: DemoUser, now: float) -> int:
    """`PAGE_CONVERSATIONS` conversations of `THREAD_MESSAGES` messages; returns the newest
    conversation's id (the thread the benchmark opens)."""
    newest = 0
    for n in range(PAGE_CONVERSATIONS):
        other = f"+1209{int(user.extension_number):03d}{n:04d}"
        start = now - (n + 1) * DAY / 3
        for m in range(THREAD_MESSAGES):
            _sms(
                db, extension_id=user.extension_id, own=user.direct_number, other=other,
                text=f"Order {n}-{m}: is it on its way? <b>not bold</b> 🙂", at=start + m * 60,
                inbound=m % 2 == 0,
            )  # fmt: skip
        if n == 0:
            newest = sms_conversation_id([user.direct_number, other])
    return newest


def _admin_top_up(db: sqlite3.Connection, want: int, now: float) -> int:
    have: int = db.execute(
        "SELECT COUNT(DISTINCT conversation_id) FROM message WHERE extension_id = ? "
        "AND conversation_id IS NOT NULL AND availability = 'Alive'",
        (ADMIN_EXTENSION,),
    ).fetchone()[0]
    own = "+16505550101"
    for n in range(max(want - have, 0)):
        _sms(
            db, extension_id=ADMIN_EXTENSION, own=own, other=f"+1209{n:07d}",
            text=f"old thread {n}", at=now - 20 * DAY + n, inbound=True,
        )  # fmt: skip
    total: int = db.execute(
        "SELECT COUNT(DISTINCT conversation_id) FROM message WHERE extension_id = ? "
        "AND conversation_id IS NOT NULL AND availability = 'Alive'",
        (ADMIN_EXTENSION,),
    ).fetchone()[0]
    return total


def _team_conversations(db: sqlite3.Connection, team: DemoUser, since: float) -> int:
    found: int = db.execute(
        "SELECT COUNT(DISTINCT conversation_id) FROM message WHERE extension_id = ? "
        "AND type = 'SMS' AND conversation_id IS NOT NULL AND availability = 'Alive' "
        "AND creation_ts >= ?",
        (team.extension_id, since),
    ).fetchone()[0]
    return found


def _team_top_up(db: sqlite3.Connection, team: DemoUser, want: int, now: float) -> int:
    """Conversations of `THREAD_MESSAGES` messages with customers of the team mailbox's own,
    each begun within the last 20 days, until `want` are within the index's window; the
    count there."""
    since = now - INDEX_WINDOW_DAYS * DAY
    missing = max(want - _team_conversations(db, team, since), 0)
    for n in range(missing):
        other = f"+1209201{n:04d}"
        start = now - (n + 1) * 20 * DAY / (missing + 1)
        for m in range(THREAD_MESSAGES):
            _sms(
                db, extension_id=team.extension_id, own=team.direct_number, other=other,
                text=f"Ticket {n}-{m}: any news about my refund?", at=start + m * 90,
                inbound=m % 2 == 0,
            )  # fmt: skip
    return _team_conversations(db, team, since)


def _big_fax(db: sqlite3.Connection, megabytes: int) -> tuple[int, int]:
    content = b"%PDF-1.4\n" + os.urandom(megabytes * 1024 * 1024 - 16) + b"\n%%EOF\n"
    message_id = insert_message(
        db, account_id=ACCOUNT_ID, extension_id=AGENT_EXTENSION, type="Fax",
        direction="Inbound", read_status="Unread", message_status="Received",
        body={"priority": "Normal", "faxResolution": "High", "faxPageCount": 1,
              "from": {"phoneNumber": "+14155550177"}, "subject": "+14155550177"},
        numbers=["+16505550102", "+14155550177"],
        attachments=[NewAttachment("RenderedDocument", "application/pdf", content)],
    )  # fmt: skip
    attachment_id: int = db.execute(
        "SELECT id FROM attachment WHERE message_id = ?", (message_id,)
    ).fetchone()[0]
    return message_id, attachment_id


def _sync_mailbox(db: sqlite3.Connection, user: DemoUser, count: int, now: float) -> None:
    """`count` messages spread over the last 6 days (inside FSync's 7-day frame)."""
    step = 6 * DAY / max(count, 1)
    for n in range(count):
        conversation = n // SYNC_CONVERSATION_SIZE
        _sms(
            db, extension_id=user.extension_id, own=user.direct_number,
            other=f"+1209{conversation:07d}", text=f"sync message {n}",
            at=now - 6 * DAY + n * step, inbound=n % 2 == 0,
        )  # fmt: skip


def _history_mailbox(db: sqlite3.Connection, user: DemoUser, count: int, now: float) -> int:
    """`count` SMS over `HISTORY_DAYS` days, the newest 32 days old (beyond the index's window),
    with 2,000 customers; written in bulk. How many."""
    plan = history_plan(
        count, newest_ts=now - 32 * DAY, days=HISTORY_DAYS, customers=2000, prefix="+1208"
    )
    return len(
        insert_sms_bulk(
            db, account_id=ACCOUNT_ID, extension_id=user.extension_id,
            own=user.direct_number, messages=plan,
        )
    )  # fmt: skip


def sync_changes(db_path: Path, user: DemoUser, count: int) -> None:
    """`count` new inbound messages for the sync user, arriving now."""
    store = Store(db_path)
    try:
        with store.write() as db:
            for n in range(count):
                _sms(
                    db, extension_id=user.extension_id, own=user.direct_number,
                    other=f"+1415{n:07d}", text=f"new message {n}", at=time.time(),
                    inbound=True,
                )  # fmt: skip
    finally:
        store.close()


def prepare(path: Path, need: Need, *, demo_conversations: int = 200) -> Prepared:
    """Seed `path` with the demo account, then add what `need` asks for."""
    path.unlink(missing_ok=True)
    store = seed(path, seed=7, conversations=demo_conversations)
    now = time.time()
    prepared = Prepared()
    try:
        with store.write() as db:
            for n in range(need.users):
                user = bench_user(BENCH_USERS_FROM + n, f"User{n:02d}")
                _user_add(db, user, now - 400 * DAY)
                if need.own_mailboxes:
                    prepared.threads[user.extension_id] = _page_mailbox(db, user, now)
                prepared.users.append(user)
            if need.bulk_conversations:
                prepared.bulk_conversations = _admin_top_up(db, need.bulk_conversations, now)
            if need.attachment_mb:
                prepared.fax = _big_fax(db, need.attachment_mb)
            if need.sync_messages:
                prepared.sync_user = bench_user(SYNC_USER_NUMBER, "Sync")
                _user_add(db, prepared.sync_user, now - 400 * DAY)
                _sync_mailbox(db, prepared.sync_user, need.sync_messages, now)
            if need.history_messages:
                prepared.history_user = bench_user(HISTORY_USER_NUMBER, "History")
                _user_add(db, prepared.history_user, now - 800 * DAY)
                prepared.threads[prepared.history_user.extension_id] = _page_mailbox(
                    db, prepared.history_user, now
                )
                prepared.history_messages = _history_mailbox(
                    db, prepared.history_user, need.history_messages, now
                )
            if need.team_conversations:
                prepared.team = TEAM_MAILBOX
                prepared.team_conversations = _team_top_up(
                    db, TEAM_MAILBOX, need.team_conversations, now
                )
        with store.read() as db:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        store.close()
    return prepared
