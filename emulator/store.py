"""The emulator's persistent state: one SQLite file, one connection per thread.

SQLite in WAL mode lets the threaded server read while one writer commits, and lets
`python -m emulator inject` write into the store of a running server.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE IF NOT EXISTS app (
    client_id TEXT PRIMARY KEY,
    client_secret TEXT NOT NULL,
    name TEXT NOT NULL,
    redirect_uris TEXT NOT NULL,          -- JSON list
    scope TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS account (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    main_number TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS extension (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES account(id),
    extension_number TEXT NOT NULL,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    email TEXT NOT NULL,
    type TEXT NOT NULL DEFAULT 'User',
    status TEXT NOT NULL DEFAULT 'Enabled',
    is_admin INTEGER NOT NULL DEFAULT 0,
    username TEXT UNIQUE,
    password TEXT,
    jwt TEXT UNIQUE,
    created_ts REAL NOT NULL,
    UNIQUE (account_id, extension_number)
);

CREATE TABLE IF NOT EXISTS phone_number (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL,
    extension_id INTEGER REFERENCES extension(id),
    phone_number TEXT NOT NULL UNIQUE,
    features TEXT NOT NULL,               -- JSON list: SmsSender, MmsSender, CallerId, ...
    usage_type TEXT NOT NULL,
    type TEXT NOT NULL,
    label TEXT,
    is_primary INTEGER NOT NULL DEFAULT 0,
    location TEXT
);

CREATE TABLE IF NOT EXISTS auth_request (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    state TEXT,
    code_challenge TEXT,
    code_challenge_method TEXT,
    scope TEXT,
    created_ts REAL NOT NULL
);

CREATE TABLE IF NOT EXISTS auth_code (
    code TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    extension_id INTEGER NOT NULL,
    redirect_uri TEXT NOT NULL,
    code_challenge TEXT,
    code_challenge_method TEXT,
    expires_ts REAL NOT NULL,
    used_ts REAL,
    session_id TEXT
);

CREATE TABLE IF NOT EXISTS oauth_session (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    extension_id INTEGER NOT NULL,
    grant_type TEXT NOT NULL,
    public_client INTEGER NOT NULL DEFAULT 0,
    created_ts REAL NOT NULL,
    revoked_ts REAL
);

CREATE TABLE IF NOT EXISTS access_token (
    token TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES oauth_session(id),
    issued_ts REAL NOT NULL,
    expires_ts REAL NOT NULL,
    first_used_ts REAL,
    dead_ts REAL
);
CREATE INDEX IF NOT EXISTS access_token_session ON access_token(session_id);

CREATE TABLE IF NOT EXISTS refresh_token (
    token TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES oauth_session(id),
    issued_ts REAL NOT NULL,
    expires_ts REAL NOT NULL,
    access_token TEXT NOT NULL,           -- the access token issued together with it
    rotated_ts REAL,                      -- when it was exchanged for the next pair
    next_refresh TEXT                     -- that next pair's refresh token
);
CREATE INDEX IF NOT EXISTS refresh_token_session ON refresh_token(session_id);

CREATE TABLE IF NOT EXISTS message (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL,
    extension_id INTEGER NOT NULL,
    type TEXT NOT NULL,
    direction TEXT NOT NULL,
    conversation_id INTEGER,
    availability TEXT NOT NULL DEFAULT 'Alive',
    read_status TEXT NOT NULL,
    message_status TEXT NOT NULL,
    creation_ts REAL NOT NULL,
    modified_ts REAL NOT NULL,
    numbers TEXT NOT NULL DEFAULT '',     -- ' +1... +1... ': every party's number, for phoneNumber=
    due_ts REAL,                          -- next step of the delivery life; NULL when final
    body TEXT NOT NULL                    -- JSON: from, to, subject and the type-specific fields
);
CREATE INDEX IF NOT EXISTS message_mailbox ON message(extension_id, creation_ts);
CREATE INDEX IF NOT EXISTS message_conversation ON message(extension_id, conversation_id);
CREATE INDEX IF NOT EXISTS message_modified ON message(extension_id, modified_ts);
CREATE INDEX IF NOT EXISTS message_due ON message(due_ts) WHERE due_ts IS NOT NULL;

CREATE TABLE IF NOT EXISTS attachment (
    id INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL REFERENCES message(id),
    position INTEGER NOT NULL,
    type TEXT NOT NULL,
    content_type TEXT NOT NULL,
    file_name TEXT,
    size INTEGER NOT NULL,
    vm_duration INTEGER,
    width INTEGER,
    height INTEGER,
    content BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS attachment_message ON attachment(message_id, position);

-- Every change to a message, in order: the feed for notifications and for inspection.
CREATE TABLE IF NOT EXISTS change_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    ts REAL NOT NULL,
    account_id INTEGER NOT NULL,
    extension_id INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    message_type TEXT NOT NULL,
    direction TEXT NOT NULL,
    kind TEXT NOT NULL                    -- created, updated, deleted
);

CREATE TABLE IF NOT EXISTS subscription (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    extension_id INTEGER NOT NULL,        -- the subscriber
    account_id INTEGER NOT NULL,
    event_filters TEXT NOT NULL,          -- JSON list, `~` rewritten to real ids
    address TEXT NOT NULL,
    verification_token TEXT,
    created_ts REAL NOT NULL,
    expires_ts REAL NOT NULL,
    ttl INTEGER NOT NULL,                 -- the expiresIn asked for, reused on renewal
    status TEXT NOT NULL,                 -- Active, Blacklisted
    blacklisted_ts REAL,
    blacklist_reason TEXT,
    cursor INTEGER NOT NULL               -- last change_log seq turned into notifications
);

-- Notifications waiting for (another) delivery attempt.
CREATE TABLE IF NOT EXISTS notification (
    id INTEGER PRIMARY KEY,
    subscription_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    due_ts REAL NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending', -- pending, sending, delivered, dropped
    last_error TEXT
);
CREATE INDEX IF NOT EXISTS notification_due ON notification(state, due_ts);

-- customers' STOP / START to a number (emulator.optout)
CREATE TABLE IF NOT EXISTS opt_out (
    our_number TEXT NOT NULL,
    customer TEXT NOT NULL,
    opted_out INTEGER NOT NULL,
    changed_ts REAL NOT NULL,
    PRIMARY KEY (our_number, customer)
);

CREATE TABLE IF NOT EXISTS request_log (
    id INTEGER PRIMARY KEY,
    ts REAL NOT NULL,
    extension_id INTEGER,
    client_id TEXT,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    operation TEXT,
    rate_group TEXT,
    status INTEGER NOT NULL
);
"""

FIRST_MESSAGE_ID = 10_000_000_000_000  # above 2**32, as real ids are, to catch int32 clients


class Store:
    """Thread-safe access to the SQLite file: `read()` and `write()` hand out a connection."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._connection().executescript(SCHEMA)  # executescript commits on its own

    def _connection(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA busy_timeout=30000")
            self._local.db = db
        return db

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        yield self._connection()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One transaction that takes the write lock up front, so two writers never deadlock."""
        db = self._connection()
        if db.in_transaction:  # nested: join the outer transaction
            yield db
            return
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None


def next_id(db: sqlite3.Connection, name: str = "message", start: int = FIRST_MESSAGE_ID) -> int:
    """A fresh id from a named counter; call inside `Store.write()`."""
    key = f"next_id:{name}"
    row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    value = int(row["value"]) if row else start
    db.execute(
        "INSERT INTO meta(key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, str(value + 1)),
    )
    return value


def meta_get(db: sqlite3.Connection, key: str) -> str | None:
    row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row["value"])


def meta_set(db: sqlite3.Connection, key: str, value: str) -> None:
    db.execute(
        "INSERT INTO meta(key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def loads(text: str) -> Any:
    return json.loads(text)


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
