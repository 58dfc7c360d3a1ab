"""`python -m emulator seed`: (re)create the demo account and its mailboxes, deterministically.

The same `--seed` and `--conversations` give the same messages (ids, texts, attachments,
order); times are ages before an anchor, the start of the current hour, so the demo always
looks recent. Everything is written in one transaction, which keeps large seeds fast.
"""

from __future__ import annotations

from pathlib import Path

from emulator import clock
from emulator.demo import build_demo_mailbox
from emulator.identity import seed_identity
from emulator.store import Store, meta_set

TABLES = (
    "notification", "subscription", "change_log", "attachment", "message", "refresh_token",
    "access_token", "oauth_session", "auth_code", "auth_request", "phone_number", "extension",
    "account", "app", "request_log", "meta",
)  # fmt: skip


def reset(store: Store) -> None:
    with store.write() as db:
        for table in TABLES:
            db.execute(f"DELETE FROM {table}")  # noqa: S608 (fixed names)  # nosec B608


def seed(path: str | Path, *, seed: int = 1, conversations: int = 200) -> Store:
    """Empty the store and create the demo account with its mailboxes."""
    store = Store(path)
    reset(store)
    anchor = clock.now() // 3600 * 3600
    with store.write() as db:
        seed_identity(db, created_ts=anchor - 400 * 86400)
        build_demo_mailbox(db, seed=seed, conversations=conversations, anchor=anchor)
        meta_set(db, "seed", str(seed))
    with store.read() as db:  # fold the write-ahead log in, so the file can be copied alone
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return store
