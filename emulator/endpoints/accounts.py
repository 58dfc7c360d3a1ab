"""Who is signed in and what they may use: extensions and their phone numbers."""

from __future__ import annotations

import sqlite3
from typing import Any

from werkzeug.wrappers import Response

from emulator import clock
from emulator.store import loads
from emulator.web import Ctx, json_response, mailbox, route


def extension_uri(base_url: str, row: sqlite3.Row) -> str:
    return f"{base_url}/restapi/v1.0/account/{row['account_id']}/extension/{row['id']}"


def extension_record(ctx: Ctx, row: sqlite3.Row, *, own: bool) -> dict[str, Any]:
    """`GetExtensionInfoResponse`; `serviceFeatures` only when reading one's own extension."""
    name = f"{row['first_name']} {row['last_name']}"
    record: dict[str, Any] = {
        "uri": extension_uri(ctx.base_url, row),
        "id": row["id"],
        "extensionNumber": row["extension_number"],
        "contact": {
            "firstName": row["first_name"],
            "lastName": row["last_name"],
            "email": row["email"],
            "emailAsLoginName": True,
        },
        "name": name,
        "type": row["type"],
        "status": row["status"],
        "permissions": {
            "admin": {"enabled": bool(row["is_admin"])},
            "internationalCalling": {"enabled": False},
        },
        "account": {
            "uri": f"{ctx.base_url}/restapi/v1.0/account/{row['account_id']}",
            "id": str(row["account_id"]),
        },
        "creationTime": clock.iso(row["created_ts"], seconds_only=True),
        "hidden": False,
    }
    if own:
        record["serviceFeatures"] = [
            {"featureName": feature, "enabled": True}
            for feature in ("SMS", "SMSReceiving", "MMS", "Pager", "PagerReceiving", "Fax",
                            "FaxReceiving", "Voicemail")
        ]  # fmt: skip
    return record


@route(
    "/restapi/v1.0/account/<account_id>/extension/<extension_id>",
    methods=["GET"],
    operation="readExtension",
    group="Light",
)
def read_extension(ctx: Ctx) -> Response:
    row = mailbox(ctx, permission="ReadExtensions")
    own = row["id"] == ctx.require_caller().extension_id
    return json_response(extension_record(ctx, row, own=own))


def phone_number_record(ctx: Ctx, row: sqlite3.Row) -> dict[str, Any]:
    return {
        "uri": f"{ctx.base_url}/restapi/v1.0/account/{row['account_id']}/phone-number/{row['id']}",
        "id": row["id"],
        "phoneNumber": row["phone_number"],
        "country": {"id": "1", "isoCode": "US", "name": "United States"},
        "location": row["location"] or "",
        "paymentType": "TollFree" if row["phone_number"].startswith("+18") else "Local",
        "status": "Normal",
        "type": row["type"],
        "usageType": row["usage_type"],
        "features": loads(row["features"]),
        "primary": bool(row["is_primary"]),
        "label": row["label"] or "",
    }


@route(
    "/restapi/v1.0/account/<account_id>/extension/<extension_id>/phone-number",
    methods=["GET"],
    operation="listExtensionPhoneNumbers",
    group="Light",
)
def list_phone_numbers(ctx: Ctx) -> Response:
    row = mailbox(ctx, permission="ReadUserPhoneNumbers")
    with ctx.store.read() as db:
        numbers = db.execute(
            "SELECT * FROM phone_number WHERE extension_id = ? ORDER BY id", (row["id"],)
        ).fetchall()
    records = [phone_number_record(ctx, number) for number in numbers]
    href = f"{extension_uri(ctx.base_url, row)}/phone-number?page=1&perPage=100"
    return json_response(
        {
            "uri": href,
            "records": records,
            "paging": {
                "page": 1, "totalPages": 1, "perPage": 100, "totalElements": len(records),
                **({"pageStart": 0, "pageEnd": len(records) - 1} if records else {}),
            },
            "navigation": {"firstPage": {"uri": href}, "lastPage": {"uri": href}},
        }
    )  # fmt: skip
