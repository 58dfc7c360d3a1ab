"""(6) Sync: an FSync of a mailbox of many messages, then, after new messages arrived, an
ISync with its token, timed and counted at the emulator.

The live-updates work has no sync service in the dashboard yet, so this calls `rcapi`'s
`RingCentralClient.sync_messages` directly, as that service will."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from bench.context import Context
from bench.mailboxes import sync_changes
from bench.report import Result
from rcapi import RingCentralClient


def run(ctx: Context) -> Result:
    result = Result("sync")
    user = ctx.prepared.sync_user
    assert user is not None
    token = ctx.emulator.token(user.username, user.password)
    client = RingCentralClient(
        ctx.stack.emulator_url, token, budget_key=f"ext:{user.extension_id}", timeout=(5, 300)
    )
    with client:
        since = time.time()
        started = time.perf_counter()
        full = client.sync_messages(
            sync_type="FSync", date_from=datetime.now(UTC) - timedelta(days=7)
        )
        full_seconds = time.perf_counter() - started
        full_calls = ctx.emulator.count(since=since, operation="syncMessages")

        sync_changes(ctx.stack.emulator_db, user, ctx.sizes.sync_changes)
        since = time.time()
        started = time.perf_counter()
        changes = client.sync_messages(sync_type="ISync", sync_token=full.sync_token)
        incremental_seconds = time.perf_counter() - started
        incremental_calls = ctx.emulator.count(since=since, operation="syncMessages")
    new_ids = {m.id for m in changes.records}
    result.figures = {
        "fsync": {
            "messages_in_mailbox": ctx.sizes.sync_messages,
            "records": len(full.records),
            "older_records_exist": full.older_records_exist,
            "seconds": round(full_seconds, 3),
            "calls": full_calls,
        },
        "isync": {
            "changes": ctx.sizes.sync_changes,
            "records": len(changes.records),
            "distinct_records": len(new_ids),
            "seconds": round(incremental_seconds, 3),
            "calls": incremental_calls,
        },
        "through": "rcapi.RingCentralClient.sync_messages (no dashboard sync service yet)",
    }
    result.row(
        f"FSync of {ctx.sizes.sync_messages} messages",
        f"{full_seconds:.2f} s, {full_calls} call(s), {len(full.records)} records",
    )
    result.row(
        f"ISync after {ctx.sizes.sync_changes} new messages",
        f"{incremental_seconds * 1000:.0f} ms, {incremental_calls} call(s), "
        f"{len(changes.records)} records",
    )
    if len(full.records) < ctx.sizes.sync_messages:
        result.notes.append(
            f"FSync returned {len(full.records)} records of {ctx.sizes.sync_messages}"
        )
    if len(new_ids) < ctx.sizes.sync_changes:
        result.notes.append(f"ISync returned {len(new_ids)} of {ctx.sizes.sync_changes} changes")
    return result
