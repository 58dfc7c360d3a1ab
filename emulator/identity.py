"""The demo account: its app, its people, its team mailboxes and their numbers, the same on
every seed.

A team mailbox ("Support Line", "Billing") is how RingCentral models a shared number: a `User`
extension that no one person uses, whose number the team answers from. It signs in like a
person. Credentials are deterministic so that `make run`, the tests and the README can name them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from emulator.inbound import full_name
from emulator.store import dumps, loads

DEMO_CLIENT_ID = "demo-inbox-client"
DEMO_CLIENT_SECRET = "demo-inbox-secret"  # noqa: S105 (a published demo credential)  # nosec B105
DEMO_REDIRECT_URIS = (
    "http://127.0.0.1:8000/accounts/callback/",
    "http://localhost:8000/accounts/callback/",
)
DEMO_SCOPE = (
    "ReadMessages EditMessages SMS InternalMessages Faxes ReadAccounts WebhookSubscriptions"
)
ACCOUNT_ID = 4_000_000_004
MAIN_NUMBER = "+16505550100"
PHONE_NUMBER_IDS = 7_000_000_000  # real phone-number ids are int64 values this large


@dataclass(frozen=True)
class DemoUser:
    """An extension of the demo account that signs in: a person or a team mailbox."""

    extension_id: int
    extension_number: str
    first_name: str
    last_name: str  # empty for a mailbox named in one word ("Billing")
    is_admin: bool
    direct_number: str
    extra_sms_numbers: tuple[str, ...] = ()
    kind: str = "person"  # or "team": a shared number's owner that no one person uses

    @property
    def username(self) -> str:
        local = ".".join(part for part in (self.first_name, self.last_name) if part)
        return f"{local}@acme-support.example".lower()

    @property
    def password(self) -> str:
        return f"demo-{self.first_name.lower()}-{self.extension_number}"


DEMO_USERS = (
    DemoUser(5_000_000_101, "101", "Alex", "Morgan", True, "+16505550101", ("+18885550101",)),
    DemoUser(5_000_000_102, "102", "Sam", "Rivera", False, "+16505550102"),
    DemoUser(5_000_000_103, "103", "Riley", "Chen", False, "+16505550103"),
)
TEAM_EXTENSIONS = (
    DemoUser(5_000_000_201, "201", "Support", "Line", False, "+16505550201", kind="team"),
    DemoUser(5_000_000_202, "202", "Billing", "", False, "+16505550202", kind="team"),
)
SIGN_IN_EXTENSIONS = DEMO_USERS + TEAM_EXTENSIONS  # everyone with a password and a JWT


def jwt_credential(user: DemoUser) -> str:
    """A JWT like the ones the Developer Console issues, signed with the demo app's secret;
    a person's and a team mailbox's alike."""

    def segment(data: dict[str, Any]) -> str:
        raw = json.dumps(data, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    header = segment({"alg": "HS256", "typ": "JWT", "kid": "demo"})
    payload = segment(
        {
            "aud": "https://platform.ringcentral.com/restapi/oauth/token",
            "sub": str(user.extension_id),
            "iss": "https://platform.ringcentral.com",
            "account": str(ACCOUNT_ID),
            "jti": f"demo-{user.extension_number}",
        }
    )
    signature = hmac.new(
        DEMO_CLIENT_SECRET.encode(), f"{header}.{payload}".encode(), hashlib.sha256
    ).digest()
    return f"{header}.{payload}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


def seed_identity(db: sqlite3.Connection, *, created_ts: float) -> None:
    """(Re)create the app, the account, its extensions (people and team mailboxes) and their
    phone numbers."""
    db.execute(
        "INSERT INTO app(client_id, client_secret, name, redirect_uris, scope) "
        "VALUES (?, ?, ?, ?, ?)",
        (DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, "Team Inbox (demo)", dumps(DEMO_REDIRECT_URIS),
         DEMO_SCOPE),
    )  # fmt: skip
    db.execute(
        "INSERT INTO account(id, name, main_number) VALUES (?, ?, ?)",
        (ACCOUNT_ID, "Acme Support", MAIN_NUMBER),
    )
    db.execute(
        "INSERT INTO phone_number(id, account_id, extension_id, phone_number, features, "
        "usage_type, type, label, is_primary, location) VALUES (?, ?, NULL, ?, ?, "
        "'MainCompanyNumber', 'VoiceFax', 'Main number', 1, 'San Mateo, CA')",
        (PHONE_NUMBER_IDS, ACCOUNT_ID, MAIN_NUMBER, dumps(["CallerId"])),
    )
    for user in SIGN_IN_EXTENSIONS:
        db.execute(
            "INSERT INTO extension(id, account_id, extension_number, first_name, last_name, "
            "email, type, status, is_admin, username, password, jwt, created_ts) "
            "VALUES (?, ?, ?, ?, ?, ?, 'User', 'Enabled', ?, ?, ?, ?, ?)",
            (
                user.extension_id,
                ACCOUNT_ID,
                user.extension_number,
                user.first_name,
                user.last_name,
                user.username,
                int(user.is_admin),
                user.username,
                user.password,
                jwt_credential(user),
                created_ts,
            ),
        )
        db.execute(
            "INSERT INTO phone_number(id, account_id, extension_id, phone_number, features, "
            "usage_type, type, label, is_primary, location) "
            "VALUES (?, ?, ?, ?, ?, 'DirectNumber', 'VoiceFax', 'Direct number', 1, "
            "'San Mateo, CA')",
            (PHONE_NUMBER_IDS + int(user.extension_number), ACCOUNT_ID, user.extension_id,
             user.direct_number,
             dumps(["CallerId", "SmsSender", "MmsSender", "InternationalSmsSender"])),
        )  # fmt: skip
        for position, number in enumerate(user.extra_sms_numbers, start=1):
            # toll-free numbers send SMS but not MMS
            db.execute(
                "INSERT INTO phone_number(id, account_id, extension_id, phone_number, features, "
                "usage_type, type, label, is_primary, location) "
                "VALUES (?, ?, ?, ?, ?, 'DirectNumber', 'VoiceFax', 'Toll-free', 0, NULL)",
                (PHONE_NUMBER_IDS + 1000 * position + int(user.extension_number), ACCOUNT_ID,
                 user.extension_id, number, dumps(["CallerId", "SmsSender"])),
            )  # fmt: skip


def sms_numbers(db: sqlite3.Connection, extension_id: int) -> list[str]:
    rows = db.execute(
        "SELECT phone_number, features FROM phone_number WHERE extension_id = ? ORDER BY id",
        (extension_id,),
    ).fetchall()
    return [row["phone_number"] for row in rows if "SmsSender" in loads(row["features"])]


def credentials(db: sqlite3.Connection) -> dict[str, Any]:
    """What `python -m emulator credentials` prints: every extension that signs in, people and
    team mailboxes, each with its `kind`."""
    apps = db.execute("SELECT * FROM app ORDER BY client_id").fetchall()
    users = db.execute("SELECT * FROM extension ORDER BY extension_number").fetchall()
    app = apps[0] if apps else None
    kinds = {user.extension_id: user.kind for user in SIGN_IN_EXTENSIONS}
    return {
        "client_id": app["client_id"] if app else None,
        "client_secret": app["client_secret"] if app else None,
        "redirect_uris": loads(app["redirect_uris"]) if app else [],
        "account_id": users[0]["account_id"] if users else None,
        "users": [
            {
                "username": row["username"],
                "password": row["password"],
                "extension_id": row["id"],
                "extension_number": row["extension_number"],
                "name": full_name(row),
                "is_admin": bool(row["is_admin"]),
                "sms_numbers": sms_numbers(db, row["id"]),
                "jwt": row["jwt"],
                "kind": kinds.get(row["id"], "person"),
            }
            for row in users
        ],
    }
