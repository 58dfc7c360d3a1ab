"""Message-sync tokens: opaque to clients, verifiable by the emulator (REFERENCE §11).

A token carries the mailbox, the sync frame (creation-date range and filters of the FSync)
and the sync time, like the platform's "encrypted" token. It is
`base64url(json) "." base64url(hmac-sha256)[:22]`: only `[A-Za-z0-9_.-]`, which the official
Python SDK can put in a query string without encoding it. The HMAC key is a random secret kept
in the store's `meta` table, so a token survives restarts but not a re-seed, and a garbled,
forged or foreign (other mailbox) token is refused with 400 MSG-333 — the cue for a client to
start over with FSync. Tokens do not expire (their lifetime is not documented).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import asdict, dataclass
from typing import Any

from emulator.errors import ApiError
from emulator.store import Store, meta_get

META_NAME = "sync_token_secret"
VERSION = 1


@dataclass(frozen=True)
class Frame:
    """The sync frame an FSync defines; ISync reports changes inside it."""

    extension_id: int
    date_from: float
    date_to: float | None  # None: open-ended, new messages keep entering the frame
    types: tuple[str, ...] = ()
    directions: tuple[str, ...] = ()
    conversation_id: int | None = None
    distinct: bool = False
    personal: bool = True  # False: an `owner` filter that no personal message matches


def invalid_token() -> ApiError:
    return ApiError(400, "MSG-333", "Parameter [syncToken] is invalid", parameter_name="syncToken")


def secret(store: Store) -> bytes:
    """The store's signing key, made on first use."""
    with store.read() as db:
        value = meta_get(db, META_NAME)
    if value is None:
        with store.write() as db:
            db.execute(
                "INSERT OR IGNORE INTO meta(key, value) VALUES (?, ?)",
                (META_NAME, secrets.token_hex(32)),
            )
            value = meta_get(db, META_NAME)
    assert value is not None  # inserted just above
    return bytes.fromhex(value)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(key: bytes, payload: str) -> str:
    return _b64(hmac.new(key, payload.encode(), hashlib.sha256).digest()[:16])


def encode(key: bytes, frame: Frame, sync_time: float) -> str:
    data: dict[str, Any] = {"v": VERSION, "t": round(sync_time, 3), **asdict(frame)}
    payload = _b64(json.dumps(data, separators=(",", ":")).encode())
    return f"{payload}.{_signature(key, payload)}"


def decode(key: bytes, token: str, extension_id: int) -> tuple[Frame, float]:
    """(frame, sync time) of a token issued for this mailbox; MSG-333 for anything else."""
    payload, dot, signature = token.strip().partition(".")
    if not dot or not hmac.compare_digest(_signature(key, payload), signature):
        raise invalid_token()
    try:
        data = json.loads(_unb64(payload))
        frame = Frame(
            extension_id=int(data["extension_id"]),
            date_from=float(data["date_from"]),
            date_to=None if data["date_to"] is None else float(data["date_to"]),
            types=tuple(data["types"]),
            directions=tuple(data["directions"]),
            conversation_id=data["conversation_id"],
            distinct=bool(data["distinct"]),
            personal=bool(data["personal"]),
        )
        sync_time = float(data["t"])
    except (binascii.Error, ValueError, KeyError, TypeError) as exc:
        raise invalid_token() from exc
    if data.get("v") != VERSION or frame.extension_id != extension_id:
        raise invalid_token()
    return frame, sync_time
