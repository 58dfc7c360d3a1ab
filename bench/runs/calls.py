"""(2) RingCentral calls per page view: one user views the list and a thread of an unchanged
mailbox, alternately, starting from an empty cache; every request the emulator logs for that
user meanwhile is counted. Once in one tab (one view after another), once in four tabs at
once, where views that find the cache empty at the same moment each ask RingCentral."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bench.context import Context
from bench.report import Aim, Result
from emulator.identity import ACCOUNT_ID

AIM = 0.01  # calls per view


def views_counted(ctx: Context, tabs: int) -> dict[str, Any]:
    from inbox.cache import mailbox_cache_drop

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
        return browser.get(paths[n % 2], phase=f"calls-{tabs}").status_code

    with ThreadPoolExecutor(max_workers=tabs) as pool:
        statuses = list(pool.map(view, range(views)))
    elapsed = time.monotonic() - started
    time.sleep(0.5)  # the emulator logs a request as it answers it
    by_operation = {
        f"{r['operation']} {r['status']}": r["count"]
        for r in ctx.emulator.request_records(since)
        if r["extensionId"] == user.extension_id
    }
    calls = sum(by_operation.values())
    return {
        "views": views,
        "tabs": tabs,
        "seconds": round(elapsed, 2),
        "errors": sum(1 for s in statuses if s != 200),
        "ringcentral_calls": calls,
        "calls_by_operation": by_operation,
        "calls_per_view": round(calls / views, 4),
    }


def run(ctx: Context) -> Result:
    result = Result("calls")
    for tabs in (1, 4):
        figures = views_counted(ctx, tabs)
        result.figures[f"tabs_{tabs}"] = figures
        per_view = figures["ringcentral_calls"] / figures["views"]
        result.row(
            f"{figures['views']} views, {tabs} tab(s), {figures['seconds']:.1f} s: calls per view",
            f"{figures['ringcentral_calls']} calls = {per_view:.4f}",
            Aim(f"RingCentral calls per view, {tabs} tab(s)", per_view, AIM),
        )
        if figures["errors"]:
            result.notes.append(f"{tabs} tab(s): {figures['errors']} views were not answered 200")
    return result
