"""(1) Page latency: the conversation list and a thread, at one user and at every user at once,
with the inbox cache emptied before each view (cold) or filled (warm), against one bare
`ListMessages` call made straight at the emulator in the same run; then the two parts the
workspace asks for as a person works (a thread pane opened beside the list, the list pane
beside a thread opened by a link), warm.

Each concurrent user is a different RingCentral user viewing their own mailbox, on a thread
of their own, so "cold" stays cold: nobody else fills that mailbox's cache meanwhile. The
server's time and CPU time are the application's own figures per answer (`Server-Timing`,
config/server_timing.py); the client's time on loopback is kept beside them.
"""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import requests

from bench.context import Context
from bench.measure import summary_ms
from bench.report import Aim, Result
from emulator.identity import ACCOUNT_ID, DemoUser

WARM_AIM = 0.06  # x one RingCentral round trip, one person
CROWD_AIM = 0.5  # x one RingCentral round trip, every person at once (warm)
COLD_AIM = 1.2
# the parts htmx asks for: the header names the element the answer fills
PANE_HEADERS = {
    "thread-pane": {"HX-Request": "true", "HX-Target": "thread-pane"},
    "list-pane": {"HX-Request": "true", "HX-Target": "list-pane"},
}


def bare_round_trip(ctx: Context, user: DemoUser, count: int) -> list[float]:
    """`count` ListMessages calls, one after another, as the list page asks for them."""
    from inbox.conversations.queries import PAGE_SIZE

    token = ctx.emulator.token(user.username, user.password)
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {token}"
    since = (datetime.now(UTC) - timedelta(days=30)).strftime("%Y-%m-%dT00:00:00.000Z")
    url = f"{ctx.stack.emulator_url}/restapi/v1.0/account/~/extension/~/message-store"
    params = {"distinctConversations": "true", "dateFrom": since, "perPage": str(PAGE_SIZE)}
    times: list[float] = []
    for _ in range(count):
        started = time.perf_counter()
        answer = http.get(url, params=params, timeout=60)
        _ = answer.content
        times.append(time.perf_counter() - started)
        answer.raise_for_status()
    return times


def page_path(ctx: Context, page: str, user: DemoUser) -> str:
    base = f"/inbox/{user.extension_id}/"
    if page in ("list", "list-pane"):
        return base
    return f"{base}conversations/{ctx.prepared.threads[user.extension_id]}/"


def server_timing(answer: requests.Response) -> tuple[float, float] | None:
    """(application ms, CPU ms) from the answer's `Server-Timing`."""
    found = dict(re.findall(r"(\w+);dur=([\d.]+)", answer.headers.get("Server-Timing", "")))
    if "app" not in found or "cpu" not in found:
        return None
    return float(found["app"]), float(found["cpu"])


@dataclass
class Cell:
    client: list[float] = field(default_factory=list)  # seconds
    server_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)


def cell(ctx: Context, *, page: str, cold: bool, lanes: list[list[DemoUser]], phase: str) -> Cell:
    """All lanes at once; each lane views `page` as each of its users in turn, one view
    after another."""
    from inbox.cache import mailbox_cache_drop

    headers = PANE_HEADERS.get(page, {})

    def one_lane(lane: list[DemoUser]) -> Cell:
        found = Cell()
        for user in lane:
            if cold:
                mailbox_cache_drop(account_id=ACCOUNT_ID, extension_id=user.extension_id)
            started = time.perf_counter()
            answer = ctx.browsers[user.extension_id].get(
                page_path(ctx, page, user), phase=phase, headers=headers
            )
            found.client.append(time.perf_counter() - started)
            found.statuses.append(answer.status_code)
            timing = server_timing(answer)
            if timing is not None:
                found.server_ms.append(timing[0])
                found.cpu_ms.append(timing[1])
        return found

    if not cold:  # fill each mailbox's cache first (not measured)
        for user in {u.extension_id: u for lane in lanes for u in lane}.values():
            ctx.browsers[user.extension_id].get(
                page_path(ctx, page, user), phase="prime", headers=headers
            )
    with ThreadPoolExecutor(max_workers=len(lanes)) as pool:
        answers = list(pool.map(one_lane, lanes))
    total = Cell()
    for answer in answers:
        total.client += answer.client
        total.server_ms += answer.server_ms
        total.cpu_ms += answer.cpu_ms
        total.statuses += answer.statuses
    return total


def run(ctx: Context) -> Result:
    result = Result("pages")
    users = ctx.prepared.users
    # by the last user: its Light budget is free again long before its turn comes
    bare = bare_round_trip(ctx, users[-1], ctx.sizes.bare_calls)
    round_trip = sorted(bare)[len(bare) // 2]
    result.figures["bare_list_messages"] = summary_ms(bare)
    result.row("bare ListMessages at the emulator, p50", f"{round_trip * 1000:.0f} ms")
    cells: dict[str, object] = {}
    # One user at a time: each view by the next user in turn, so that no one user's rate
    # budget (Light: 2 calls a cold view) runs dry and makes the views wait for slots.
    # Every user at once: each on a lane of their own.
    one_at_a_time = [[users[n % len(users)] for n in range(ctx.sizes.views_single)]]
    all_at_once = [[user] * ctx.sizes.views_per_user for user in users]
    plan = [
        (concurrency, lanes, page, cold)
        for concurrency, lanes in ((1, one_at_a_time), (len(users), all_at_once))
        for page in ("list", "thread")
        for cold in (True, False)
    ] + [(1, one_at_a_time, pane, False) for pane in PANE_HEADERS]
    for concurrency, lanes, page, cold in plan:
        state = "cold" if cold else "warm"
        phase = f"pages-{page}-{state}-c{concurrency}"
        since = time.time()
        found = cell(ctx, page=page, cold=cold, lanes=lanes, phase=phase)
        calls = ctx.emulator.count(since=since, operation="listMessages")
        server = summary_ms([ms / 1000 for ms in found.server_ms])
        cpu = summary_ms([ms / 1000 for ms in found.cpu_ms])
        on_client = summary_ms(found.client)
        errors = sum(1 for s in found.statuses if s != 200)
        cells[phase] = {
            "concurrency": concurrency,
            "views": len(found.client),
            "errors": errors,
            "client": on_client,
            "server": server,
            "cpu": cpu,
            "list_messages_calls_per_view": round(calls / max(len(found.client), 1), 3),
        }
        if errors:
            result.notes.append(f"{phase}: {errors} answers were not 200")
        if not server["n"]:
            result.notes.append(f"{phase}: no Server-Timing in the answers")
            continue
        p95 = server["p95_ms"] / 1000
        aim = COLD_AIM if cold else (WARM_AIM if concurrency == 1 else CROWD_AIM)
        result.row(
            f"{page} {state} c={concurrency}: server p50/p95 (client p95), CPU p50",
            f"{server['p50_ms']:.0f}/{server['p95_ms']:.0f} ms "
            f"({on_client['p95_ms']:.0f} ms) = {p95 / round_trip:.2f}x RT; "
            f"CPU {cpu['p50_ms']:.1f} ms",
            Aim(f"{phase} server p95 / RingCentral round trip", p95 / round_trip, aim),
        )
    result.figures["round_trip_ms"] = round(round_trip * 1000, 1)
    result.figures["cells"] = cells
    return result
