"""`python -m emulator inject sms|mms|fax|voicemail`: traffic arriving from outside, on demand.

It writes straight into the store file, so a server running on the same file sees the new
message at once (SQLite WAL lets one process write while another serves), and the change
feed picks it up for message-sync and notifications like any other new message.
Bad input ends with exit code 2 and one line on stderr, like argparse's own errors.
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import sys
from pathlib import Path
from typing import Any

from emulator import inbound, media
from emulator.identity import sms_numbers
from emulator.mailstore import NewAttachment
from emulator.store import Store

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
MAX_MMS_FILES = 10  # REFERENCE §8.1: up to 10 attachments in one MMS
MAX_MMS_BYTES = 1_500_000  # REFERENCE §8.1: up to 1.5 MB for all attachments together
GENERATED_VOICEMAIL_SECONDS = 3.0


class InjectError(Exception):
    """Input the command cannot use; its message is the one line shown to the user."""


def add_inject_parser(commands: Any, *, default_db: str) -> None:
    """Register `inject` on the `python -m emulator` sub-command parser."""
    inject = commands.add_parser(
        "inject",
        help="make an SMS, MMS, fax or voicemail arrive in a mailbox",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    inject.add_argument("kind", choices=("sms", "mms", "fax", "voicemail"))
    inject.add_argument(
        "--to-extension",
        required=True,
        metavar="N",
        help="receiving extension: its number (102) or id",
    )
    inject.add_argument(
        "--from", dest="from_number", required=True, metavar="NUMBER", help="sender, E.164 (+1…)"
    )
    inject.add_argument(
        "--from-name", default=None, metavar="NAME", help="sender's name as a contact knows it"
    )
    inject.add_argument(
        "--to-number",
        default=None,
        metavar="NUMBER",
        help="sms/mms: which of the extension's numbers receives it",
    )
    inject.add_argument("--text", default=None, help="sms (required) and mms text")
    inject.add_argument(
        "--file",
        dest="files",
        action="append",
        default=[],
        metavar="PATH",
        help="mms: one or more files; fax: a PDF; voicemail: a WAV (generated when omitted)",
    )
    inject.add_argument("--db", default=default_db, help="SQLite store (default: %(default)s)")
    inject.set_defaults(handler=run_inject)


def run_inject(args: argparse.Namespace) -> int:
    try:
        created = inject(args)
    except InjectError as error:
        print(f"python -m emulator inject: error: {error}", file=sys.stderr)
        return 2
    print(json.dumps(created))
    return 0


def inject(args: argparse.Namespace) -> dict[str, Any]:
    """Validate the arguments, then create the message(s); returns what to print."""
    if not Path(args.db).is_file():
        raise InjectError(f"no store at {args.db} (create it with: python -m emulator seed)")
    if not E164.match(args.from_number):
        raise InjectError(f"--from {args.from_number!r} is not an E.164 number like +14155550123")
    kind: str = args.kind
    if kind == "sms" and not (args.text or "").strip():
        raise InjectError("sms needs --text")
    if kind == "sms" and args.files:
        raise InjectError("sms takes no --file; use mms to send files")
    if kind in ("fax", "voicemail") and args.text is not None:
        raise InjectError(f"{kind} takes no --text")
    if kind in ("fax", "voicemail") and len(args.files) > 1:
        raise InjectError(f"{kind} takes one --file")
    if kind in ("fax", "voicemail") and args.to_number is not None:
        raise InjectError(f"{kind} takes no --to-number")
    store = Store(args.db)
    try:
        with store.write() as db:
            extension = find_extension(db, args.to_extension)
            ids = create(db, kind, extension, args)
    finally:
        store.close()
    return {
        "type": {"voicemail": "VoiceMail", "fax": "Fax"}.get(kind, "SMS"),
        "extensionId": extension["id"],
        "ids": ids,
    }


def find_extension(db: sqlite3.Connection, wanted: str) -> sqlite3.Row:
    """An extension by its short number (`102`) or, failing that, by its id."""
    row: sqlite3.Row | None = db.execute(
        "SELECT * FROM extension WHERE extension_number = ? ORDER BY id", (wanted,)
    ).fetchone()
    if row is None and wanted.isdigit():
        row = db.execute("SELECT * FROM extension WHERE id = ?", (int(wanted),)).fetchone()
    if row is None:
        raise InjectError(f"unknown extension {wanted!r}")
    return row


def create(
    db: sqlite3.Connection, kind: str, extension: sqlite3.Row, args: argparse.Namespace
) -> list[int]:
    if kind == "fax":
        pdf = read_file(args.files[0]) if args.files else None
        if pdf is not None and media.pdf_page_count(pdf) == 0:
            raise InjectError(f"{args.files[0]} is not a PDF with pages")
        if pdf is None:
            pdf = media.pdf_document(
                [f"Fax from {args.from_number}\nPage 1 of 2", "Page 2 of 2"],
                title=f"Fax from {args.from_number}",
            )
        fax_id = inbound.inbound_fax(
            db,
            to_extension_id=extension["id"],
            from_number=args.from_number,
            pdf=pdf,
            from_name=args.from_name,
        )
        return [fax_id]
    if kind == "voicemail":
        audio = read_file(args.files[0]) if args.files else None
        if audio is not None and media.wav_duration(audio) <= 0:
            raise InjectError(f"{args.files[0]} is not a PCM WAV file with audio")
        if audio is None:
            audio = media.wav_tone(GENERATED_VOICEMAIL_SECONDS)
        voicemail_id = inbound.inbound_voicemail(
            db,
            to_extension_id=extension["id"],
            from_number=args.from_number,
            audio=audio,
            from_name=args.from_name,
        )
        return [voicemail_id]
    to_number = receiving_number(db, extension, args.to_number)
    attachments = mms_attachments(args.files) if kind == "mms" else []
    return inbound.inbound_sms(
        db,
        to_number=to_number,
        from_number=args.from_number,
        text=args.text or "",
        attachments=attachments,
        from_name=args.from_name,
    )


def receiving_number(db: sqlite3.Connection, extension: sqlite3.Row, wanted: str | None) -> str:
    """The extension's SMS number that receives the message: the one asked for, or its first."""
    numbers = sms_numbers(db, extension["id"])
    if wanted is None:
        if not numbers:
            raise InjectError(f"extension {extension['extension_number']} has no SMS number")
        return numbers[0]
    if wanted not in numbers:
        raise InjectError(
            f"--to-number {wanted} is not an SMS number of extension "
            f"{extension['extension_number']} ({', '.join(numbers) or 'none'})"
        )
    return wanted


def mms_attachments(paths: list[str]) -> list[NewAttachment]:
    """Files for an MMS, checked like the platform checks a sent MMS (REFERENCE §8.1)."""
    if not paths:
        raise InjectError("mms needs at least one --file")
    if len(paths) > MAX_MMS_FILES:
        raise InjectError(f"mms takes at most {MAX_MMS_FILES} files")
    items: list[NewAttachment] = []
    for path in paths:
        content_type = media.guess_content_type(path)
        if content_type not in media.MMS_CONTENT_TYPES:
            raise InjectError(f"unsupported MMS media type for {path}: {content_type or 'unknown'}")
        items.append(
            NewAttachment(
                type="MmsAttachment",
                content_type=content_type,
                content=read_file(path),
                file_name=Path(path).name,
            )
        )
    if sum(len(item.content) for item in items) > MAX_MMS_BYTES:
        raise InjectError(f"mms files exceed {MAX_MMS_BYTES} bytes together")
    return items


def read_file(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise InjectError(f"cannot read {path}: {error.strerror or error}") from error
