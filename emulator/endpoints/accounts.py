"""Who is signed in and what they may use: extensions and their phone numbers.

- `readExtension` (Light): `GetExtensionInfoResponse`, as in the spec's own sample
  (REFERENCE §15.6); `serviceFeatures` only when reading one's own extension.
- `listExtensions`: `GetExtensionListResponse` of the caller's account. The spec puts it in
  the **Medium** group (`x-throttling-group: Medium`), which the emulator follows. Any user
  of the account may list it (the app has ReadAccounts); other accounts are invisible (404).
  Records are sorted by extension number (the spec is silent; its sample is unordered).
- `listExtensionPhoneNumbers` (Light): the extension's own numbers, then the company-level
  numbers it may use (the operation's description; the spec's sample lists company numbers).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from werkzeug.wrappers import Response

from emulator import clock
from emulator.errors import invalid_parameter
from emulator.inbound import full_name
from emulator.paging import page_params, paging_blocks
from emulator.store import loads
from emulator.web import Ctx, json_response, mailbox, resolve_account, route

# enums of the spec: ExtensionStatusEnumFull, AllExtensionTypesEnum, PhoneNumberStatus,
# PhoneNumberUsageType
EXTENSION_STATUSES = ("Enabled", "Disabled", "Frozen", "NotActivated", "Unassigned")
EXTENSION_TYPES = (
    "User", "Department", "Announcement", "Voicemail", "DigitalUser", "VirtualUser", "FaxUser",
    "PagingOnly", "SharedLinesGroup", "DelegatedLinesGroup", "GroupCallPickup", "IvrMenu",
    "ApplicationExtension", "ProxyAdmin", "RoomConnector", "ParkLocation", "Limited", "Bot",
    "Site", "Room", "FlexibleUser", "TieLine", "Unknown",
)  # fmt: skip
NUMBER_STATUSES = ("Normal", "Pending", "PortedIn", "Temporary", "Unknown")
USAGE_TYPES = (
    "MainCompanyNumber", "AdditionalCompanyNumber", "CompanyNumber", "DirectNumber",
    "CompanyFaxNumber", "FmcBusinessMobileNumber", "InventoryFmcBusinessMobileNumber",
    "ForwardedNumber", "ForwardedCompanyNumber", "ContactCenterNumber", "ConferencingNumber",
    "MeetingsNumber", "NumberPool", "BusinessMobileNumber", "ELIN",
    "PartnerBusinessMobileNumber", "NumberPoolPartnerBusinessMobileNumber", "NumberStorage",
    "IntegrationNumber", "InventoryMobileNumber",
)  # fmt: skip
NANP_TOLL_FREE = ("800", "833", "844", "855", "866", "877", "888")
OWN_FEATURES = (
    "SMS", "SMSReceiving", "MMS", "Pager", "PagerReceiving", "Fax", "FaxReceiving", "Voicemail",
)  # fmt: skip


def account_uri(base_url: str, account_id: int) -> str:
    return f"{base_url}/restapi/v1.0/account/{account_id}"


def extension_uri(base_url: str, row: sqlite3.Row) -> str:
    return f"{account_uri(base_url, row['account_id'])}/extension/{row['id']}"


def contact_info(db: sqlite3.Connection, row: sqlite3.Row) -> dict[str, Any]:
    """`ContactInfo`: the company is the account's name, the business phone the direct number.
    A team mailbox named in one word ("Billing") has no `lastName`."""
    contact: dict[str, Any] = {"firstName": row["first_name"]}
    if row["last_name"]:
        contact["lastName"] = row["last_name"]
    account = db.execute("SELECT name FROM account WHERE id = ?", (row["account_id"],)).fetchone()
    if account is not None:
        contact["company"] = account["name"]
    contact["email"] = row["email"]
    direct = db.execute(
        "SELECT phone_number FROM phone_number WHERE extension_id = ? "
        "AND usage_type = 'DirectNumber' ORDER BY is_primary DESC, id LIMIT 1",
        (row["id"],),
    ).fetchone()
    if direct is not None:
        contact["businessPhone"] = direct["phone_number"]
    contact["emailAsLoginName"] = row["username"] == row["email"]
    return contact


def extension_summary(ctx: Ctx, db: sqlite3.Connection, row: sqlite3.Row) -> dict[str, Any]:
    """`GetExtensionListInfoResponse`: the fields a list record carries (spec sample)."""
    return {
        "uri": extension_uri(ctx.base_url, row),
        "id": row["id"],
        "extensionNumber": row["extension_number"],
        "contact": contact_info(db, row),
        "name": full_name(row),
        "type": row["type"],
        "status": row["status"],
        "permissions": {
            "admin": {"enabled": bool(row["is_admin"])},
            "internationalCalling": {"enabled": False},
        },
        "hidden": False,
        "creationTime": clock.iso(row["created_ts"], seconds_only=True),
    }


def extension_record(ctx: Ctx, row: sqlite3.Row, *, own: bool) -> dict[str, Any]:
    """`GetExtensionInfoResponse`; `serviceFeatures` only when reading one's own extension."""
    with ctx.store.read() as db:
        record = extension_summary(ctx, db, row)
    record["account"] = {
        "uri": account_uri(ctx.base_url, row["account_id"]),
        "id": str(row["account_id"]),
    }
    record["regionalSettings"] = {
        "timezone": {
            "uri": f"{ctx.base_url}/restapi/v1.0/dictionary/timezone/58",
            "id": "58",
            "name": "US/Pacific",
            "bias": "-480",
        },
        "homeCountry": {
            "uri": f"{ctx.base_url}/restapi/v1.0/dictionary/country/1",
            "id": "1",
            "name": "United States",
            "isoCode": "US",
            "callingCode": "1",
        },
        "language": {"id": "1033", "name": "English (United States)", "localeCode": "en-US"},
        "greetingLanguage": {
            "id": "1033", "name": "English (United States)", "localeCode": "en-US",
        },
        "formattingLocale": {
            "id": "1033", "name": "English (United States)", "localeCode": "en-US",
        },
        "timeFormat": "12h",
    }  # fmt: skip
    record["setupWizardState"] = "Completed"
    if own:
        record["serviceFeatures"] = [
            {"featureName": feature, "enabled": True} for feature in OWN_FEATURES
        ]
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


def list_page(ctx: Ctx) -> tuple[int, int]:
    """`page`/`perPage` of an `EnumeratedPagingModel` list, whose `perPage` is 1..1000."""
    page, per_page = page_params(ctx.request.args)
    if per_page < 1:
        raise invalid_parameter("perPage", ctx.request.args.get("perPage"))
    return page, per_page


def enum_values(ctx: Ctx, name: str, allowed: Sequence[str]) -> list[str]:
    """A repeated-key filter (REFERENCE §1.2); empty values are ignored (`allowEmptyValue`)."""
    values = [value for value in ctx.request.args.getlist(name) if value != ""]
    for value in values:
        if value not in allowed:
            raise invalid_parameter(name, value)
    return values


def placeholders(values: Sequence[object]) -> str:
    return ", ".join("?" for _ in values)


@route(
    "/restapi/v1.0/account/<account_id>/extension",
    methods=["GET"],
    operation="listExtensions",
    group="Medium",
)
def list_extensions(ctx: Ctx) -> Response:
    account_id = resolve_account(ctx, ctx.args["account_id"])
    args = ctx.request.args
    page, per_page = list_page(ctx)
    statuses = enum_values(ctx, "status", EXTENSION_STATUSES)
    types = enum_values(ctx, "type", EXTENSION_TYPES)
    emails = [value for value in args.getlist("email") if value]
    number = args.get("extensionNumber", "")
    if len(number) > 8:  # maxLength 8 in the spec
        raise invalid_parameter("extensionNumber", number)

    where: list[str] = ["account_id = ?"]
    params: list[object] = [account_id]
    filters: list[tuple[str, str]] = []
    if number:
        where.append("extension_number = ?")
        params.append(number)
        filters.append(("extensionNumber", number))
    if emails:
        where.append(f"lower(email) IN ({placeholders(emails)})")
        params.extend(email.lower() for email in emails)
        filters.extend(("email", email) for email in emails)
    if statuses:
        where.append(f"status IN ({placeholders(statuses)})")
        params.extend(statuses)
        filters.extend(("status", status) for status in statuses)
    if types:
        where.append(f"type IN ({placeholders(types)})")
        params.extend(types)
        filters.extend(("type", kind) for kind in types)
    condition = " AND ".join(where)
    with ctx.store.read() as db:
        total = db.execute(
            f"SELECT COUNT(*) FROM extension WHERE {condition}",  # noqa: S608 (fixed fragments)  # nosec B608
            params,
        ).fetchone()[0]
        rows = db.execute(
            f"SELECT * FROM extension WHERE {condition} "  # noqa: S608 (fixed fragments)  # nosec B608
            "ORDER BY length(extension_number), extension_number, id LIMIT ? OFFSET ?",
            [*params, per_page, (page - 1) * per_page],
        ).fetchall()
        records = [extension_summary(ctx, db, row) for row in rows]
    base = f"{account_uri(ctx.base_url, account_id)}/extension"
    uri, paging, navigation = paging_blocks(
        base, filters, page=page, per_page=per_page, total=total, shown=len(records)
    )
    return json_response(
        {"uri": uri, "records": records, "paging": paging, "navigation": navigation}
    )


def payment_type(phone_number: str) -> str:
    is_toll_free = phone_number.startswith("+1") and phone_number[2:5] in NANP_TOLL_FREE
    return "TollFree" if is_toll_free else "Local"


def phone_number_record(
    ctx: Ctx, row: sqlite3.Row, owner: sqlite3.Row | None = None
) -> dict[str, Any]:
    """`UserPhoneNumberInfo`, shaped like the spec's sample; `extension` for own numbers."""
    record: dict[str, Any] = {
        "uri": f"{account_uri(ctx.base_url, row['account_id'])}/phone-number/{row['id']}",
        "id": row["id"],
        "phoneNumber": row["phone_number"],
        "paymentType": payment_type(row["phone_number"]),
        "type": row["type"],
        "usageType": row["usage_type"],
        "status": "Normal",
        "country": {
            "uri": f"{ctx.base_url}/restapi/v1.0/dictionary/country/1",
            "id": "1",
            "name": "United States",
        },
        "features": loads(row["features"]),
        "primary": bool(row["is_primary"]),
    }
    if row["label"]:
        record["label"] = row["label"]
    if row["location"]:
        record["location"] = row["location"]
    if owner is not None:
        record["extension"] = {
            "uri": extension_uri(ctx.base_url, owner),
            "id": owner["id"],
            "extensionNumber": owner["extension_number"],
        }
    return record


@route(
    "/restapi/v1.0/account/<account_id>/extension/<extension_id>/phone-number",
    methods=["GET"],
    operation="listExtensionPhoneNumbers",
    group="Light",
)
def list_phone_numbers(ctx: Ctx) -> Response:
    row = mailbox(ctx, permission="ReadUserPhoneNumbers")
    args = ctx.request.args
    page, per_page = list_page(ctx)
    status = args.get("status", "")
    if status and status not in NUMBER_STATUSES:
        raise invalid_parameter("status", status)
    usage_types = enum_values(ctx, "usageType", USAGE_TYPES)
    filters: list[tuple[str, str]] = [("status", status)] if status else []
    filters.extend(("usageType", usage) for usage in usage_types)
    with ctx.store.read() as db:
        numbers = db.execute(
            "SELECT * FROM phone_number WHERE extension_id = ? "
            "OR (extension_id IS NULL AND account_id = ?) "
            "ORDER BY extension_id IS NULL, id",
            (row["id"], row["account_id"]),
        ).fetchall()
    # every number the emulator holds is in service, so `status` other than Normal is empty
    chosen = [
        number
        for number in numbers
        if (not status or status == "Normal")
        and (not usage_types or number["usage_type"] in usage_types)
    ]
    start = (page - 1) * per_page
    shown = chosen[start : start + per_page]
    records = [
        phone_number_record(ctx, number, row if number["extension_id"] is not None else None)
        for number in shown
    ]
    uri, paging, navigation = paging_blocks(
        f"{extension_uri(ctx.base_url, row)}/phone-number",
        filters,
        page=page,
        per_page=per_page,
        total=len(chosen),
        shown=len(records),
    )
    return json_response(
        {"uri": uri, "records": records, "paging": paging, "navigation": navigation}
    )
