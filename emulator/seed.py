"""`python -m emulator seed`: (re)create the demo account, deterministically."""

from __future__ import annotations

from pathlib import Path

from emulator import clock
from emulator.identity import seed_identity
from emulator.store import Store, meta_set

TABLES = (
    "change_log", "attachment", "message", "refresh_token", "access_token", "oauth_session",
    "auth_code", "auth_request", "phone_number", "extension", "account", "app", "request_log",
    "meta",
)  # fmt: skip


def reset(store: Store) -> None:
    with store.write() as db:
        for table in TABLES:
            db.execute(f"DELETE FROM {table}")  # noqa: S608 (fixed names)


def seed(path: str | Path, *, seed: int = 1, conversations: int = 200) -> Store:
    """Empty the store and create the demo account with its mailboxes."""
    store = Store(path)
    reset(store)
    now = clock.now()
    with store.write() as db:
        seed_identity(db, created_ts=now - 400 * 86400)
        meta_set(db, "seed", str(seed))
    with store.read() as db:  # fold the write-ahead log in, so the file can be copied alone
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return store
