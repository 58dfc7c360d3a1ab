"""(4) Bulk delete: an admin previews "all conversations" of their mailbox (every date),
confirms with the typed count, and the worker deletes them with `DeleteMessagesByFilter`,
50 conversation ids a call; calls made against ⌈N/50⌉, the job's pace against the Medium
limit, and the 429s the emulator answered."""

from __future__ import annotations

import math
import time
from collections import Counter

from bench.context import Context
from bench.mailboxes import ADMIN_EXTENSION
from bench.measure import wait_until
from bench.report import Aim, Result

RATE_AIM = 0.95
PER_CALL = 50


def run(ctx: Context) -> Result:
    from inbox.models import BulkDeleteJob

    result = Result("bulk")
    admin = ctx.browsers[ADMIN_EXTENSION]
    plan = ctx.emulator.rate_limits()
    limit, window = int(plan["limits"]["Medium"]), float(plan["window"])

    preview = admin.post(
        f"/inbox/{ADMIN_EXTENSION}/bulk/preview/",
        phase="bulk",
        data={"all_matching": "1", "start": "2000-01-01"},
    )
    if preview.status_code != 302 or "/bulk/" not in preview.headers.get("Location", ""):
        result.error = f"the preview answered {preview.status_code}"
        return result
    job_id = int(preview.headers["Location"].rstrip("/").split("/")[-1])
    job = BulkDeleteJob.objects.get(pk=job_id)
    conversations = job.conversation_count

    since = time.time()
    confirm = admin.post(
        f"/inbox/{ADMIN_EXTENSION}/bulk/{job_id}/confirm/",
        phase="bulk",
        data={"typed_count": str(conversations)},
    )
    if confirm.status_code != 302:
        result.error = f"the confirmation answered {confirm.status_code}"
        return result
    finished = wait_until(
        lambda: BulkDeleteJob.objects.get(pk=job_id).status in ("done", "failed", "cancelled"),
        seconds=math.ceil(conversations / PER_CALL) / limit * window * 3 + 120,
        every=0.5,
    )
    job.refresh_from_db()
    time.sleep(1.0)
    served = ctx.emulator.request_records(since)
    deletes = sum(
        r["count"]
        for r in served
        if r["operation"] == "deleteMessageByFilter" and int(r["status"]) < 300
    )
    rejected = sum(r["count"] for r in served if int(r["status"]) == 429)
    minimum = math.ceil(conversations / PER_CALL)
    if job.started_at and job.finished_at:
        elapsed = (job.finished_at - job.started_at).total_seconds()
    else:
        elapsed = float("inf")
    allowed = deletes / limit * window
    rate_ratio = allowed / elapsed if elapsed else 0.0
    result.figures = {
        "conversations": conversations,
        "messages": job.message_count,
        "status": job.status,
        "finished": finished,
        "done": job.done_count,
        "failed": job.failed_count,
        "delete_calls": deletes,
        "minimum_calls": minimum,
        "elapsed_seconds": round(elapsed, 2),
        # the job sends one call at a time: its own pace is one call per this many seconds
        "seconds_per_call": round(elapsed / deletes, 3) if deletes else None,
        "medium_limit": limit,
        "window_seconds": window,
        "limit_pace_seconds": round(allowed, 2),
        "rate_ratio": round(rate_ratio, 3),
        "answers_429": rejected,
        "calls_by_operation": dict(
            Counter({f"{r['operation']} {r['status']}": r["count"] for r in served})
        ),
    }
    result.row(
        f"{conversations} conversations ({job.message_count} messages): {job.status}",
        f"{elapsed:.1f} s; the limit's pace {allowed:.1f} s (Medium {limit} per {window:g} s)",
    )
    result.row(
        "DeleteMessagesByFilter calls",
        f"{deletes} (⌈N/50⌉ = {minimum})",
        Aim("|delete calls - ⌈N/50⌉|", abs(deletes - minimum), 0),
    )
    result.row(
        "delete rate / Medium limit",
        f"{rate_ratio:.3f}",
        Aim("bulk delete rate / Medium limit", rate_ratio, RATE_AIM, at_least=True),
    )
    result.row("429 answers", str(rejected), Aim("429 answers while deleting", rejected, 0))
    if job.failed_count:
        result.notes.append(f"{job.failed_count} conversations failed: {job.last_error}")
    return result
