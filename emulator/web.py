"""The WSGI application: routing, authentication, mailbox access rules, error answers, request log.

Endpoint modules declare their operations with `@route(...)`, naming the spec's
`operationId` and `x-throttling-group`, so the request log (and rate limits) count by them.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from werkzeug.wrappers import Request, Response

from emulator import clock
from emulator.config import Config
from emulator.errors import ApiError, not_found
from emulator.faults import FaultState
from emulator.limits import RateLimiter
from emulator.store import Store

log = logging.getLogger("emulator")

JSON_TYPE = "application/json; charset=UTF-8"


@dataclass
class Caller:
    """The owner of the access token a request carries."""

    extension_id: int
    account_id: int
    client_id: str
    session_id: str
    is_admin: bool


@dataclass
class Runtime:
    """What a serving process changes as it runs: rate-limit counters and the faults in force."""

    limiter: RateLimiter
    faults: FaultState


@dataclass
class Ctx:
    request: Request
    store: Store
    config: Config
    args: dict[str, str]
    runtime: Runtime
    caller: Caller | None = None
    operation: str | None = None
    rate_group: str | None = None
    extra_headers: dict[str, str] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        """Origin of this server as the client reached it: every `uri` is built on it."""
        return self.request.host_url.rstrip("/")

    def require_caller(self) -> Caller:
        if self.caller is None:  # routes with auth=True always have one
            raise ApiError(401, "AGW-401", "Authorization header is not specified")
        return self.caller


Handler = Callable[[Ctx], Response]


@dataclass(frozen=True)
class RouteSpec:
    rule: str
    methods: tuple[str, ...]
    handler: Handler
    operation: str | None
    group: str | None
    auth: bool
    query_token: bool


ROUTES: list[RouteSpec] = []


def route(
    rule: str,
    *,
    methods: Iterable[str],
    operation: str | None = None,
    group: str | None = None,
    auth: bool = True,
    query_token: bool = False,
) -> Callable[[Handler], Handler]:
    """Declare an endpoint. `query_token` also accepts `?access_token=` (media downloads)."""

    def register(handler: Handler) -> Handler:
        ROUTES.append(RouteSpec(rule, tuple(methods), handler, operation, group, auth, query_token))
        return handler

    return register


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(data, ensure_ascii=False, separators=(",", ":")),
        status=status,
        headers=headers,
        content_type=JSON_TYPE,
    )


def read_json(ctx: Ctx) -> Any:
    """The request body as JSON, or CMN-103 when it cannot be parsed."""
    raw = ctx.request.get_data(cache=True)
    try:
        return json.loads(raw or b"null")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApiError(400, "CMN-103", "JSON can't be parsed.") from exc


# --------------------------------------------------------------------------- access


def authenticate(ctx: Ctx, *, query_token: bool) -> Caller:
    header = ctx.request.headers.get("Authorization", "")
    token = ""  # none sent yet  # nosec B105
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise ApiError(401, "OAU-151", "Authorization method not supported")
        token = value.strip()
    elif query_token or ctx.request.args.get("access_token"):
        token = ctx.request.args.get("access_token", "")
    if not token:
        raise ApiError(401, "AGW-401", "Authorization header is not specified")
    now = clock.now()
    with ctx.store.read() as db:
        row = db.execute(
            "SELECT t.*, s.client_id, s.extension_id, s.revoked_ts, e.account_id, e.is_admin, "
            "e.status AS extension_status "
            "FROM access_token t JOIN oauth_session s ON s.id = t.session_id "
            "JOIN extension e ON e.id = s.extension_id WHERE t.token = ?",
            (token,),
        ).fetchone()
    if row is None:
        raise invalid_token("OAU-149", "OAuth token is invalid")
    if row["revoked_ts"] is not None or row["dead_ts"] is not None:
        raise invalid_token("OAU-213", "Token not found")
    if row["expires_ts"] <= now:
        raise ApiError(401, "TokenExpired", "Access token expired", item_code="OAU-128")
    if row["first_used_ts"] is None:
        with ctx.store.write() as db:
            db.execute(
                "UPDATE access_token SET first_used_ts = ? "
                "WHERE token = ? AND first_used_ts IS NULL",
                (now, token),
            )
    return Caller(
        extension_id=row["extension_id"],
        account_id=row["account_id"],
        client_id=row["client_id"],
        session_id=row["session_id"],
        is_admin=bool(row["is_admin"]),
    )


def invalid_token(code: str, message: str) -> ApiError:
    return ApiError(
        401, "TokenInvalid", "OAuth token is invalid", item_code=code, item_message=message
    )


def resolve_account(ctx: Ctx, account_id: str) -> int:
    caller = ctx.require_caller()
    if account_id == "~" or account_id == str(caller.account_id):
        return caller.account_id
    raise not_found("accountId")  # other accounts are invisible


def mailbox(ctx: Ctx, *, permission: str = "ReadMessages") -> sqlite3.Row:
    """The extension named by the path, if the caller may use it.

    An admin may use every extension of the account; anyone else only their own
    (403 CMN-419, as RingCentral answers without the extended scope).
    """
    caller = ctx.require_caller()
    account_id = resolve_account(ctx, ctx.args["account_id"])
    raw = ctx.args["extension_id"]
    if raw == "~":
        extension_id = caller.extension_id
    elif raw.isdigit():
        extension_id = int(raw)
    else:
        raise not_found("extensionId")
    with ctx.store.read() as db:
        row: sqlite3.Row | None = db.execute(
            "SELECT * FROM extension WHERE id = ? AND account_id = ?", (extension_id, account_id)
        ).fetchone()
    if row is None:
        raise not_found("extensionId")
    if extension_id != caller.extension_id and not caller.is_admin:
        raise ApiError(
            403,
            "CMN-419",
            "In order to call this API endpoint for another extension, user needs to have "
            f"[{permission}] permission granted with extended scope",
        )
    return row


def own_mailbox(ctx: Ctx, *, permission: str = "OutboundSMS") -> sqlite3.Row:
    """Sending is only ever done as oneself: even admins cannot send for others.

    `permission` names the user permission in the CMN-419 answer ([SPEC21] x-error-codes:
    OutboundSMS for SMS, InternalSMS for pager, OutboundFaxes for fax)."""
    row = mailbox(ctx, permission=permission)
    if row["id"] != ctx.require_caller().extension_id:
        raise ApiError(403, "CMN-404", "Attempt to access another extension")
    return row


# --------------------------------------------------------------------------- app


def client_id_of(ctx: Ctx) -> str:
    """The app behind an OAuth request: its Basic credentials, else `client_id` in the form."""
    header = ctx.request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "basic":
        try:
            return base64.b64decode(value.strip(), validate=True).decode().partition(":")[0]
        except (binascii.Error, UnicodeDecodeError):
            return ""
    return ctx.request.values.get("client_id", "")


def rate_subject(ctx: Ctx) -> str:
    """Who a request counts against: the token's user, or for OAuth calls the user named by
    the grant (so that sign-ins and refreshes of one user share that user's Auth budget)."""
    if ctx.caller is not None:
        return f"ext:{ctx.caller.extension_id}"
    form = ctx.request.form
    lookups = (
        ("username", "SELECT id FROM extension WHERE username = ?"),
        ("assertion", "SELECT id FROM extension WHERE jwt = ?"),
        (
            "refresh_token",
            "SELECT s.extension_id FROM refresh_token r JOIN oauth_session s "
            "ON s.id = r.session_id WHERE r.token = ?",
        ),
        ("code", "SELECT extension_id FROM auth_code WHERE code = ?"),
        (
            "token",
            "SELECT s.extension_id FROM access_token t JOIN oauth_session s "
            "ON s.id = t.session_id WHERE t.token = ?",
        ),
    )
    with ctx.store.read() as db:
        for name, query in lookups:
            value = form.get(name)
            if value:
                row = db.execute(query, (value,)).fetchone()
                return f"ext:{row[0]}" if row else f"{name}:{value[:64]}"
    return f"addr:{ctx.request.remote_addr}"


def api_error_response(exc: ApiError) -> Response:
    return json_response(exc.body(), exc.status, exc.headers)
