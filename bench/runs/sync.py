"""(6) Sync: the dashboard's sync service (`inbox.live.sync.mailbox_sync`) on a mailbox of
many messages — its first sync is an FSync over the inbox's 30-day window — and again after
new messages arrived, an ISync with the stored token; each timed, its RingCentral calls
counted at the emulator. The service runs in this process, on the bench database, with the
mailbox owner's RingCentral session (they signed in like everyone else)."""

from __future__ import annotations

import time

from bench.context import Context
from bench.mailboxes import sync_changes
from bench.report import Result
from emulator.identity import ACCOUNT_ID


def run(ctx: Context) -> Result:
    from inbox.live.sync import mailbox_sync

    result = Result("sync")
    user = ctx.prepared.sync_user
    assert user is not None
    since = time.time()
    started = time.perf_counter()
    full = mailbox_sync(account_id=ACCOUNT_ID, extension_id=user.extension_id)
    full_seconds = time.perf_counter() - started
    time.sleep(0.5)
    full_calls = ctx.emulator.by_operation(since)

    sync_changes(ctx.stack.emulator_db, user, ctx.sizes.sync_changes)
    since = time.time()
    started = time.perf_counter()
    incremental = mailbox_sync(account_id=ACCOUNT_ID, extension_id=user.extension_id)
    incremental_seconds = time.perf_counter() - started
    time.sleep(0.5)
    incremental_calls = ctx.emulator.by_operation(since)
    result.figures = {
        "fsync": {
            "messages_in_mailbox": ctx.sizes.sync_messages,
            "ran": full.ran,
            "full": full.full,
            "records": full.records,
            "seconds": round(full_seconds, 3),
            "calls": full_calls,
        },
        "isync": {
            "changes": ctx.sizes.sync_changes,
            "ran": incremental.ran,
            "full": incremental.full,
            "records": incremental.records,
            "changed": incremental.changed,
            "seconds": round(incremental_seconds, 3),
            "calls": incremental_calls,
        },
        "through": "inbox.live.sync.mailbox_sync",
    }
    result.row(
        f"FSync of {ctx.sizes.sync_messages} messages",
        f"{full_seconds:.2f} s, {sum(full_calls.values())} call(s), {full.records} records",
    )
    result.row(
        f"ISync after {ctx.sizes.sync_changes} new messages",
        f"{incremental_seconds * 1000:.0f} ms, {sum(incremental_calls.values())} call(s), "
        f"{incremental.changed} changed of {incremental.records} records",
    )
    if not full.full or full.records < ctx.sizes.sync_messages:
        result.notes.append(f"the first sync was not a full one of every message: {full}")
    if incremental.full or incremental.changed != ctx.sizes.sync_changes:
        result.notes.append(f"the second sync did not find exactly the changes: {incremental}")
    return result
