"""`python -m emulator ...`: serve the platform and manage its store."""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Sequence

from emulator.archive import add_archive_parser
from emulator.config import Config
from emulator.faults import FaultPlan, Latency, throttle_end
from emulator.inject import add_inject_parser
from emulator.limits import DEFAULT_LIMITS, RatePlan
from emulator.store import Store

DEFAULT_DB = "var/emulator.sqlite3"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m emulator", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the platform over HTTP")
    serve.add_argument("--db", default=DEFAULT_DB, help="SQLite store (default: %(default)s)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8090, help="0 picks a free port")
    serve.add_argument("--access-token-ttl", type=int, default=3600, help="seconds")
    serve.add_argument("--refresh-token-ttl", type=int, default=604800, help="seconds")
    serve.add_argument(
        "--auth-code-ttl", type=int, default=60, help="seconds an authorization code is valid"
    )
    serve.add_argument(
        "--sms-step", type=float, default=1.0, help="seconds an SMS spends Queued, then Sent"
    )
    serve.add_argument(
        "--fax-step", type=float, default=2.0, help="seconds a fax takes to each recipient"
    )
    serve.add_argument(
        "--admin-token", default=None, help="require this X-Emulator-Admin-Token on /_emulator/*"
    )
    serve.add_argument(
        "--redirect-uri",
        action="append",
        default=[],
        metavar="URL",
        help="also accept this redirect URI for the demo app (e.g. a test server's); repeatable",
    )
    limits = serve.add_argument_group("rate limits (REFERENCE §14)")
    limits.add_argument(
        "--no-rate-limits", action="store_true", help="switch user-level rate limits off"
    )
    limits.add_argument(
        "--rate-scale",
        type=float,
        default=1.0,
        help="divide the 60 s window and penalty by this (10: a 6 s window) for fast tests",
    )
    limits.add_argument(
        "--rate-limit",
        action="append",
        default=[],
        metavar="GROUP=N",
        help="requests per window for a group (Light, Medium, Heavy, Auth); repeatable",
    )
    limits.add_argument("--rate-window", type=float, default=60.0, help="seconds")
    limits.add_argument("--rate-penalty", type=float, default=60.0, help="seconds")
    hooks = serve.add_argument_group("webhooks (REFERENCE §16.5)")
    hooks.add_argument(
        "--webhook-retry-base", type=float, default=1.0, help="first retry delay, doubling"
    )
    hooks.add_argument(
        "--webhook-max-attempts", type=int, default=5, help="failures before blacklisting"
    )
    hooks.add_argument(
        "--public-url", default=None, help="this server's origin in notification uris"
    )
    faults = serve.add_argument_group("faults on demand (also at run time: /_emulator/faults)")
    faults.add_argument(
        "--latency", default="0", help="added ms: 150, 100-300 (uniform) or 150~40 (normal)"
    )
    faults.add_argument("--error-rate", type=float, default=0.0, help="share answered 503")
    faults.add_argument(
        "--error-every", type=int, default=0, help="answer every Nth request 503 (0: none)"
    )
    faults.add_argument("--hang-rate", type=float, default=0.0, help="share carried out, then held")
    faults.add_argument("--hang-seconds", type=float, default=120.0)
    faults.add_argument(
        "--throttle-seconds",
        type=float,
        default=0.0,
        help="answer every call 429 for this long after starting (Retry-After: the time left)",
    )
    faults.add_argument("--stream-rate", type=int, default=None, help="attachment bytes per second")
    faults.add_argument(
        "--stream-cut", type=int, default=None, help="end attachment streams after N bytes"
    )
    faults.add_argument("--fault-seed", type=int, default=None, help="repeatable fault draws")
    serve.set_defaults(handler=run_serve)

    seed = commands.add_parser("seed", help="(re)create the demo account deterministically")
    seed.add_argument("--db", default=DEFAULT_DB, help="SQLite store (default: %(default)s)")
    seed.add_argument("--seed", type=int, default=1, help="random seed of the demo mailbox")
    seed.add_argument(
        "--conversations",
        type=int,
        default=200,
        help="SMS conversations in the demo users' mailboxes (the team mailboxes add their own)",
    )
    seed.set_defaults(handler=run_seed)

    creds = commands.add_parser("credentials", help="print the demo app and users as JSON")
    creds.add_argument("--db", default=DEFAULT_DB, help="SQLite store (default: %(default)s)")
    creds.set_defaults(handler=run_credentials)

    add_inject_parser(commands, default_db=DEFAULT_DB)
    add_archive_parser(commands, default_db=DEFAULT_DB)
    return parser


def run_seed(args: argparse.Namespace) -> int:
    from emulator.seed import seed

    seed(args.db, seed=args.seed, conversations=args.conversations)
    print(f"seeded {args.db}")
    return 0


def run_credentials(args: argparse.Namespace) -> int:
    from emulator.identity import credentials

    with Store(args.db).read() as db:
        print(json.dumps(credentials(db), indent=2))
    return 0


def run_serve(args: argparse.Namespace) -> int:
    from emulator.server import serve

    logging.basicConfig(level=logging.INFO, format="%(asctime)s emulator %(message)s")
    config = Config(
        access_token_ttl=args.access_token_ttl,
        refresh_token_ttl=args.refresh_token_ttl,
        auth_code_ttl=args.auth_code_ttl,
        sms_step_seconds=args.sms_step,
        fax_step_seconds=args.fax_step,
        admin_token=args.admin_token,
        webhook_retry_base=args.webhook_retry_base,
        webhook_max_attempts=args.webhook_max_attempts,
        **({"public_url": args.public_url.rstrip("/")} if args.public_url else {}),
    )
    store = Store(args.db)
    if args.redirect_uri:
        register_redirect_uris(store, args.redirect_uri)
    serve(
        args.host,
        args.port,
        store,
        config,
        rates=rate_plan(args),
        faults=FaultPlan(
            latency=Latency.parse(args.latency),
            error_rate=args.error_rate,
            error_every=args.error_every,
            hang_rate=args.hang_rate,
            hang_seconds=args.hang_seconds,
            throttle_until=throttle_end(args.throttle_seconds),
            stream_bytes_per_second=args.stream_rate,
            stream_cut_after_bytes=args.stream_cut,
        ),
        fault_seed=args.fault_seed,
    )
    return 0


def register_redirect_uris(store: Store, uris: Sequence[str]) -> None:
    """Add `uris` to the demo app's registered redirect URIs (kept in the store, exact match
    as ever), so a dashboard served on another origin, e.g. a test's live server, can sign in."""
    from emulator.identity import DEMO_CLIENT_ID
    from emulator.store import dumps, loads

    with store.write() as db:
        row = db.execute(
            "SELECT redirect_uris FROM app WHERE client_id = ?", (DEMO_CLIENT_ID,)
        ).fetchone()
        if row is None:
            raise SystemExit(f"--redirect-uri: no {DEMO_CLIENT_ID} app in the store; seed it first")
        registered: list[str] = loads(row["redirect_uris"])
        registered += [uri for uri in dict.fromkeys(uris) if uri not in registered]
        db.execute(
            "UPDATE app SET redirect_uris = ? WHERE client_id = ?",
            (dumps(registered), DEMO_CLIENT_ID),
        )


def rate_plan(args: argparse.Namespace) -> RatePlan:
    limits = dict(DEFAULT_LIMITS)
    for item in args.rate_limit:
        group, sep, value = item.partition("=")
        if not sep or group not in limits or not value.isdigit():
            raise SystemExit(f"--rate-limit takes GROUP=N with GROUP in {sorted(limits)}")
        limits[group] = int(value)
    plan = RatePlan(
        enabled=not args.no_rate_limits,
        limits=limits,
        window=args.rate_window,
        penalty=args.rate_penalty,
    )
    return plan.scaled(args.rate_scale)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    result: int = args.handler(args)
    return result
