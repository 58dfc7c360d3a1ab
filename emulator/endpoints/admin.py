"""Endpoints outside `/restapi` for tests, benchmarks and demos: the request log."""

from __future__ import annotations

from werkzeug.wrappers import Response

from emulator.errors import ApiError
from emulator.web import Ctx, json_response, route


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
