"""`python -m emulator ...`: serve the platform and manage its store."""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Sequence

from emulator.config import Config
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
        "--sms-step", type=float, default=1.0, help="seconds an SMS spends Queued, then Sent"
    )
    serve.add_argument(
        "--fax-step", type=float, default=2.0, help="seconds a fax takes to each recipient"
    )
    serve.add_argument(
        "--admin-token", default=None, help="require this X-Emulator-Admin-Token on /_emulator/*"
    )
    serve.set_defaults(handler=run_serve)

    seed = commands.add_parser("seed", help="(re)create the demo account deterministically")
    seed.add_argument("--db", default=DEFAULT_DB, help="SQLite store (default: %(default)s)")
    seed.add_argument("--seed", type=int, default=1, help="random seed of the demo mailbox")
    seed.add_argument(
        "--conversations", type=int, default=200, help="SMS conversations in the demo mailbox"
    )
    seed.set_defaults(handler=run_seed)

    creds = commands.add_parser("credentials", help="print the demo app and users as JSON")
    creds.add_argument("--db", default=DEFAULT_DB, help="SQLite store (default: %(default)s)")
    creds.set_defaults(handler=run_credentials)
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
        sms_step_seconds=args.sms_step,
        fax_step_seconds=args.fax_step,
        admin_token=args.admin_token,
    )
    serve(args.host, args.port, Store(args.db), config)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    result: int = args.handler(args)
    return result
