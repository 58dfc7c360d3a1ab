"""`python -m bench [--quick] [--only NAME …] [--latency MS] [--rate-scale N]`: start the stack,
sign people in, run the benchmarks, print one table and write the JSON file."""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import django

from bench.browser import Browser
from bench.context import FULL, QUICK, Context, Sizes
from bench.mailboxes import ADMIN_EXTENSION, AGENT_EXTENSION, Need, prepare
from bench.measure import Emulator
from bench.report import Result, table, write_json
from bench.stack import BENCH_DIR, REPO, Stack, StackOptions, web_server_of
from emulator.identity import DEMO_USERS

# in this order: the page benchmarks first, on a quiet machine (and before `index` syncs the
# page users' mailboxes, whose lists then come from the index); bulk delete last, as it
# deletes most of the admin's mailbox
ORDER = (
    "pages", "calls", "proxy", "sync", "index", "sends", "bulk", "history", "push", "presence",
    "search",
)  # fmt: skip
# on a stack of its own, after the others: push needs live updates on, which they must not
# have; presence connects a team mailbox and keeps two browsers polling
OWN_STACK = {"push", "presence"}
# in a process of its own, on a database of its own (seeded once, kept between runs), no stack
APART = {"search"}
USERS_NEEDED = {"pages", "calls", "index"}
SYNC_MAILBOX_NEEDED = {"sync", "index"}
NEEDS_WORKER = {"sends", "bulk"}


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes (CI smoke, development)")
    parser.add_argument(
        "--only", action="append", choices=ORDER, metavar="NAME",
        help=f"run only this benchmark (repeatable): {', '.join(ORDER)}",
    )  # fmt: skip
    parser.add_argument(
        "--latency", type=int, default=150, metavar="MS",
        help="added to every emulator answer: the modelled RingCentral round trip (150)",
    )  # fmt: skip
    parser.add_argument(
        "--rate-scale", type=float, default=10.0,
        help="the emulator's rate windows are 60 s divided by this (10: 6 s); 0 turns the "
        "rate limits off",
    )  # fmt: skip
    parser.add_argument("--web-workers", type=int, default=3)
    parser.add_argument(
        "--web-threads", type=int, default=None,
        help="serve the WSGI application on gthread workers with this many threads each (1: "
        "sync workers), as docker-compose.yml did before; default: the product's uvicorn workers",
    )  # fmt: skip
    parser.add_argument("--worker-concurrency", type=int, default=8)
    parser.add_argument("--json", type=Path, default=BENCH_DIR / "results.json")
    parser.add_argument(
        "--size", action="append", default=[], metavar="NAME=N",
        help=f"change one size (repeatable): {', '.join(f.name for f in fields(Sizes))}",
    )  # fmt: skip
    return parser.parse_args(argv)


def sizes_of(args: argparse.Namespace) -> Sizes:
    sizes = QUICK if args.quick else FULL
    for item in args.size:
        name, _, value = item.partition("=")
        if name not in {f.name for f in fields(Sizes)} or not value.isdigit():
            names = ", ".join(f.name for f in fields(Sizes))
            raise SystemExit(f"--size {item}: give NAME=N, NAME one of {names}")
        sizes = replace(sizes, **{name: int(value)})
    return sizes


def need_of(chosen: list[str], sizes: Sizes) -> Need:
    return Need(
        users=sizes.users if USERS_NEEDED & set(chosen) else 0,
        bulk_conversations=sizes.bulk_conversations if "bulk" in chosen else 0,
        attachment_mb=sizes.attachment_mb if "proxy" in chosen else 0,
        sync_messages=sizes.sync_messages if SYNC_MAILBOX_NEEDED & set(chosen) else 0,
        history_messages=sizes.history_messages if "history" in chosen else 0,
    )


def sign_everyone_in(
    ctx: Context, chosen: list[str], *, also: Mapping[int, tuple[str, str]] | None = None
) -> None:
    """Sign in the people the `chosen` benchmarks need, and `also` these (extension id:
    username, password)."""
    people: dict[int, tuple[str, str]] = dict(also or {})
    if USERS_NEEDED & set(chosen):
        people.update({u.extension_id: (u.username, u.password) for u in ctx.prepared.users})
    demo = {u.extension_id: u for u in DEMO_USERS}
    if {"proxy", "sends"} & set(chosen):
        people[AGENT_EXTENSION] = (demo[AGENT_EXTENSION].username, demo[AGENT_EXTENSION].password)
    if SYNC_MAILBOX_NEEDED & set(chosen) and ctx.prepared.sync_user is not None:
        sync_user = ctx.prepared.sync_user
        people[sync_user.extension_id] = (sync_user.username, sync_user.password)
    if "bulk" in chosen:
        people[ADMIN_EXTENSION] = (demo[ADMIN_EXTENSION].username, demo[ADMIN_EXTENSION].password)
    if "history" in chosen and ctx.prepared.history_user is not None:
        history_user = ctx.prepared.history_user
        people[history_user.extension_id] = (history_user.username, history_user.password)
    ctx.passwords.update(people)

    def sign_in(item: tuple[int, tuple[str, str]]) -> None:
        extension_id, (username, password) = item
        browser = Browser(ctx.stack.web_url, username=username, password=password)
        browser.sign_in()
        ctx.browsers[extension_id] = browser

    # The emulator counts the sign-in page (`/oauth/authorize`, no user known yet) against
    # the caller's address: every sign-in of the bench would share one Auth budget of 5 a
    # window. Signing in is setup, not a figure: the Auth limit is lifted meanwhile, and the
    # plan put back (its counters start again) before the first benchmark.
    plan = ctx.emulator.rate_limits()
    ctx.emulator.rate_limits_set({"limits": {**plan["limits"], "Auth": 10_000}})
    try:
        with ThreadPoolExecutor(max_workers=6) as pool:
            list(pool.map(sign_in, people.items()))
    finally:
        ctx.emulator.rate_limits_set({"limits": plan["limits"]})


def runner(name: str) -> Callable[[Context], Result]:
    from bench.runs import bulk, calls, history, index, pages, proxy, sends, sync

    runs: dict[str, Callable[[Context], Result]] = {
        "pages": pages.run,
        "calls": calls.run,
        "proxy": proxy.run,
        "sync": sync.run,
        "index": index.run,
        "sends": sends.run,
        "bulk": bulk.run,
        "history": history.run,
    }
    return runs[name]


def commit() -> str:
    """The commit measured (with `+` when the tree has changes)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True,
            check=True,
        ).stdout.strip()  # fmt: skip
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO,
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return ""
    return head + ("+" if dirty else "")


def machine() -> dict[str, Any]:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "system": platform.platform(),
    }


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    sizes = sizes_of(args)
    chosen = [name for name in ORDER if not args.only or name in args.only]
    web_threads, web_worker_class = web_server_of(args.web_threads)
    options = StackOptions(
        latency_ms=args.latency,
        rate_scale=args.rate_scale,
        web_workers=args.web_workers,
        web_threads=web_threads,
        web_worker_class=web_worker_class,
        worker_concurrency=args.worker_concurrency,
    )
    stack = Stack(options, BENCH_DIR / "emulator.sqlite3")
    began = datetime.now(UTC)
    results: list[Result] = []
    rate_plan: dict[str, Any] = {}
    on_main = [name for name in chosen if name not in OWN_STACK | APART]
    try:
        say(f"preparing the store and the database ({', '.join(on_main or chosen)})")
        stack.prepare()
        prepared = prepare(stack.emulator_db, need_of(chosen, sizes))
        os.environ.update(stack.env())
        # `config` first: its Celery app reads the settings, and bench.settings imports
        # config.settings, which must not be the first import of the package
        importlib.import_module("config")
        django.setup()
        from django.core.management import call_command

        call_command("migrate", "--noinput", verbosity=0)
        call_command("collectstatic", "--noinput", verbosity=0)
        if on_main:
            with_worker = bool(NEEDS_WORKER & set(chosen))
            say("starting the emulator, the web server" + (" and a worker" if with_worker else ""))
            stack.start_emulator()
            stack.start_web()
            if with_worker:
                stack.start_worker()
            emulator = Emulator(stack.emulator_url)
            ctx = Context(stack, emulator, prepared, sizes)
            sign_everyone_in(ctx, on_main)
            for name in on_main:
                say(f"running {name}")
                started = time.monotonic()
                try:
                    result = runner(name)(ctx)
                except Exception as failure:  # noqa: BLE001 (one broken benchmark must not hide the others)
                    result = Result(name, error=f"{type(failure).__name__}: {failure}")
                    traceback.print_exc()
                result.figures["benchmark_seconds"] = round(time.monotonic() - started, 1)
                results.append(result)
            rate_plan = emulator.rate_limits()
    finally:
        alive = stack.alive()
        stack.stop()

    def apart(name: str, about: str, run: Callable[[], Result]) -> None:
        """A benchmark with a stack (or a process) of its own, timed, its failure reported
        like the others'."""
        say(f"running {name} ({about})")
        started = time.monotonic()
        try:
            result = run()
        except Exception as failure:  # noqa: BLE001 (reported like the others' failures)
            result = Result(name, error=f"{type(failure).__name__}: {failure}")
            traceback.print_exc()
        result.figures["benchmark_seconds"] = round(time.monotonic() - started, 1)
        results.append(result)

    if "push" in chosen:
        from bench import push

        apart(
            "push",
            "a stack of its own, live updates on",
            lambda: push.run(options, sizes.push_probes),
        )
    if "presence" in chosen:
        from bench import presence

        apart(
            "presence",
            "a stack of its own, two people in one team conversation",
            lambda: presence.run(options, sizes.presence_rounds),
        )
    if "search" in chosen:
        from bench import search

        apart(
            "search",
            "a process and a database of its own",
            lambda: search.run_apart(
                sizes.search_messages, sizes.search_queries, settle=0 if args.quick else 180
            ),
        )
    print()
    print(table(results))
    header = {
        "started": began.isoformat(timespec="seconds"),
        "quick": args.quick,
        "commit": commit(),
        "machine": machine(),
        "stack": {
            "latency_ms": options.latency_ms,
            "rate_limits": rate_plan,
            "rate_scale": options.rate_scale,
            "web": options.web_description,
            "worker": f"celery threads pool x {options.worker_concurrency}",
            "database": "postgresql" if stack.database_url.startswith("postgres") else "sqlite",
            "redis": bool(stack.redis_url),
            "processes_alive_at_end": alive,
        },
        "sizes": asdict(sizes),
    }
    write_json(args.json, header, results)
    print(
        f"\nRate limits: {rate_plan.get('limits')} per {rate_plan.get('window')} s "
        f"(--rate-scale {options.rate_scale:g}); latency {options.latency_ms} ms. "
        f"JSON: {args.json}"
    )
    return 1 if any(r.error for r in results) else 0


def say(text: str) -> None:
    print(f"[bench {datetime.now(UTC):%H:%M:%S}] {text}", file=sys.stderr, flush=True)
