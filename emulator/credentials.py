"""Checking who signs in: passwords for the password grant and the sign-in page, and PKCE
verifiers for the code exchange. Shared by `endpoints.oauth` and `endpoints.authorize`."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import sqlite3

from emulator.errors import OAuthError

# RFC 7636 §4.1: code_verifier = 43*128unreserved; §4.2: S256 challenge = 43 base64url chars
VERIFIER_RE = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")


def verify_pkce(verifier: str, challenge: str, method: str) -> bool:
    """RFC 7636 §4.6: S256 = BASE64URL(SHA256(verifier)) without padding; plain = equality."""
    if not VERIFIER_RE.match(verifier):
        return False
    if method == "S256":
        digest = hashlib.sha256(verifier.encode("ascii")).digest()
        computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
        return secrets.compare_digest(computed, challenge)
    if method == "plain":
        return secrets.compare_digest(verifier, challenge)
    return False


def invalid_grant(code: str, description: str) -> OAuthError:
    return OAuthError(400, "invalid_grant", description, code)


def password_owner(db: sqlite3.Connection, username: str, extension: str) -> int:
    """Resolve `username` as an email, or a phone number optionally followed by `*ext`."""
    login, _, star_extension = username.partition("*")
    extension = star_extension or extension
    row = db.execute("SELECT id FROM extension WHERE username = ?", (login,)).fetchone()
    if row is not None:
        return int(row["id"])
    number = "+" + "".join(ch for ch in login if ch.isdigit()) if login else ""
    owner = db.execute(
        "SELECT extension_id, account_id FROM phone_number WHERE phone_number = ?", (number,)
    ).fetchone()
    if owner is not None and owner["extension_id"] is not None and not extension:
        return int(owner["extension_id"])
    if owner is not None and extension:
        row = db.execute(
            "SELECT id FROM extension WHERE account_id = ? AND extension_number = ?",
            (owner["account_id"], extension),
        ).fetchone()
        if row is not None:
            return int(row["id"])
    raise invalid_grant("OAU-140", "Invalid resource owner credentials")


def check_password(db: sqlite3.Connection, extension_id: int, password: str) -> None:
    row = db.execute(
        "SELECT password, status FROM extension WHERE id = ?", (extension_id,)
    ).fetchone()
    if row is None or not row["password"] or not secrets.compare_digest(row["password"], password):
        raise invalid_grant("OAU-140", "Invalid resource owner credentials")
    require_enabled(row)


def require_enabled(row: sqlite3.Row) -> None:
    if row["status"] != "Enabled":
        raise OAuthError(
            401, "invalid_grant", "Login is not allowed in the current state", "OAU-141"
        )
