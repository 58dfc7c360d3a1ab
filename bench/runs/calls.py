"""(2) RingCentral calls per page view: one user views the list and a thread of an unchanged
mailbox, alternately, on four tabs at once, starting from an empty cache; every request the
emulator logs for that user meanwhile is counted."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from bench.context import Context
from bench.report import Aim, Result
from emulator.identity import ACCOUNT_ID

AIM = 0.01  # calls per view
TABS = 4


def run(ctx: Context) -> Result:
    from inbox.cache import mailbox_cache_drop

    result = Result("calls")
    user = ctx.prepared.users[0]
    browser = ctx.browsers[user.extension_id]
    paths = [
        f"/inbox/{user.extension_id}/",
        f"/inbox/{user.extension_id}/conversations/{ctx.prepared.threads[user.extension_id]}/",
    ]
    views = ctx.sizes.calls_views
    mailbox_cache_drop(account_id=ACCOUNT_ID, extension_id=user.extension_id)
    since = time.time()
    started = time.monotonic()

    def view(n: int) -> int:
        return browser.get(paths[n % 2], phase="calls").status_code

    with ThreadPoolExecutor(max_workers=TABS) as pool:
        statuses = list(pool.map(view, range(views)))
    elapsed = time.monotonic() - started
    time.sleep(0.5)  # the emulator logs a request as it answers it
    by_operation = {
        f"{r['operation']} {r['status']}": r["count"]
        for r in ctx.emulator.request_records(since)
        if r["extensionId"] == user.extension_id
    }
    calls = sum(by_operation.values())
    per_view = calls / views
    result.figures = {
        "views": views,
        "tabs": TABS,
        "seconds": round(elapsed, 2),
        "errors": sum(1 for s in statuses if s != 200),
        "ringcentral_calls": calls,
        "calls_by_operation": by_operation,
        "calls_per_view": round(per_view, 4),
    }
    result.row(
        f"{views} views in {elapsed:.1f} s: RingCentral calls per view",
        f"{calls} calls = {per_view:.4f}",
        Aim("RingCentral calls per view of an unchanged mailbox", per_view, AIM),
    )
    if result.figures["errors"]:
        result.notes.append(f"{result.figures['errors']} views were not answered 200")
    return result
