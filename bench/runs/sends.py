"""(3) Send throughput: many SMS queued at once through the sending API
(`POST /api/mailboxes/<ext>/sms/`, each with its own Idempotency-Key), drained by the worker
inside the Medium limit; the drain rate against the limit's pace, the 429s the emulator
answered, and duplicates counted in the emulator's own store."""

from __future__ import annotations

import json
import math
import sqlite3
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from bench.context import Context
from bench.mailboxes import AGENT_EXTENSION, AGENT_NUMBER
from bench.measure import wait_until
from bench.report import Aim, Result

RATE_AIM = 0.95  # x the Medium limit
POSTERS = 8
CUSTOMER = "+16505550199"
SETTLED = ("submitted", "failed", "needs_review", "cancelled")


def stored_texts(db_path: str, prefix: str) -> Counter[str]:
    """Outbound SMS of the agent in the emulator's store whose text starts with `prefix`."""
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        rows = db.execute(
            "SELECT body FROM message WHERE extension_id = ? AND direction = 'Outbound' "
            "AND type = 'SMS'",
            (AGENT_EXTENSION,),
        ).fetchall()
    finally:
        db.close()
    texts = (json.loads(row[0]).get("subject", "") for row in rows)
    return Counter(t for t in texts if t.startswith(prefix))


def run(ctx: Context) -> Result:
    from inbox.models import Send

    result = Result("sends")
    count = ctx.sizes.sms
    browser = ctx.browsers[AGENT_EXTENSION]
    plan = ctx.emulator.rate_limits()
    limit, window = int(plan["limits"]["Medium"]), float(plan["window"])
    prefix = f"Bench {uuid.uuid4().hex[:8]} #"
    path = f"/api/mailboxes/{AGENT_EXTENSION}/sms/"
    sender = AGENT_NUMBER

    def post(n: int) -> int:
        answer = browser.post(
            path,
            phase="sends",
            json={"from_number": sender, "to": [CUSTOMER], "text": f"{prefix}{n}"},
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        return answer.status_code

    since = time.time()
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=POSTERS) as pool:
        statuses = list(pool.map(post, range(count)))
    queued_in = time.monotonic() - started
    sends = Send.objects.filter(text__startswith=prefix)
    allowed = count / limit * window  # at the limit's pace
    fastest = (math.ceil(count / limit) - 1) * window  # a full window at once, then the pace
    settled = wait_until(
        lambda: sends.filter(status__in=SETTLED).count() >= count,
        seconds=allowed * 3 + 120,
        every=1.0,
    )
    by_status = Counter(sends.values_list("status", flat=True))
    last = max((s for s in sends.values_list("submitted_at", flat=True) if s), default=None)
    drained = last.timestamp() - since if last else float("inf")
    rate_ratio = allowed / drained
    time.sleep(1.0)
    rejected = ctx.emulator.count(since=since, status=429)
    stored = stored_texts(str(ctx.stack.emulator_db), prefix)
    duplicates = sum(n - 1 for n in stored.values() if n > 1)
    result.figures = {
        "sms": count,
        "accepted": sum(1 for s in statuses if s == 201),
        "api_answers": dict(Counter(statuses)),
        "queued_in_seconds": round(queued_in, 2),
        "settled": settled,
        "by_status": dict(by_status),
        "medium_limit": limit,
        "window_seconds": window,
        "limit_allows_seconds": round(allowed, 2),
        "limit_fastest_seconds": round(fastest, 2),
        "ratio_to_fastest": round(fastest / drained, 3),
        "drained_seconds": round(drained, 2),
        "drain_rate_per_minute": round(count / drained * 60, 1),
        "limit_rate_per_minute": round(limit / window * 60, 1),
        "rate_ratio": round(rate_ratio, 3),
        "answers_429": rejected,
        "stored": sum(stored.values()),
        "duplicates": duplicates,
        "missing": count - len(stored),
        "calls_by_operation": ctx.emulator.by_operation(since),
    }
    result.row(
        f"{count} SMS: drained in (the limit allows)",
        f"{drained:.1f} s ({allowed:.1f} s; Medium {limit} per {window:g} s)",
    )
    result.row(
        "drain rate / Medium limit",
        f"{rate_ratio:.3f}",
        Aim("send drain rate / Medium limit", rate_ratio, RATE_AIM, at_least=True),
    )
    result.row("429 answers", str(rejected), Aim("429 answers while sending", rejected, 0))
    result.row(
        "duplicates (missing)",
        f"{duplicates} ({count - len(stored)})",
        Aim("SMS stored twice at the emulator", duplicates, 0),
    )
    if by_status.get("submitted", 0) != count:
        result.notes.append(f"not every send was submitted: {dict(by_status)}")
    return result
