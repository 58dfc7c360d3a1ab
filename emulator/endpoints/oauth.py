"""OAuth 2.0 token and revoke endpoints (REFERENCE §15), with rotating refresh tokens."""

from __future__ import annotations

import base64
import binascii
import secrets
import sqlite3
from dataclasses import dataclass
from typing import Any

from werkzeug.wrappers import Response

from emulator import clock
from emulator.credentials import (
    check_password,
    invalid_grant,
    password_owner,
    require_enabled,
    verify_pkce,
)
from emulator.errors import OAuthError
from emulator.store import Store
from emulator.web import Ctx, json_response, route

FORM_TYPE = "application/x-www-form-urlencoded"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


@dataclass(frozen=True)
class Client:
    client_id: str
    authenticated: bool  # False: a public client that sent only its client_id (PKCE)
    scope: str


def require_form(ctx: Ctx) -> None:
    content_type = ctx.request.mimetype
    if content_type != FORM_TYPE:
        raise OAuthError(
            415,
            "invalid_request",
            f"Unsupported content type [{content_type or 'none'}]: use {FORM_TYPE}",
            "CMN-104",
        )


def client_from_request(ctx: Ctx) -> Client | None:
    """The app calling: Basic credentials, else a bare `client_id` in the body, else None."""
    header = ctx.request.headers.get("Authorization", "")
    with ctx.store.read() as db:
        if header:
            scheme, _, value = header.partition(" ")
            try:
                decoded = base64.b64decode(value.strip(), validate=True).decode()
            except (binascii.Error, UnicodeDecodeError) as exc:
                raise invalid_client("OAU-123", "Invalid Authorization header value") from exc
            client_id, sep, secret = decoded.partition(":")
            if scheme.lower() != "basic" or not sep:
                raise invalid_client("OAU-123", "Invalid Authorization header value")
            app = db.execute("SELECT * FROM app WHERE client_id = ?", (client_id,)).fetchone()
            if app is None or not secrets.compare_digest(app["client_secret"], secret):
                raise invalid_client("OAU-146", "Invalid client credentials")
            ctx.args["_client_id"] = client_id
            return Client(client_id, True, app["scope"])
        client_id = ctx.request.form.get("client_id", "")
        if not client_id:
            return None
        app = db.execute("SELECT * FROM app WHERE client_id = ?", (client_id,)).fetchone()
        if app is None:
            raise invalid_client("OAU-120", "Invalid client: application not found")
        ctx.args["_client_id"] = client_id
        return Client(client_id, False, app["scope"])


class CodeReplayed(OAuthError):
    def __init__(self, session_id: str | None) -> None:
        super().__init__(400, "invalid_grant", "Authorization code has been used", "OAU-106")
        self.session_id = session_id


def invalid_client(code: str, description: str) -> OAuthError:
    return OAuthError(401, "invalid_client", description, code)


def ttl(ctx: Ctx, name: str, ceiling: int) -> int:
    """A client may ask for a shorter lifetime than the app's (the server's) default."""
    raw = ctx.request.form.get(name)
    if raw and raw.isdigit() and 0 < int(raw) < ceiling:
        return int(raw)
    return ceiling


def issue_tokens(
    db: sqlite3.Connection, ctx: Ctx, *, session_id: str, now: float
) -> tuple[str, str]:
    access, refresh = secrets.token_urlsafe(40), secrets.token_urlsafe(40)
    access_ttl = ttl(ctx, "access_token_ttl", ctx.config.access_token_ttl)
    refresh_ttl = ttl(ctx, "refresh_token_ttl", ctx.config.refresh_token_ttl)
    db.execute(
        "INSERT INTO access_token(token, session_id, issued_ts, expires_ts) VALUES (?, ?, ?, ?)",
        (access, session_id, now, now + access_ttl),
    )
    db.execute(
        "INSERT INTO refresh_token(token, session_id, issued_ts, expires_ts, access_token) "
        "VALUES (?, ?, ?, ?, ?)",
        (refresh, session_id, now, now + refresh_ttl, access),
    )
    return access, refresh


def token_response(
    db: sqlite3.Connection, *, access: str, refresh: str, now: float, scope: str
) -> Response:
    access_row = db.execute("SELECT * FROM access_token WHERE token = ?", (access,)).fetchone()
    refresh_row = db.execute("SELECT * FROM refresh_token WHERE token = ?", (refresh,)).fetchone()
    session = db.execute(
        "SELECT * FROM oauth_session WHERE id = ?", (access_row["session_id"],)
    ).fetchone()
    body: dict[str, Any] = {
        "access_token": access,
        "token_type": "bearer",  # a type, not a token  # nosec B105
        "expires_in": max(1, int(access_row["expires_ts"] - now)),
        "refresh_token": refresh,
        "refresh_token_expires_in": max(1, int(refresh_row["expires_ts"] - now)),
        "scope": scope,
        "owner_id": str(session["extension_id"]),
        "endpoint_id": session["id"][:22],
        "session_id": session["id"],
    }
    return json_response(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


def start_session(
    db: sqlite3.Connection, ctx: Ctx, *, client: Client, extension_id: int, grant: str, now: float
) -> tuple[Response, str]:
    session_id = secrets.token_urlsafe(24)
    db.execute(
        "INSERT INTO oauth_session(id, client_id, extension_id, grant_type, public_client, "
        "created_ts) VALUES (?, ?, ?, ?, ?, ?)",
        (session_id, client.client_id, extension_id, grant, int(not client.authenticated), now),
    )
    access, refresh = issue_tokens(db, ctx, session_id=session_id, now=now)
    response = token_response(db, access=access, refresh=refresh, now=now, scope=client.scope)
    return response, session_id


@route("/restapi/oauth/token", methods=["POST"], operation="getToken", group="Auth", auth=False)
def token(ctx: Ctx) -> Response:
    require_form(ctx)
    form = ctx.request.form
    grant = form.get("grant_type", "")
    client = client_from_request(ctx)
    if client is None:
        raise invalid_client("OAU-123", "Client authentication is required")
    public_allowed = grant in ("authorization_code", "refresh_token")
    if not client.authenticated and not public_allowed:
        raise invalid_client("OAU-123", "Client authentication is required")
    now = clock.now()
    replayed: CodeReplayed | None = None
    if grant == "authorization_code":
        # a code is spent by its first exchange, whether that one succeeds or not
        with ctx.store.write() as db:
            spent = db.execute(
                "SELECT used_ts, session_id FROM auth_code WHERE code = ?",
                (form.get("code", ""),),
            ).fetchone()
            db.execute(
                "UPDATE auth_code SET used_ts = ? WHERE code = ? AND used_ts IS NULL",
                (now, form.get("code", "")),
            )
        if spent is not None and spent["used_ts"] is not None:
            replayed = CodeReplayed(spent["session_id"])
    with ctx.store.write() as db:
        if grant == "password":
            extension_id = password_owner(db, form.get("username", ""), form.get("extension", ""))
            check_password(db, extension_id, form.get("password", ""))
            response, _ = start_session(
                db, ctx, client=client, extension_id=extension_id, grant=grant, now=now
            )
            return response
        if grant == JWT_GRANT:
            row = db.execute(
                "SELECT id, status FROM extension WHERE jwt = ?", (form.get("assertion", ""),)
            ).fetchone()
            if row is None:
                raise invalid_grant("OAU-140", "Invalid assertion: JWT credential not recognised")
            require_enabled(row)
            response, _ = start_session(
                db, ctx, client=client, extension_id=row["id"], grant=grant, now=now
            )
            return response
        if grant == "authorization_code" and replayed is None:
            return exchange_code(db, ctx, client=client, now=now)
        if grant == "refresh_token":
            return refresh_tokens(db, ctx, client=client, now=now)
    if replayed is not None:
        # RFC 6749 §4.1.2: a replayed code revokes the tokens issued with it
        if replayed.session_id:
            with ctx.store.write() as db:
                revoke_session(db, replayed.session_id, now)
        raise replayed
    raise OAuthError(400, "unsupported_grant_type", f"Unsupported grant type [{grant}]", "OAU-125")


def exchange_code(db: sqlite3.Connection, ctx: Ctx, *, client: Client, now: float) -> Response:
    form = ctx.request.form
    code = db.execute("SELECT * FROM auth_code WHERE code = ?", (form.get("code", ""),)).fetchone()
    if code is None:
        raise OAuthError(400, "invalid_grant", "Invalid authorization code", "OAU-106")
    if code["expires_ts"] <= now:
        raise OAuthError(400, "invalid_grant", "Authorization code expired", "OAU-108")
    if code["client_id"] != client.client_id:
        raise OAuthError(
            400, "invalid_grant", "Code was not issued for this application", "OAU-110"
        )
    if form.get("redirect_uri", "") != code["redirect_uri"]:
        raise OAuthError(400, "invalid_grant", "Redirect URIs do not match", "OAU-109")
    verifier = form.get("code_verifier")
    if code["code_challenge"]:
        if not verifier or not verify_pkce(
            verifier, code["code_challenge"], code["code_challenge_method"] or "plain"
        ):
            raise OAuthError(400, "invalid_grant", "Invalid code verifier", "OAU-106")
    elif not client.authenticated:
        raise invalid_client("OAU-123", "Client authentication is required")
    response, session_id = start_session(
        db, ctx, client=client, extension_id=code["extension_id"], grant="authorization_code",
        now=now,
    )  # fmt: skip
    db.execute("UPDATE auth_code SET session_id = ? WHERE code = ?", (session_id, code["code"]))
    return response


def refresh_tokens(db: sqlite3.Connection, ctx: Ctx, *, client: Client, now: float) -> Response:
    """Rotate the pair, with the grace rules of REFERENCE §15.5.

    Within the grace period a repeated refresh with the old refresh token returns the
    same new pair instead of minting another: 10 s once the new access token has been
    used, 60 min while it has not.
    """
    presented = ctx.request.form.get("refresh_token", "")
    row = db.execute(
        "SELECT r.*, s.client_id, s.revoked_ts, s.public_client FROM refresh_token r "
        "JOIN oauth_session s ON s.id = r.session_id WHERE r.token = ?",
        (presented,),
    ).fetchone()
    if row is None or row["revoked_ts"] is not None:
        raise invalid_grant("OAU-213", "Token not found")
    if row["client_id"] != client.client_id:
        raise invalid_grant("OAU-120", "Token was not issued for this application")
    if not client.authenticated and not row["public_client"]:
        raise invalid_client("OAU-123", "Client authentication is required")
    if row["expires_ts"] <= now:
        raise invalid_grant("OAU-213", "Refresh token has expired")
    scope = db.execute("SELECT scope FROM app WHERE client_id = ?", (client.client_id,)).fetchone()
    if row["rotated_ts"] is None:
        access, refresh = issue_tokens(db, ctx, session_id=row["session_id"], now=now)
        db.execute(
            "UPDATE refresh_token SET rotated_ts = ?, next_refresh = ? WHERE token = ?",
            (now, refresh, presented),
        )
        # the previous access tokens of the session stop working at once
        db.execute(
            "UPDATE access_token SET dead_ts = ? WHERE session_id = ? AND token != ? "
            "AND dead_ts IS NULL",
            (now, row["session_id"], access),
        )
        return token_response(db, access=access, refresh=refresh, now=now, scope=scope["scope"])
    successor = db.execute(
        "SELECT * FROM refresh_token WHERE token = ?", (row["next_refresh"],)
    ).fetchone()
    if successor is None or successor["rotated_ts"] is not None:
        raise invalid_grant("OAU-213", "Token not found")
    issued_access = db.execute(
        "SELECT * FROM access_token WHERE token = ?", (successor["access_token"],)
    ).fetchone()
    used = issued_access["first_used_ts"]
    if (used is None and now - row["rotated_ts"] <= ctx.config.refresh_grace_unused) or (
        used is not None and now - used <= ctx.config.refresh_grace_used
    ):
        return token_response(
            db, access=successor["access_token"], refresh=successor["token"], now=now,
            scope=scope["scope"],
        )  # fmt: skip
    raise invalid_grant("OAU-213", "Token not found")


def revoke_session(db: sqlite3.Connection, session_id: str, now: float) -> None:
    db.execute(
        "UPDATE oauth_session SET revoked_ts = ? WHERE id = ? AND revoked_ts IS NULL",
        (now, session_id),
    )


def session_of_token(db: sqlite3.Connection, token: str) -> str | None:
    for table in ("access_token", "refresh_token"):
        row = db.execute(
            f"SELECT session_id FROM {table} WHERE token = ?",  # noqa: S608 (fixed names)  # nosec B608
            (token,),
        ).fetchone()
        if row is not None:
            return str(row["session_id"])
    return None


@route("/restapi/oauth/revoke", methods=["POST"], operation="revokeToken", group="Auth", auth=False)
def revoke(ctx: Ctx) -> Response:
    """Revoking any token of a session ends the whole session (REFERENCE §15.5)."""
    presented = ctx.request.args.get("token") or ""
    if not presented and ctx.request.content_length:
        require_form(ctx)
        presented = ctx.request.form.get("token", "")
    client_from_request(ctx)
    if not presented:
        raise OAuthError(400, "invalid_request", "Parameter [token] is required", "OAU-111")
    with ctx.store.write() as db:
        session_id = session_of_token(db, presented)
        if session_id is not None:
            revoke_session(db, session_id, clock.now())
    return Response(status=200)


def revoke_extension_sessions(store: Store, extension_id: int) -> int:
    """End every session of a user (used by the fault controls and tests)."""
    with store.write() as db:
        cursor = db.execute(
            "UPDATE oauth_session SET revoked_ts = ? WHERE extension_id = ? AND revoked_ts IS NULL",
            (clock.now(), extension_id),
        )
        return cursor.rowcount
