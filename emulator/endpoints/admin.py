"""Endpoints outside `/restapi` for tests, benchmarks and demos: the request log, faults on
demand, rate-limit settings, and ending a user's sessions."""

from __future__ import annotations

from werkzeug.wrappers import Response

from emulator.endpoints.oauth import revoke_extension_sessions
from emulator.errors import ApiError, invalid_parameter
from emulator.faults import FaultPlan
from emulator.limits import DEFAULT_LIMITS, RatePlan
from emulator.web import Ctx, json_response, read_json, route


def require_admin(ctx: Ctx) -> None:
    expected = ctx.config.admin_token
    if expected and ctx.request.headers.get("X-Emulator-Admin-Token") != expected:
        raise ApiError(403, "CMN-402", "Administrator permission required")


@route("/_emulator/requests", methods=["GET"], auth=False)
def request_log(ctx: Ctx) -> Response:
    """Counts of `/restapi` requests by extension, operation, rate group and status.

    `?since=<unix seconds>` narrows to requests after that moment.
    """
    require_admin(ctx)
    since = float(ctx.request.args.get("since", "0") or 0)
    with ctx.store.read() as db:
        rows = db.execute(
            "SELECT extension_id, client_id, operation, rate_group, status, COUNT(*) AS n "
            "FROM request_log WHERE ts >= ? "
            "GROUP BY extension_id, client_id, operation, rate_group, status "
            "ORDER BY extension_id, operation",
            (since,),
        ).fetchall()
    groups = [
        {
            "extensionId": row["extension_id"],
            "clientId": row["client_id"],
            "operation": row["operation"],
            "rateGroup": row["rate_group"],
            "status": row["status"],
            "count": row["n"],
        }
        for row in rows
    ]
    return json_response({"total": sum(g["count"] for g in groups), "records": groups})


@route("/_emulator/requests", methods=["DELETE"], auth=False)
def request_log_clear(ctx: Ctx) -> Response:
    require_admin(ctx)
    with ctx.store.write() as db:
        db.execute("DELETE FROM request_log")
    return Response(status=204)


@route("/_emulator/faults", methods=["GET"], auth=False)
def faults_read(ctx: Ctx) -> Response:
    require_admin(ctx)
    return json_response(ctx.runtime.faults.plan.to_json())


@route("/_emulator/faults", methods=["PUT"], auth=False)
def faults_replace(ctx: Ctx) -> Response:
    """Replace the faults in force, e.g. `{"latency": "100-300", "error_rate": 0.1,
    "forced_429": [{"extension_id": 5000000102, "group": "Medium"}]}`; omitted keys reset."""
    require_admin(ctx)
    data = read_json(ctx)
    if not isinstance(data, dict):
        raise invalid_parameter("faults")
    try:
        plan = FaultPlan.from_json(data)
    except (TypeError, ValueError) as exc:
        raise ApiError(400, "CMN-101", f"Parameter [faults] value is invalid: {exc}") from exc
    ctx.runtime.faults.replace(plan)
    return json_response(plan.to_json())


@route("/_emulator/faults", methods=["DELETE"], auth=False)
def faults_clear(ctx: Ctx) -> Response:
    require_admin(ctx)
    ctx.runtime.faults.replace(FaultPlan())
    return Response(status=204)


@route("/_emulator/rate-limits", methods=["GET"], auth=False)
def rate_limits_read(ctx: Ctx) -> Response:
    require_admin(ctx)
    plan = ctx.runtime.limiter.plan
    return json_response(
        {"enabled": plan.enabled, "limits": plan.limits, "window": plan.window,
         "penalty": plan.penalty}
    )  # fmt: skip


@route("/_emulator/rate-limits", methods=["PUT"], auth=False)
def rate_limits_replace(ctx: Ctx) -> Response:
    """Change the plan at run time (`{"enabled": true, "limits": {"Light": 5}, "window": 6}`);
    the counters start again."""
    require_admin(ctx)
    data = read_json(ctx)
    current = ctx.runtime.limiter.plan
    if not isinstance(data, dict):
        raise invalid_parameter("rateLimits")
    limits = {**current.limits, **data.get("limits", {})}
    if set(limits) != set(DEFAULT_LIMITS) or not all(
        isinstance(v, int) and v >= 0 for v in limits.values()
    ):
        raise invalid_parameter("limits")
    plan = RatePlan(
        enabled=bool(data.get("enabled", current.enabled)),
        limits=limits,
        window=float(data.get("window", current.window)),
        penalty=float(data.get("penalty", current.penalty)),
    )
    ctx.runtime.limiter.plan = plan
    ctx.runtime.limiter.reset()
    return json_response(
        {"enabled": plan.enabled, "limits": plan.limits, "window": plan.window,
         "penalty": plan.penalty}
    )  # fmt: skip


@route("/_emulator/revoke", methods=["POST"], auth=False)
def revoke_user_tokens(ctx: Ctx) -> Response:
    """End every session of a user, as an admin or a password change would:
    `{"extensionId": 5000000102}`."""
    require_admin(ctx)
    data = read_json(ctx)
    extension_id = data.get("extensionId") if isinstance(data, dict) else None
    if not isinstance(extension_id, int):
        raise invalid_parameter("extensionId")
    ended = revoke_extension_sessions(ctx.store, extension_id)
    return json_response({"extensionId": extension_id, "sessionsEnded": ended})
