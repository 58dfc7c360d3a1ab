"""A mailbox's long history, written in bulk: tens of thousands of old SMS in a second or two,
for benchmarks and tests of clients that read a whole mailbox (`python -m emulator archive`).

`insert_message` (emulator.mailstore) writes one message at a time: an id from the counter, the
row, its attachments, its change-log entry — four statements a message. Here the ids come from
the same counter in one reservation and each table gets one `executemany`, so 100,000
messages take a few seconds instead of a minute. The rows are the same as `insert_message`
writes (an SMS with its `Text` attachment, its numbers, its conversation), and every message
gets its `created` change-log entry, dated at its creation, so lists, message sync and the
change feed see them like any other message.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emulator import clock
from emulator.identity import sms_numbers
from emulator.inject import InjectError, find_extension
from emulator.mailstore import digits, sms_conversation_id
from emulator.store import FIRST_MESSAGE_ID, Store, dumps

DAY = 86400.0


@dataclass(frozen=True)
class OldSms:
    """One SMS of the history: between the mailbox's `own` number and `other`."""

    other: str
    text: str
    created_ts: float
    inbound: bool
    availability: str = "Alive"
    read: bool | None = None  # None: received ones unread, sent ones read


def ids_reserve(db: sqlite3.Connection, count: int, name: str = "message") -> int:
    """The first of `count` fresh ids of a named counter (as `store.next_id` hands them out one
    at a time); call inside `Store.write()`."""
    key = f"next_id:{name}"
    row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    first = int(row["value"]) if row else FIRST_MESSAGE_ID
    db.execute(
        "INSERT INTO meta(key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, str(first + count)),
    )
    return first


def insert_sms_bulk(
    db: sqlite3.Connection,
    *,
    account_id: int,
    extension_id: int,
    own: str,
    messages: Sequence[OldSms],
) -> list[int]:
    """Write `messages` into the extension's mailbox at once; their ids, in order. Call inside
    `Store.write()` (one transaction keeps it fast)."""
    if not messages:
        return []
    first = ids_reserve(db, 2 * len(messages))  # a message id and its attachment's
    message_rows: list[tuple[Any, ...]] = []
    attachment_rows: list[tuple[Any, ...]] = []
    change_rows: list[tuple[Any, ...]] = []
    ids: list[int] = []
    threads: dict[str, tuple[int, str, str]] = {}  # correspondent: conversation, numbers, JSON
    ours = dumps({"phoneNumber": own})
    for n, sms in enumerate(messages):
        message_id, attachment_id = first + 2 * n, first + 2 * n + 1
        read = sms.read if sms.read is not None else not sms.inbound
        thread = threads.get(sms.other)
        if thread is None:
            parties = sorted({digits(own), digits(sms.other)} - {""})
            thread = threads[sms.other] = (
                sms_conversation_id([own, sms.other]),
                " " + " ".join(parties) + " ",
                dumps({"phoneNumber": sms.other}),
            )
        # the body `insert_message` would store, {"from", "to", "subject", "priority"}, put
        # together from its parts' JSON (a dumps of the whole, 100,000 times, is half the time)
        sender, recipient = (thread[2], ours) if sms.inbound else (ours, thread[2])
        body = (
            f'{{"from":{sender},"to":[{recipient}],"subject":{dumps(sms.text)},'
            '"priority":"Normal"}'
        )
        direction = "Inbound" if sms.inbound else "Outbound"
        message_rows.append(
            (
                message_id, account_id, extension_id, "SMS", direction, thread[0],
                sms.availability, "Read" if read else "Unread",
                "Received" if sms.inbound else "Delivered", int(sms.created_ts), sms.created_ts,
                thread[1], None, body,
            )
        )  # fmt: skip
        text = sms.text.encode()
        attachment_rows.append(
            (attachment_id, message_id, 0, "Text", "text/plain", None, len(text), text)
        )
        change_rows.append((sms.created_ts, account_id, extension_id, message_id, direction))
        ids.append(message_id)
    db.executemany(
        "INSERT INTO message(id, account_id, extension_id, type, direction, conversation_id, "
        "availability, read_status, message_status, creation_ts, modified_ts, numbers, due_ts, "
        "body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        message_rows,
    )
    db.executemany(
        "INSERT INTO attachment(id, message_id, position, type, content_type, file_name, size, "
        "content) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        attachment_rows,
    )
    db.executemany(
        "INSERT INTO change_log(ts, account_id, extension_id, message_id, message_type, "
        "direction, kind) VALUES (?, ?, ?, ?, 'SMS', ?, 'created')",
        change_rows,
    )
    return ids


def history_plan(
    count: int,
    *,
    newest_ts: float,
    days: float,
    customers: int,
    prefix: str = "+1209",
) -> list[OldSms]:
    """`count` SMS spread evenly over `days` days ending at `newest_ts`, oldest first, with
    `customers` correspondents taking turns (each thread alternating received and sent)."""
    span = days * DAY
    step = span / max(count, 1)
    plan: list[OldSms] = []
    for n in range(count):
        customer = n % max(customers, 1)
        plan.append(
            OldSms(
                other=f"{prefix}{customer:07d}",
                text=f"Old message {n} with customer {customer}",
                created_ts=newest_ts - span + n * step,
                inbound=(n // max(customers, 1)) % 2 == 0,
            )
        )
    return plan


def add_archive_parser(commands: Any, *, default_db: str) -> None:
    """Register `archive` on the `python -m emulator` sub-command parser."""
    archive = commands.add_parser(
        "archive",
        help="give a mailbox a long history of old SMS, written in bulk",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    archive.add_argument(
        "--extension", required=True, metavar="N", help="the mailbox: its number (102) or id"
    )
    archive.add_argument("--messages", type=int, default=10_000, help="how many (%(default)s)")
    archive.add_argument(
        "--days", type=float, default=720.0, help="spread over this many days (%(default)s)"
    )
    archive.add_argument(
        "--before-days",
        type=float,
        default=31.0,
        help="the newest of them this many days ago (%(default)s: just beyond a 30-day window)",
    )
    archive.add_argument("--customers", type=int, default=500, help="correspondents (%(default)s)")
    archive.add_argument("--db", default=default_db, help="SQLite store (default: %(default)s)")
    archive.set_defaults(handler=run_archive)


def run_archive(args: argparse.Namespace) -> int:
    if not Path(args.db).is_file():
        print(f"python -m emulator archive: error: no store at {args.db}", file=sys.stderr)
        return 2
    if args.messages < 1 or args.days <= 0:
        print("python -m emulator archive: error: give --messages ≥ 1, --days > 0", file=sys.stderr)
        return 2
    store = Store(args.db)
    try:
        with store.write() as db:
            try:
                extension = find_extension(db, args.extension)
            except InjectError as error:
                print(f"python -m emulator archive: error: {error}", file=sys.stderr)
                return 2
            numbers = sms_numbers(db, extension["id"])
            if not numbers:
                print("python -m emulator archive: error: the extension has no SMS number",
                      file=sys.stderr)  # fmt: skip
                return 2
            plan = history_plan(
                args.messages,
                newest_ts=clock.now() - args.before_days * DAY,
                days=args.days,
                customers=args.customers,
            )
            ids = insert_sms_bulk(
                db,
                account_id=extension["account_id"],
                extension_id=extension["id"],
                own=numbers[0],
                messages=plan,
            )
    finally:
        store.close()
    print(json.dumps({"extensionId": extension["id"], "messages": len(ids)}))
    return 0
