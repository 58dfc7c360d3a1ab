"""(7) The conversation index (`index`): the conversation list of synced mailboxes, and the
FSync that fills a mailbox's index.

Every page-benchmark user's mailbox is synced first, by the dashboard's sync service run in the
bench process (`inbox.live.sync.mailbox_sync`; the live tasks are off in the bench stack):
each first sync is an FSync that fills the mailbox's index. Then each user views their list
cold (the mailbox's inbox cache dropped before every view, as in the page benchmark), one user
at a time and every user at once, while every request the emulator serves is counted. The
round trip (RT) is measured as the page benchmark measures it, in the same run.

Then the 10,000-message mailbox: its index and sync state removed, one FSync timed from the
call to a ready index (the index's own part apart), and its list viewed cold.
"""

from __future__ import annotations

import time

from bench.context import Context
from bench.measure import summary_ms
from bench.report import Aim, Result
from bench.runs.pages import bare_round_trip, cell
from emulator.identity import ACCOUNT_ID, DemoUser

LIST_AIM = 0.2  # x one RingCentral round trip
CALLS_AIM = 0.0  # RingCentral calls per view of an indexed mailbox
FSYNC_AIM = 3.0  # seconds from the FSync call to a ready index, 10,000 messages


def _sync(user: DemoUser) -> tuple[float, float, int, bool]:
    """Seconds of one sync of the user's mailbox, of which the index's, its records, full."""
    from inbox.live.sync import mailbox_sync

    started = time.perf_counter()
    outcome = mailbox_sync(account_id=ACCOUNT_ID, extension_id=user.extension_id)
    return time.perf_counter() - started, outcome.index_seconds, outcome.records, outcome.full


def _index_forget(user: DemoUser) -> None:
    from inbox.models import IndexedConversation, IndexedMessage, MailboxSync

    mailbox = {"account_id": ACCOUNT_ID, "extension_id": user.extension_id}
    IndexedMessage.objects.filter(**mailbox).delete()
    IndexedConversation.objects.filter(**mailbox).delete()
    MailboxSync.objects.filter(**mailbox).delete()


def _view_cell(
    ctx: Context,
    result: Result,
    lanes: list[list[DemoUser]],
    *,
    phase: str,
    label: str,
    round_trip: float,
    page: str = "list",
) -> dict[str, object]:
    since = time.time()
    found = cell(ctx, page=page, cold=True, lanes=lanes, phase=phase)
    client, statuses = found.client, found.statuses
    time.sleep(0.5)  # the emulator logs a request as it answers it
    calls = ctx.emulator.by_operation(since)
    server = summary_ms([ms / 1000 for ms in found.server_ms])
    views = len(client)
    per_view = sum(calls.values()) / max(views, 1)
    errors = sum(1 for s in statuses if s != 200)
    if errors:
        result.notes.append(f"{phase}: {errors} answers were not 200")
    figures: dict[str, object] = {
        "views": views,
        "errors": errors,
        "client": summary_ms(client),
        "server": server,
        "ringcentral_calls": calls,
        "calls_per_view": round(per_view, 4),
    }
    if not server["n"]:
        result.notes.append(f"{phase}: no Server-Timing in the answers")
        return figures
    p95 = server["p95_ms"] / 1000
    aimed = page == "list"
    result.row(
        f"{label}: server p50/p95 (client p95)",
        f"{server['p50_ms']:.0f}/{server['p95_ms']:.0f} ms "
        f"({summary_ms(client)['p95_ms']:.0f} ms) = {p95 / round_trip:.2f}x RT",
        Aim(f"{phase} server p95 / RingCentral round trip", p95 / round_trip, LIST_AIM)
        if aimed
        else None,
    )
    result.row(
        f"{label}: RingCentral calls per view",
        f"{sum(calls.values())} calls / {views} views",
        Aim(f"{phase} RingCentral calls per view", per_view, CALLS_AIM) if aimed else None,
    )
    return figures


def run(ctx: Context) -> Result:
    result = Result("index")
    users = ctx.prepared.users
    sync_user = ctx.prepared.sync_user
    assert sync_user is not None
    bare = bare_round_trip(ctx, users[-1], ctx.sizes.bare_calls)
    round_trip = sorted(bare)[len(bare) // 2]
    result.figures["bare_list_messages"] = summary_ms(bare)
    result.figures["round_trip_ms"] = round(round_trip * 1000, 1)
    result.row("bare ListMessages at the emulator, p50 (RT)", f"{round_trip * 1000:.0f} ms")

    fills = [_sync(user) for user in users]
    result.figures["page_mailboxes_fsync_seconds"] = summary_ms([f[0] for f in fills])
    if not all(f[3] for f in fills):
        result.notes.append("a page user's first sync was not a full one")

    cells: dict[str, object] = {}
    one_at_a_time = [[users[n % len(users)] for n in range(ctx.sizes.views_single)]]
    all_at_once = [[user] * ctx.sizes.views_per_user for user in users]
    cells["index-list-cold-c1"] = _view_cell(
        ctx, result, one_at_a_time, phase="index-list-cold-c1", label="list cold c=1",
        round_trip=round_trip,
    )  # fmt: skip
    phase = f"index-list-cold-c{len(users)}"
    cells[phase] = _view_cell(
        ctx, result, all_at_once, phase=phase, label=f"list cold c={len(users)}",
        round_trip=round_trip,
    )  # fmt: skip

    # threads stay on RingCentral (through the cache): what a cold one costs beside the list
    cells["index-thread-cold-c1"] = _view_cell(
        ctx, result, one_at_a_time, phase="index-thread-cold-c1", label="thread cold c=1",
        round_trip=round_trip, page="thread",
    )  # fmt: skip

    _index_forget(sync_user)
    seconds, index_seconds, records, full = _sync(sync_user)
    result.figures["fsync"] = {
        "messages_in_mailbox": ctx.sizes.sync_messages,
        "records": records,
        "full": full,
        "seconds": round(seconds, 3),
        "index_seconds": round(index_seconds, 3),
    }
    result.row(
        f"FSync of {records} messages to a ready index (index part)",
        f"{seconds:.2f} s ({index_seconds:.2f} s)",
        Aim("FSync call to a ready index, seconds", seconds, FSYNC_AIM),
    )
    if not full or records < ctx.sizes.sync_messages:
        result.notes.append(f"the sync was not a full one of every message: {records}, {full}")
    big = [[sync_user] * ctx.sizes.views_single]
    cells["index-list-cold-big-c1"] = _view_cell(
        ctx, result, big, phase="index-list-cold-big-c1",
        label=f"list cold c=1, {records}-message mailbox", round_trip=round_trip,
    )  # fmt: skip
    result.figures["cells"] = cells
    return result
