"""Helpers of the history tests: old messages written into the emulator in bulk, a mailbox's
chain of steps run here one after another, and what RingCentral and the index hold of it."""

from __future__ import annotations

import time
from datetime import datetime

from accounts.models import User
from emulator.archive import OldSms, insert_sms_bulk
from emulator.store import Store
from inbox.history.services import WALK, Step, history_step
from inbox.models import IndexedMessage, MailboxSync
from tests.support.emulator import RunningEmulator

DAY = 86400.0


def mailbox_of(user: User) -> tuple[int, int]:
    assert user.rc_account_id is not None and user.rc_extension_id is not None
    return user.rc_account_id, user.rc_extension_id


def state_of(user: User) -> MailboxSync:
    account_id, extension_id = mailbox_of(user)
    return MailboxSync.objects.get(account_id=account_id, extension_id=extension_id)


def own_number(running: RunningEmulator, extension_id: int) -> str:
    with Store(running.db_path).read() as db:
        row = db.execute(
            "SELECT phone_number FROM phone_number WHERE extension_id = ? "
            "ORDER BY is_primary DESC, id",
            (extension_id,),
        ).fetchone()
    return str(row["phone_number"])


def old_messages(running: RunningEmulator, user: User, messages: list[OldSms]) -> list[int]:
    """`messages` written into the user's mailbox at RingCentral, at once; their ids."""
    account_id, extension_id = mailbox_of(user)
    store = Store(running.db_path)
    try:
        with store.write() as db:
            return insert_sms_bulk(
                db,
                account_id=account_id,
                extension_id=extension_id,
                own=own_number(running, extension_id),
                messages=messages,
            )
    finally:
        store.close()


def spread(count: int, *, newest_days_ago: float, days: float, customers: int = 7) -> list[OldSms]:
    """`count` SMS over `days` days, the newest `newest_days_ago` days ago."""
    newest = time.time() - newest_days_ago * DAY
    step = days * DAY / max(count, 1)
    return [
        OldSms(
            other=f"+1209555{n % customers:04d}",
            text=f"Old message {n}",
            created_ts=newest - n * step,
            inbound=n % 2 == 0,
        )
        for n in range(count)
    ]


def walk(user: User, *, phase: str = WALK, limit: int = 500) -> list[Step]:
    """Every step of the mailbox's chain from `phase` on, run here one after another, as the
    worker runs them (their countdowns, which pace the worker, are not waited for here)."""
    account_id, extension_id = mailbox_of(user)
    steps: list[Step] = []
    page = 1
    while True:
        step = history_step(
            account_id=account_id, extension_id=extension_id, phase=phase, page=page
        )
        steps.append(step)
        if step.next_phase is None:
            return steps
        assert len(steps) < limit, steps[-5:]
        phase, page = step.next_phase, step.next_page


def at_ringcentral(
    running: RunningEmulator, user: User, *, before: datetime | None = None
) -> dict[int, str]:
    """The user's messages RingCentral holds (every availability), created before `before`:
    id → availability."""
    _, extension_id = mailbox_of(user)
    query = "SELECT id, availability FROM message WHERE extension_id = ? AND creation_ts <= ?"
    params: list[float | int] = [extension_id, time.time()]
    if before is not None:
        query += " AND creation_ts < ?"
        params.append(before.timestamp())
    with Store(running.db_path).read() as db:
        return {row["id"]: row["availability"] for row in db.execute(query, params)}


def in_index(user: User, *, before: datetime | None = None) -> dict[int, str]:
    """The user's messages the index holds, created before `before`: id → availability."""
    account_id, extension_id = mailbox_of(user)
    rows = IndexedMessage.objects.filter(account_id=account_id, extension_id=extension_id)
    if before is not None:
        rows = rows.filter(created_at__lt=before)
    return dict(rows.values_list("message_id", "availability"))
