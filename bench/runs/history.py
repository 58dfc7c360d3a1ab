"""(8) History back-fill (`history`, `inbox.history`): how fast the index takes back-filled
pages, and a whole mailbox's back-fill at RingCentral's documented limits beside the pages of
the same mailbox.

**Ingest.** `inbox.index.services.index_history_apply` timed over `history_pages` pages of
1,000 records (as the walk gives them, newest first, of every availability a mailbox holds)
into a mailbox whose window the index already holds, twice: the messages spread over 2,000
customers (1,000 threads touched by every page), then all of them in one thread, which grows
to 100,000 messages (a page must not read a thread's other messages back). Records are made
here, shaped as the emulator gives them; only the index's writes are timed. Aim: ≥ 5,000
messages a second.

**Back-fill.** The history user's mailbox at the emulator holds `history_messages` SMS older
than the sync's window (written in bulk by `emulator.archive`) and 60 recent conversations.
The emulator's rate plan is set to the documented limits for the run (Light 50 a 60 s window,
penalty 60 s), whatever `--rate-scale` says. The user's first sync fills the window; then a
person works the mailbox: every `PAGE_EVERY` seconds, `history_views` times before the
back-fill and as many times while it runs, they open cold (the mailbox's inbox cache dropped
first) the conversation list of a window older than the whole history — read from
RingCentral, a `listMessages` call of the user's Light lane, until the back-fill is done — and
the newest thread. Beside each round, the same `listMessages` straight at the emulator as
another user (a lane of its own): the emulator's own answer time, which the machine's load
moves as much as the page's. The back-fill runs in this process, one step after another with
the countdown each step chose (the service the worker's task chain runs, paced by the same
shared rate budget when Redis is set). Figures: the walk's duration and calls, 429 answers at
the emulator (aim 0), and each page's server p95 during the back-fill over before
(aim ≤ 1.25).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from bench.context import Context
from bench.mailboxes import ADMIN_EXTENSION
from bench.measure import summary_ms
from bench.report import Aim, Result
from emulator.identity import ACCOUNT_ID, DEMO_USERS

INGEST_AIM = 5000.0  # messages a second into the index during a back-fill
P95_AIM = 1.25  # the thread page's p95 while the back-fill runs, over before
PAGE = 1000
INGEST_EXTENSION = 5_000_000_397  # a mailbox of the index only: no RingCentral user
OWN_NUMBER = "+16505560397"
PAGE_EVERY = 6.0  # seconds between two rounds of views of the person working the mailbox
DOCUMENTED = {"Light": 50, "Medium": 40, "Heavy": 10, "Auth": 5}


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _record(message_id: int, customer: int, created: datetime) -> dict[str, Any]:
    """An SMS record as `listMessages` gives it (emulator.mailstore.message_record)."""
    other = f"+1209{customer:07d}"
    inbound = message_id % 2 == 0
    ours = {"phoneNumber": OWN_NUMBER}
    theirs = {"phoneNumber": other, "name": f"Customer {customer}"}
    href = (
        f"http://emulator/restapi/v1.0/account/{ACCOUNT_ID}/extension/{INGEST_EXTENSION}"
        f"/message-store/{message_id}"
    )
    conversation = 4_611_686_018_427_387_904 + customer
    return {
        "uri": href,
        "id": message_id,
        "extensionId": str(INGEST_EXTENSION),
        "to": [ours if inbound else theirs],
        "from": theirs if inbound else ours,
        "type": "SMS",
        "creationTime": _iso(created),
        "readStatus": "Unread" if inbound and message_id % 7 == 0 else "Read",
        "priority": "Normal",
        "attachments": [
            {"id": message_id + 1, "uri": f"{href}/content/{message_id + 1}", "type": "Text",
             "contentType": "text/plain"}
        ],
        "direction": "Inbound" if inbound else "Outbound",
        "availability": "Deleted" if message_id % 97 == 0 else "Alive",
        "subject": f"Old message {message_id}: is my order {customer} on its way?",
        "messageStatus": "Received" if inbound else "Delivered",
        "conversationId": conversation,
        "conversation": {"id": str(conversation), "uri": f"http://emulator/conversation/{conversation}"},
        "lastModifiedTime": _iso(created),
    }  # fmt: skip


def _ingest(pages: int, customers: int) -> tuple[float, int]:
    """Seconds `index_history_apply` took for `pages` pages into a fresh mailbox, and the
    messages written."""
    from inbox.history.services import statistics_due
    from inbox.index.services import index_apply, index_history_apply
    from inbox.models import IndexedConversation, IndexedMessage, MailboxSync
    from rcapi import Message

    mailbox = {"account_id": ACCOUNT_ID, "extension_id": INGEST_EXTENSION}
    for model in (IndexedMessage, IndexedConversation, MailboxSync):
        model.objects.filter(**mailbox).delete()
    window = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    window -= timedelta(days=30)
    index_apply(
        account_id=ACCOUNT_ID,
        extension_id=INGEST_EXTENSION,
        full=True,
        window_start=window,
        records=[Message.from_json(_record(1_000_000_000_000, 0, window + timedelta(hours=1)))],
    )
    written = 0
    seconds = 0.0
    next_id = 2_000_000_000_000
    cursor = window
    for number in range(1, pages + 1):
        records = []
        for n in range(PAGE):
            created = cursor - timedelta(minutes=7 * (n + 1))
            records.append(Message.from_json(_record(next_id, n % customers, created)))
            next_id += 2
        cursor -= timedelta(minutes=7 * PAGE)
        started = time.perf_counter()
        # as the walk does it (`inbox.history.services._walk`), statistics refreshed included
        outcome = index_history_apply(
            **mailbox,
            records=records,
            down_to=cursor + timedelta(microseconds=1),
            refresh_statistics=statistics_due(number),
        )
        seconds += time.perf_counter() - started
        written += outcome.written
    for model in (IndexedMessage, IndexedConversation, MailboxSync):
        model.objects.filter(**mailbox).delete()
    return seconds, written


def _ingest_rows(ctx: Context, result: Result) -> None:
    from django.db import connection

    pages = ctx.sizes.history_pages
    for label, customers in (("2,000 customers", 2000), ("one thread", 1)):
        seconds, written = _ingest(pages, customers)
        rate = written / seconds if seconds else 0.0
        result.figures[f"ingest_{'spread' if customers > 1 else 'one_thread'}"] = {
            "pages": pages,
            "messages": written,
            "seconds": round(seconds, 3),
            "messages_per_second": round(rate),
            "database": connection.vendor,
        }
        result.row(
            f"ingest: {pages} pages of 1,000, {label} ({connection.vendor})",
            f"{written:,} messages in {seconds:.2f} s = {rate:,.0f} msg/s",
            Aim(f"history ingest ({label}) messages a second", rate, INGEST_AIM, at_least=True),
        )


@dataclass
class Views:
    """Server seconds of the person's views, by page, and of the bare `listMessages` call
    beside each round (the emulator's own answer time, which the machine's load moves too)."""

    old_list: list[float] = field(default_factory=list)
    thread: list[float] = field(default_factory=list)
    bare: list[float] = field(default_factory=list)


def _views(ctx: Context, user: Any, count: int, phase: str) -> Views:
    """`count` rounds, one every `PAGE_EVERY` seconds, each cold (the mailbox's inbox cache
    dropped first): the conversation list over a window older than the whole history, which
    is read from RingCentral (a Light call of the user's) until the back-fill is done, then
    the newest thread."""
    from bench.runs.pages import server_timing
    from inbox.cache import mailbox_cache_drop

    today = datetime.now(UTC).date()
    window = {
        "start": (today - timedelta(days=800)).isoformat(),
        "end": (today - timedelta(days=780)).isoformat(),
    }
    browser = ctx.browsers[user.extension_id]
    pages: tuple[tuple[str, str, dict[str, str]], ...] = (
        ("old_list", f"/inbox/{user.extension_id}/", window),
        ("thread", f"/inbox/{user.extension_id}/conversations/"
                   f"{ctx.prepared.threads[user.extension_id]}/", {}),
    )  # fmt: skip
    # the same query straight at the emulator, by another user (a Light lane of their own)
    admin = next(u for u in DEMO_USERS if u.extension_id == ADMIN_EXTENSION)
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {ctx.emulator.token(admin.username, admin.password)}"
    bare_url = f"{ctx.stack.emulator_url}/restapi/v1.0/account/~/extension/~/message-store"
    bare_params = {
        "distinctConversations": "true",
        "dateFrom": f"{window['start']}T00:00:00.000Z",
        "dateTo": f"{window['end']}T23:59:59.999Z",
        "perPage": "25",
    }
    found = Views()
    for _ in range(count):
        started = time.monotonic()
        began = time.perf_counter()
        bare = http.get(bare_url, params=bare_params, timeout=60)
        _ = bare.content
        found.bare.append(time.perf_counter() - began)
        for name, path, params in pages:
            mailbox_cache_drop(account_id=ACCOUNT_ID, extension_id=user.extension_id)
            answer = browser.get(path, phase=f"{phase}-{name}", params=params)
            if answer.status_code != 200:
                raise RuntimeError(f"{phase}: {path} answered {answer.status_code}")
            timing = server_timing(answer)
            if timing is not None:
                getattr(found, name).append(timing[0] / 1000)
        time.sleep(max(0.0, PAGE_EVERY - (time.monotonic() - started)))
    return found


def _back_fill(account_id: int, extension_id: int, stop: threading.Event) -> dict[str, Any]:
    """The chain of steps, one after another, each after the countdown the previous chose."""
    from inbox.history.services import WALK, history_step

    phase: str | None = WALK
    page = 1
    statuses: dict[str, int] = {}
    started = time.monotonic()
    while phase is not None and not stop.is_set():
        step = history_step(
            account_id=account_id, extension_id=extension_id, phase=phase, page=page
        )
        statuses[step.status] = statuses.get(step.status, 0) + 1
        phase, page = step.next_phase, step.next_page
        if phase is not None:
            stop.wait(step.countdown)
    return {"seconds": time.monotonic() - started, "steps": statuses}


def _back_fill_rows(ctx: Context, result: Result) -> None:
    from django.db import close_old_connections

    from inbox.live.sync import mailbox_sync
    from inbox.models import MailboxSync

    user = ctx.prepared.history_user
    assert user is not None
    plan = ctx.emulator.rate_limits()
    ctx.emulator.rate_limits_set(
        {"limits": DOCUMENTED, "window": 60.0, "penalty": 60.0, "enabled": True}
    )
    try:
        mailbox_sync(account_id=ACCOUNT_ID, extension_id=user.extension_id)
        views = ctx.sizes.history_views
        before = _views(ctx, user, views, "history-thread-before")
        since = time.time()
        stop = threading.Event()
        outcome: dict[str, Any] = {}

        def run() -> None:
            try:
                outcome.update(_back_fill(ACCOUNT_ID, user.extension_id, stop))
            finally:
                close_old_connections()

        walker = threading.Thread(target=run, name="back-fill")
        walker.start()
        during = _views(ctx, user, views, "history-thread-during")
        walker.join(timeout=3600)
        stop.set()
        time.sleep(1.0)  # the emulator logs a request as it answers it
        calls = ctx.emulator.by_operation(since)
    finally:
        ctx.emulator.rate_limits_set(
            {"limits": plan["limits"], "window": plan["window"], "penalty": plan["penalty"],
             "enabled": plan["enabled"]}
        )  # fmt: skip
    state = MailboxSync.objects.get(account_id=ACCOUNT_ID, extension_id=user.extension_id)
    rate_limited = sum(n for key, n in calls.items() if key.endswith(" 429"))
    seconds = float(outcome.get("seconds", 0.0))
    result.figures["back_fill"] = {
        "messages_in_mailbox": ctx.prepared.history_messages,
        "messages_back_filled": state.history_messages,
        "done": state.history_done_at is not None,
        "calls": state.history_calls,
        "seconds": round(seconds, 1),
        "steps": outcome.get("steps", {}),
        "emulator_calls": calls,
        "rate_limited_429": rate_limited,
        "limits": DOCUMENTED,
        "window_seconds": 60.0,
        "rounds_every_seconds": PAGE_EVERY,
        "pages": {},
    }
    result.row(
        f"back-fill of {ctx.prepared.history_messages:,} messages at Light 50/min",
        f"{state.history_messages:,} in {seconds:.0f} s, {state.history_calls} calls, "
        f"{'done' if state.history_done_at else 'NOT DONE'}",
    )
    result.row(
        "back-fill: 429 answers at the emulator",
        str(rate_limited),
        Aim("history back-fill 429 answers", rate_limited, 0),
    )
    rt_before, rt_during = summary_ms(before.bare), summary_ms(during.bare)
    rt_ratio = rt_during["p95_ms"] / rt_before["p95_ms"] if rt_before.get("p95_ms") else 0.0
    result.figures["back_fill"]["bare_list_messages"] = {
        "before": rt_before, "during": rt_during, "p95_ratio": round(rt_ratio, 3)
    }  # fmt: skip
    result.row(
        "bare ListMessages (another user) p95 during / before",
        f"{rt_during.get('p95_ms', 0):.0f} / {rt_before.get('p95_ms', 0):.0f} ms = {rt_ratio:.2f}",
    )
    for name, label in (("old_list", "list of an older window (RingCentral)"),
                        ("thread", "thread")):  # fmt: skip
        first, then = summary_ms(getattr(before, name)), summary_ms(getattr(during, name))
        ratio = then["p95_ms"] / first["p95_ms"] if first.get("p95_ms") else 0.0
        result.figures["back_fill"]["pages"][name] = {
            "before": first, "during": then, "p95_ratio": round(ratio, 3)
        }  # fmt: skip
        result.row(
            f"{label} cold, server p95 during / before the back-fill",
            f"{then.get('p95_ms', 0):.0f} / {first.get('p95_ms', 0):.0f} ms = {ratio:.2f}",
            Aim(f"history {name} p95 during / before", ratio, P95_AIM),
        )
    if state.history_done_at is None:
        result.notes.append("the back-fill did not finish")


def run(ctx: Context) -> Result:
    result = Result("history")
    _ingest_rows(ctx, result)
    _back_fill_rows(ctx, result)
    return result
