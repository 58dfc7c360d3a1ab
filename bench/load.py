"""`python -m bench.load` (`make load`): a bounded, headless load test. 50 people work their own
mailboxes for two minutes (bench/locustfile.py: the list, a thread, a reply in one thread of
three, and the pages' own polls) against the production-like stack that `bench.stack` starts:
gunicorn as docker-compose.yml runs it (3 sync workers, config/gunicorn.py), a Celery worker,
PostgreSQL and Redis (from DATABASE_URL and REDIS_URL, as `make bench` reads them), and the
emulator with 150 ms added to every answer and RingCentral's documented rate limits (60 s
window).

Each person is a RingCentral user of their own (extensions 300…, `bench.mailboxes`), signed
in through the real OAuth flow before the clock starts. Prints a table per page (requests,
errors, throughput, client p50/p95/p99 and the server's own p50/p95/p99 from gunicorn's access
log) and writes `var/bench/load.json`. Exits 1 when any request failed.

`--team`: the same people all work one team mailbox instead (`bench.team`): Support Line,
connected by the demo admin with its JWT, every person a member, its index filled before the
clock starts; live updates on as in production (webhook subscriptions, the worker's syncs,
Celery beat). It adds the team extension's RingCentral calls a second (sends aside, by who made
them), its 429s, and the time from an inbound SMS to the message in the conversation index.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

import django

from bench import team as team_mode
from bench.cli import commit, machine, say, sign_everyone_in
from bench.context import QUICK, Context
from bench.mailboxes import ADMIN_EXTENSION, Need, prepare
from bench.measure import Emulator, percentile, server_times, wait_until
from bench.stack import BENCH_DIR, REPO, Stack, StackOptions, web_server_of
from emulator.identity import DEMO_USERS

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
PAGES = ("list", "thread", "reply", "search", "live", "live-refresh", "send-status")
SETTLED = ("submitted", "failed", "needs_review", "cancelled")


class Sample(NamedTuple):
    """One request of the run, as the locustfile records it."""

    page: str
    started: float  # unix time
    milliseconds: float  # the client's: from sending to the whole answer read
    ok: bool


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    parser.add_argument("--users", type=int, default=50, help="people working at once (50)")
    parser.add_argument("--duration", type=int, default=120, help="seconds of work (120)")
    parser.add_argument(
        "--spawn-rate", type=float, default=10.0, help="people starting per second (10)"
    )
    parser.add_argument("--latency", type=int, default=150, metavar="MS")
    parser.add_argument(
        "--rate-scale", type=float, default=1.0,
        help="the emulator's rate windows are 60 s divided by this (1: RingCentral's own)",
    )  # fmt: skip
    parser.add_argument("--web-workers", type=int, default=3)
    parser.add_argument(
        "--web-threads", type=int, default=None,
        help="serve the WSGI application on gthread workers with this many threads each (1: "
        "sync workers), as docker-compose.yml did before; default: the product's uvicorn workers",
    )  # fmt: skip
    parser.add_argument(
        "--reply-share", type=float, default=1 / 3, help="threads answered (one in three)"
    )
    parser.add_argument(
        "--search-share", type=float, default=1 / 4, help="rounds with a search (one in four)"
    )
    parser.add_argument("--seed", type=int, default=1, help="the people's choices")
    parser.add_argument(
        "--team", action="store_true",
        help="everyone works one team mailbox (Support Line), with live updates on",
    )  # fmt: skip
    parser.add_argument("--json", type=Path, default=BENCH_DIR / "load.json")
    parser.add_argument(
        "--embedded", action="store_true",
        help="run without PostgreSQL and Redis (SQLite, file cache): a smoke run, not figures",
    )  # fmt: skip
    return parser.parse_args(argv)


def summary(milliseconds: list[float]) -> dict[str, float]:
    if not milliseconds:
        return {}
    return {
        "p50_ms": round(percentile(milliseconds, 0.50), 1),
        "p95_ms": round(percentile(milliseconds, 0.95), 1),
        "p99_ms": round(percentile(milliseconds, 0.99), 1),
        "max_ms": round(max(milliseconds), 1),
    }


def figures_of(samples: list[Sample], server_ms: list[float], seconds: float) -> dict[str, Any]:
    return {
        "requests": len(samples),
        "errors": sum(1 for s in samples if not s.ok),
        "per_second": round(len(samples) / seconds, 2),
        "client": summary([s.milliseconds for s in samples]),
        "server": summary(server_ms),
    }


def pages_of(
    samples: list[Sample], access_log: Path, seconds: float
) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Per page and for all of them: requests, errors, requests a second over the run, the
    client's percentiles and the server's (gunicorn's time in the worker)."""
    pages: dict[str, dict[str, Any]] = {}
    every_server_ms: list[float] = []
    for page in [*PAGES, *sorted({s.page for s in samples} - set(PAGES))]:
        mine = [s for s in samples if s.page == page]
        if not mine:
            continue
        server_ms = [t * 1000 for t in server_times(access_log, page)]
        every_server_ms += server_ms
        pages[page] = figures_of(mine, server_ms, seconds)
    return pages, figures_of(samples, every_server_ms, seconds)


def table(pages: dict[str, dict[str, Any]], total: dict[str, Any]) -> str:
    head = (
        f"{'page':<13} {'requests':>8} {'errors':>6} {'req/s':>6}  "
        f"{'client p50/p95/p99 ms':>22}  {'server p50/p95/p99 ms':>22}"
    )
    lines = [head, "-" * len(head)]

    def cell(figures: dict[str, float]) -> str:
        if not figures:
            return "-"
        return f"{figures['p50_ms']:.0f}/{figures['p95_ms']:.0f}/{figures['p99_ms']:.0f}"

    for page, figures in [*pages.items(), ("all", total)]:
        lines.append(
            f"{page:<13} {figures['requests']:>8} {figures['errors']:>6} "
            f"{figures['per_second']:>6.1f}  {cell(figures['client']):>22}  "
            f"{cell(figures['server']):>22}"
        )
    return "\n".join(lines)


def run_locust(stack: Stack, args: argparse.Namespace, people: Path, samples: Path) -> int:
    log = BENCH_DIR / "logs" / "locust.log"
    with log.open("wb") as output:
        locust = subprocess.run(
            [
                sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
                "--host", stack.web_url, "--users", str(args.users),
                "--spawn-rate", str(args.spawn_rate), "--run-time", f"{args.duration}s",
                "--stop-timeout", "10", "--only-summary", "--loglevel", "WARNING",
                "--csv", str(BENCH_DIR / "logs" / "locust"),
            ],
            cwd=REPO,
            env={**os.environ, "LOAD_PEOPLE": str(people), "LOAD_SAMPLES": str(samples),
                 "LOAD_SEED": str(args.seed), "LOAD_REPLY_SHARE": str(args.reply_share),
                 "LOAD_SEARCH_SHARE": str(args.search_share)},
            stdout=output, stderr=subprocess.STDOUT, timeout=args.duration + 300, check=False,
        )  # fmt: skip
    return locust.returncode


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    if not args.embedded and not (os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL")):
        print(
            "The load test runs against PostgreSQL and Redis: set DATABASE_URL and REDIS_URL "
            "(e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/x "
            "REDIS_URL=redis://127.0.0.1:6379/0), or pass --embedded for a smoke run.",
            file=sys.stderr,
        )
        return 2
    web_threads, web_worker_class = web_server_of(args.web_threads)
    options = StackOptions(
        latency_ms=args.latency,
        rate_scale=args.rate_scale,
        web_workers=args.web_workers,
        web_threads=web_threads,
        web_worker_class=web_worker_class,
        live_updates=args.team,
        call_log=args.team,
    )
    stack = Stack(options, BENCH_DIR / "emulator.sqlite3")
    need = Need(
        users=args.users,
        own_mailboxes=not args.team,
        team_conversations=team_mode.TEAM_CONVERSATIONS if args.team else 0,
    )
    began = datetime.now(UTC)
    team_figures: dict[str, Any] = {}
    try:
        say(f"preparing {args.users} mailboxes and the database")
        stack.prepare()
        prepared = prepare(stack.emulator_db, need)
        os.environ.update(stack.env())
        importlib.import_module("config")  # its Celery app first, as bench.cli does
        django.setup()
        from django.core.management import call_command

        call_command("migrate", "--noinput", verbosity=0)
        call_command("collectstatic", "--noinput", verbosity=0)
        say("starting the emulator, the web server, a worker" + (" and beat" if args.team else ""))
        stack.start_emulator()
        stack.start_web()
        stack.start_worker()
        if args.team:
            stack.start_beat()
        emulator = Emulator(stack.emulator_url)
        ctx = Context(stack, emulator, prepared, QUICK)
        say(f"signing {args.users} people in")
        admin = {u.extension_id: (u.username, u.password) for u in DEMO_USERS}[ADMIN_EXTENSION]
        sign_everyone_in(ctx, ["pages"], also={ADMIN_EXTENSION: admin} if args.team else None)
        team: team_mode.Team | None = None
        if prepared.team is not None:
            say(f"connecting {prepared.team.first_name} {prepared.team.last_name}, filling indexes")
            team = team_mode.team_connect(
                ctx.browsers.pop(ADMIN_EXTENSION), prepared.team, prepared.users
            )
            team_mode.mailboxes_ready(
                [team.extension_id, ADMIN_EXTENSION, *(u.extension_id for u in prepared.users)]
            )
        people = BENCH_DIR / "logs" / "people.json"
        people.write_text(json.dumps([
            {"extension_id": extension_id, "cookies": dict(browser.http.cookies),
             "mailbox": team.extension_id if team else extension_id}
            for extension_id, browser in ctx.browsers.items()
        ]))  # fmt: skip
        samples_file = BENCH_DIR / "logs" / "samples.json"
        probes = team_mode.ProbesDuringWork(stack, team) if team else None
        since = time.time()
        if probes:
            probes.start()
        say(f"{args.users} people working for {args.duration} s")
        locust_exit = run_locust(stack, args, people, samples_file)
        until = time.time()
        records = emulator.request_records(since)
        during = probes.stop() if probes else []
        say("waiting for the replies to settle")
        figures = settle(stack, emulator, since)
        if team:
            say("timing inbound SMS from the emulator to the index, with nobody working")
            quiet = team_mode.probes_quiet(stack, team, first_number=len(during) + 1)
            team_figures = {
                "name": team.name,
                "extension_id": team.extension_id,
                "members": team.members,
                "conversations": prepared.team_conversations,
                "calls": team_mode.team_calls(stack, team, records, since, until),
                "budget": team_mode.budget_held_back(team),
                "send_waits": team_mode.send_waits(team, since),
                "webhook_during_work": team_mode.probes_summary(during),
                "webhook_quiet": team_mode.probes_summary(quiet),
            }
        rate_plan = emulator.rate_limits()
    finally:
        alive = stack.alive()
        stack.stop()
    samples = [Sample(*s) for s in json.loads(samples_file.read_text())]
    # the people work `duration` seconds; locust's start and stop are not part of it
    pages, total = pages_of(samples, stack.access_log, float(args.duration))
    document = {
        "started": began.isoformat(timespec="seconds"),
        "commit": commit(),
        "machine": machine(),
        "stack": {
            "web": options.web_description,
            "worker": f"celery threads pool x {options.worker_concurrency}",
            "beat": args.team,
            "live_updates": options.live_updates,
            "database": "postgresql" if stack.database_url.startswith("postgres") else "sqlite",
            "redis": bool(stack.redis_url),
            "latency_ms": options.latency_ms,
            "rate_limits": rate_plan,
            "processes_alive_at_end": alive,
        },
        "load": {
            "users": args.users,
            "duration_seconds": args.duration,
            "spawn_rate": args.spawn_rate,
            "reply_share": round(args.reply_share, 3),
            "search_share": round(args.search_share, 3),
            "locust_exit": locust_exit,
        },
        "pages": pages,
        "total": total,
        **figures,
    }
    if team_figures:
        document["team"] = team_figures
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(document, indent=2))
    print(table(pages, total))
    print(
        f"\n{args.users} people, {args.duration} s; replies: {figures['sends_by_status']}; "
        f"RingCentral 429s: {figures['answers_429']}. JSON: {args.json}"
    )
    if team_figures:
        print()
        print(team_mode.team_table(team_figures))
    failed = total["errors"] or locust_exit or not all(alive.values())
    return 1 if failed else 0


def settle(stack: Stack, emulator: Emulator, since: float) -> dict[str, Any]:
    """Waits for the replies to be settled by the worker; what became of them, and what
    RingCentral saw, since the people started."""
    from inbox.models import Send

    sends = Send.objects.all()
    wait_until(lambda: not sends.exclude(status__in=SETTLED).exists(), seconds=120, every=1.0)
    return {
        "sends_by_status": dict(Counter(sends.values_list("status", flat=True))),
        "answers_429": emulator.count(since=since, status=429),
        "ringcentral_calls": emulator.by_operation(since),
    }


if __name__ == "__main__":
    raise SystemExit(main())
