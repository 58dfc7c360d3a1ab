"""WebHook subscriptions (REFERENCE §16.1, §16.2): create (after the validation handshake),
list, read, update or renew, delete. At most 30 per user and app."""

from __future__ import annotations

import sqlite3
import uuid
from typing import Any

from werkzeug.wrappers import Response

from emulator import clock
from emulator.errors import ApiError, invalid_parameter
from emulator.event_filters import EventFilter, invalid_filters, parse_filter
from emulator.store import dumps, loads
from emulator.web import Ctx, json_response, read_json, route
from emulator.webhooks import validate_address

MAX_PER_USER_AND_APP = 30
MAX_WEBHOOK_TTL = 315_360_000  # 10 years ([SPEC] UpdateSubscriptionRequest)


def subscription_record(ctx: Ctx, row: sqlite3.Row) -> dict[str, Any]:
    record: dict[str, Any] = {
        "uri": f"{ctx.base_url}/restapi/v1.0/subscription/{row['id']}",
        "id": row["id"],
        "creationTime": clock.iso(row["created_ts"]),
        "status": row["status"],
        "eventFilters": loads(row["event_filters"]),
        "expirationTime": clock.iso(row["expires_ts"]),
        "expiresIn": max(1, int(row["expires_ts"] - clock.now())),
        # the verification token is write-only: never echoed
        "deliveryMode": {"transportType": "WebHook", "encryption": False,
                         "address": row["address"]},
    }  # fmt: skip
    if row["status"] == "Blacklisted":
        record["blacklistedData"] = {
            "blacklistedAt": clock.iso(row["blacklisted_ts"]),
            "reason": row["blacklist_reason"],
        }
    return record


def parse_filters(ctx: Ctx, raw: Any) -> list[EventFilter]:
    if not isinstance(raw, list) or not raw or not all(isinstance(f, str) for f in raw):
        raise invalid_parameter("eventFilters")
    caller = ctx.require_caller()
    with ctx.store.read() as db:
        known = {
            row["id"]
            for row in db.execute(
                "SELECT id FROM extension WHERE account_id = ?", (caller.account_id,)
            )
        }
    parsed: list[EventFilter] = []
    bad: list[str] = []
    for text in raw:
        try:
            parsed.append(
                parse_filter(text, account_id=caller.account_id,
                             extension_id=caller.extension_id, is_admin=caller.is_admin,
                             known_extensions=known)
            )  # fmt: skip
        except ApiError as exc:
            if exc.code != "SUB-508":
                raise
            bad.append(text)
    if bad:
        raise invalid_filters(bad)
    return parsed


def parse_ttl(raw: Any, default: int) -> int:
    if raw is None:
        return default
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= MAX_WEBHOOK_TTL:
        raise invalid_parameter("expiresIn", raw)
    return raw


def load_own(ctx: Ctx, db: sqlite3.Connection) -> sqlite3.Row:
    """The caller's subscription of the path: another user's or app's is not found."""
    caller = ctx.require_caller()
    row: sqlite3.Row | None = db.execute(
        "SELECT * FROM subscription WHERE id = ? AND extension_id = ? AND client_id = ?",
        (ctx.args["subscription_id"], caller.extension_id, caller.client_id),
    ).fetchone()
    if row is None:
        raise ApiError(404, "CMN-120", "Invalid URI")
    if row["expires_ts"] <= clock.now():
        raise ApiError(404, "SUB-507", "Subscription is expired")
    return row


@route(
    "/restapi/v1.0/subscription",
    methods=["POST"],
    operation="createSubscription",
    group="Medium",
)
def create(ctx: Ctx) -> Response:
    caller = ctx.require_caller()
    data = read_json(ctx)
    if not isinstance(data, dict):
        raise ApiError(400, "CMN-104", "Cannot parse request")
    filters = parse_filters(ctx, data.get("eventFilters"))
    mode = data.get("deliveryMode")
    if not isinstance(mode, dict) or mode.get("transportType") != "WebHook":
        raise invalid_parameter("deliveryMode.transportType", (mode or {}).get("transportType"))
    address = mode.get("address")
    if not isinstance(address, str) or not address.startswith(("http://", "https://")):
        raise invalid_parameter("deliveryMode.address", address)
    token = mode.get("verificationToken")
    if token is not None and not isinstance(token, str):
        raise invalid_parameter("deliveryMode.verificationToken")
    ttl = parse_ttl(data.get("expiresIn"), ctx.config.subscription_default_ttl)
    with ctx.store.read() as db:
        count = db.execute(
            "SELECT COUNT(*) FROM subscription WHERE extension_id = ? AND client_id = ? "
            "AND expires_ts > ?",
            (caller.extension_id, caller.client_id, clock.now()),
        ).fetchone()[0]
    if count >= MAX_PER_USER_AND_APP:
        raise ApiError(403, "SUB-505", "Subscriptions limit exceeded")
    validate_address(address, ctx.config)
    now = clock.now()
    subscription_id = str(uuid.uuid4())
    with ctx.store.write() as db:
        cursor = db.execute("SELECT COALESCE(MAX(seq), 0) FROM change_log").fetchone()[0]
        db.execute(
            "INSERT INTO subscription(id, client_id, extension_id, account_id, event_filters, "
            "address, verification_token, created_ts, expires_ts, ttl, status, cursor) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'Active', ?)",
            (subscription_id, caller.client_id, caller.extension_id, caller.account_id,
             dumps([f.text for f in filters]), address, token, now, now + ttl, ttl, cursor),
        )  # fmt: skip
        row = db.execute("SELECT * FROM subscription WHERE id = ?", (subscription_id,)).fetchone()
    return json_response(subscription_record(ctx, row))


@route("/restapi/v1.0/subscription", methods=["GET"], operation="listSubscriptions", group="Light")
def list_subscriptions(ctx: Ctx) -> Response:
    caller = ctx.require_caller()
    with ctx.store.read() as db:
        rows = db.execute(
            "SELECT * FROM subscription WHERE extension_id = ? AND client_id = ? "
            "AND expires_ts > ? ORDER BY created_ts",
            (caller.extension_id, caller.client_id, clock.now()),
        ).fetchall()
    return json_response(
        {
            "uri": f"{ctx.base_url}/restapi/v1.0/subscription",
            "records": [subscription_record(ctx, row) for row in rows],
        }
    )


@route(
    "/restapi/v1.0/subscription/<subscription_id>",
    methods=["GET"],
    operation="readSubscription",
    group="Light",
)
def read(ctx: Ctx) -> Response:
    with ctx.store.read() as db:
        row = load_own(ctx, db)
    return json_response(subscription_record(ctx, row))


def renew_row(ctx: Ctx, *, filters: list[EventFilter] | None, ttl: int | None) -> Response:
    now = clock.now()
    with ctx.store.write() as db:
        row = load_own(ctx, db)
        lifetime = row["ttl"] if ttl is None else ttl
        texts = loads(row["event_filters"]) if filters is None else [f.text for f in filters]
        db.execute(
            "UPDATE subscription SET expires_ts = ?, ttl = ?, event_filters = ? WHERE id = ?",
            (now + lifetime, lifetime, dumps(texts), row["id"]),
        )
        row = db.execute("SELECT * FROM subscription WHERE id = ?", (row["id"],)).fetchone()
    return json_response(subscription_record(ctx, row))


@route(
    "/restapi/v1.0/subscription/<subscription_id>",
    methods=["PUT"],
    operation="updateSubscription",
    group="Medium",
)
def update(ctx: Ctx) -> Response:
    """New filters and/or lifetime; an empty body renews (REFERENCE §16.1)."""
    data = read_json(ctx) if ctx.request.get_data(cache=True).strip() else {}
    if not isinstance(data, dict):
        raise ApiError(400, "CMN-104", "Cannot parse request")
    filters = parse_filters(ctx, data["eventFilters"]) if "eventFilters" in data else None
    ttl = parse_ttl(data.get("expiresIn"), 0) if "expiresIn" in data else None
    return renew_row(ctx, filters=filters, ttl=ttl)


@route(
    "/restapi/v1.0/subscription/<subscription_id>/renew",
    methods=["POST"],
    operation="renewSubscription",
    group="Light",
)
def renew(ctx: Ctx) -> Response:
    return renew_row(ctx, filters=None, ttl=None)


@route(
    "/restapi/v1.0/subscription/<subscription_id>",
    methods=["DELETE"],
    operation="deleteSubscription",
    group="Medium",
)
def delete(ctx: Ctx) -> Response:
    caller = ctx.require_caller()
    with ctx.store.write() as db:
        gone = db.execute(
            "DELETE FROM subscription WHERE id = ? AND extension_id = ? AND client_id = ?",
            (ctx.args["subscription_id"], caller.extension_id, caller.client_id),
        ).rowcount
        if not gone:
            raise ApiError(404, "CMN-120", "Invalid URI")
        db.execute(
            "DELETE FROM notification WHERE subscription_id = ?", (ctx.args["subscription_id"],)
        )
    return Response(status=204)
