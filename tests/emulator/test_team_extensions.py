"""The team mailboxes: "Support Line" (201) and "Billing" (202), `User` extensions that no one
person uses. They sign in like people, show in the directory, hold their own demo traffic,
send from their own numbers only, and take injected messages."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from emulator import clock, demo
from emulator.identity import DEMO_USERS, TEAM_EXTENSIONS
from emulator.seed import seed
from emulator.store import Store
from tests.emulator.factories import unique_number
from tests.emulator.openapi import assert_matches_operation, assert_matches_schema
from tests.emulator.sending import assert_error
from tests.emulator.test_authorize import exchange, make_verifier, me, s256, sign_in
from tests.emulator.test_inject import injected
from tests.support.emulator import REPO_ROOT, RunningEmulator

SUPPORT_LINE, BILLING = TEAM_EXTENSIONS
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
SAMS_NUMBER = "+16505550102"


def get(emulator: RunningEmulator, who: str, path: str, **params: Any) -> requests.Response:
    return emulator.session(who).get(emulator.api(path), params=params, timeout=10)


def post_token(emulator: RunningEmulator, data: dict[str, str]) -> requests.Response:
    creds = emulator.credentials
    return requests.post(
        f"{emulator.url}/restapi/oauth/token",
        data=data,
        auth=(creds["client_id"], creds["client_secret"]),
        timeout=10,
    )


def whole_mailbox(emulator: RunningEmulator, who: str, **params: Any) -> list[dict[str, Any]]:
    """Every message of the caller's mailbox over the demo's 90 days, newest first."""
    since = datetime.now(UTC) - timedelta(days=100)
    response = get(
        emulator,
        who,
        "/account/~/extension/~/message-store",
        dateFrom=since.isoformat().replace("+00:00", "Z"),
        perPage=1000,
        **params,
    )
    assert response.status_code == 200, response.text
    records: list[dict[str, Any]] = response.json()["records"]
    return records


# --------------------------------------------------------------------------- the directory


def test_it_lists_the_team_mailboxes_in_the_directory_by_their_names(emulator):
    body = get(emulator, "agent", "/account/~/extension").json()
    assert_matches_operation(body, "listExtensions", 200)
    by_number = {record["extensionNumber"]: record for record in body["records"]}

    assert list(by_number) == ["101", "102", "103", "201", "202"]
    support, billing = by_number["201"], by_number["202"]
    assert support["name"] == "Support Line" and billing["name"] == "Billing"
    assert support["id"] == SUPPORT_LINE.extension_id
    assert support["contact"]["firstName"] == "Support"
    assert support["contact"]["lastName"] == "Line"
    assert billing["contact"]["firstName"] == "Billing" and "lastName" not in billing["contact"]
    for record, number in ((support, "+16505550201"), (billing, "+16505550202")):
        assert record["type"] == "User" and record["status"] == "Enabled"
        assert record["permissions"]["admin"] == {"enabled": False}
        assert record["contact"]["businessPhone"] == number


def test_it_reads_a_team_mailboxs_extension_for_an_admin(emulator):
    response = get(emulator, "admin", f"/account/~/extension/{BILLING.extension_id}")

    assert response.status_code == 200, response.text
    body = response.json()
    assert_matches_schema(body, "GetExtensionInfoResponse")
    assert body["name"] == "Billing" and body["extensionNumber"] == "202"
    assert "serviceFeatures" not in body  # only when reading one's own extension


def test_it_gives_each_team_mailbox_a_direct_number_for_sms_mms_and_fax(emulator):
    for team in TEAM_EXTENSIONS:
        body = get(emulator, team.extension_number, "/account/~/extension/~/phone-number").json()
        assert_matches_operation(body, "listExtensionPhoneNumbers", 200)
        own = [record for record in body["records"] if "extension" in record]

        (direct,) = own
        assert direct["phoneNumber"] == team.direct_number
        assert direct["usageType"] == "DirectNumber" and direct["type"] == "VoiceFax"
        assert {"SmsSender", "MmsSender"} <= set(direct["features"])


# --------------------------------------------------------------------------- signing in


def test_it_signs_a_team_mailbox_in_with_the_password_grant(emulator):
    team = emulator.user("201")
    response = post_token(
        emulator,
        {"grant_type": "password", "username": team["username"], "password": team["password"]},
    )

    assert response.status_code == 200, response.text
    token = response.json()
    assert token["owner_id"] == str(SUPPORT_LINE.extension_id)
    extension = me(emulator, token["access_token"]).json()
    assert extension["name"] == "Support Line" and extension["extensionNumber"] == "201"
    assert extension["serviceFeatures"]  # reading its own extension


def test_it_signs_a_team_mailbox_in_with_the_jwt_grant(emulator):
    jwt = emulator.user("201")["jwt"]

    response = post_token(emulator, {"grant_type": JWT_GRANT, "assertion": jwt})

    assert response.status_code == 200, response.text
    assert_matches_schema(response.json(), "TokenInfo")
    extension = me(emulator, response.json()["access_token"]).json()
    assert extension["id"] == SUPPORT_LINE.extension_id and extension["name"] == "Support Line"


def test_it_signs_a_team_mailbox_in_on_the_sign_in_page(emulator):
    verifier = make_verifier()
    back = sign_in(emulator, "202", code_challenge=s256(verifier), code_challenge_method="S256")

    response = exchange(emulator, back["code"], verifier=verifier)

    assert response.status_code == 200, response.text
    assert response.json()["owner_id"] == str(BILLING.extension_id)
    assert me(emulator, response.json()["access_token"]).json()["name"] == "Billing"


# --------------------------------------------------------------------------- the demo mailboxes


def test_it_holds_support_line_conversations_with_customers(emulator):
    records = whole_mailbox(emulator, "201", messageType="SMS")
    latest = whole_mailbox(emulator, "201", messageType="SMS", distinctConversations="true")

    conversations = {record["conversationId"] for record in records}
    assert 28 <= len(conversations) <= 36
    assert len(latest) == len(conversations) < len(records)
    assert {record["conversationId"] for record in latest} == conversations
    number = SUPPORT_LINE.direct_number
    outbound = [record for record in records if record["direction"] == "Outbound"]
    inbound = [record for record in records if record["direction"] == "Inbound"]
    assert outbound and all(record["from"]["phoneNumber"] == number for record in outbound)
    assert inbound and all(record["to"][0]["phoneNumber"] == number for record in inbound)
    recent = clock.now() - 2 * 86400
    unread = [record for record in inbound if record["readStatus"] == "Unread"]
    assert any(clock.parse_iso(record["creationTime"]) > recent for record in unread)
    assert any(record["from"].get("name") for record in inbound)  # customers it knows
    assert any(record["from"].get("name") is None for record in inbound)
    pictures = [r for r in records if any(a["type"] == "MmsAttachment" for a in r["attachments"])]
    assert {record["direction"] for record in pictures} == {"Inbound", "Outbound"}
    failed = [record for record in outbound if record["messageStatus"] == "DeliveryFailed"]
    assert failed and all(record["deliveryErrorCode"].startswith("SMS-") for record in failed)


def test_it_gives_support_line_faxes_and_a_voicemail_and_billing_a_fax(emulator):
    support = Counter(record["type"] for record in whole_mailbox(emulator, "201"))
    billing = Counter(record["type"] for record in whole_mailbox(emulator, "202"))

    assert support["Fax"] == 2 and support["VoiceMail"] == 1
    assert billing["Fax"] == 1 and billing["VoiceMail"] == 0
    conversations = {r["conversationId"] for r in whole_mailbox(emulator, "202", messageType="SMS")}
    assert 10 <= len(conversations) <= 13


def test_it_hands_one_customer_over_from_support_line_to_billing(emulator):
    def customers(who: str) -> set[str]:
        records = whole_mailbox(emulator, who, messageType="SMS", direction="Inbound")
        return {record["from"]["phoneNumber"] for record in records}

    support, billing = customers("201"), customers("202")
    people = customers("admin") | customers("agent") | customers("agent2")

    assert len(support & billing) == 1
    assert not (support | billing) & people


def test_it_lets_an_admin_open_a_team_mailbox_and_not_an_agent(emulator):
    path = f"/account/~/extension/{SUPPORT_LINE.extension_id}/message-store"

    assert get(emulator, "admin", path).status_code == 200
    refused = get(emulator, "agent", path)
    assert_error(refused, 403, "CMN-419")


# --------------------------------------------------------------------------- sending


def test_it_sends_from_the_team_number_into_the_customers_thread(emulator):
    records = whole_mailbox(emulator, "201", messageType="SMS", direction="Inbound")
    thread = next(record for record in records if len(record["to"]) == 1)
    customer = thread["from"]["phoneNumber"]

    response = emulator.session("201").post(
        emulator.api("/account/~/extension/~/sms"),
        json={
            "from": {"phoneNumber": SUPPORT_LINE.direct_number},
            "to": [{"phoneNumber": customer}],
            "text": "Hi, this is the support line following up.",
        },
        timeout=10,
    )

    assert response.status_code == 200, response.text
    sent = response.json()
    assert sent["direction"] == "Outbound"
    assert sent["from"]["phoneNumber"] == SUPPORT_LINE.direct_number
    assert sent["conversationId"] == thread["conversationId"]
    listed = whole_mailbox(emulator, "201", conversationId=str(thread["conversationId"]))
    assert listed[0]["id"] == sent["id"]
    assert thread["id"] in {record["id"] for record in listed}


def test_it_refuses_a_team_mailbox_sending_from_a_persons_number_with_msg_245(emulator):
    response = emulator.session("201").post(
        emulator.api("/account/~/extension/~/sms"),
        json={
            "from": {"phoneNumber": SAMS_NUMBER},
            "to": [{"phoneNumber": unique_number()}],
            "text": "Not my number",
        },
        timeout=10,
    )

    assert_error(
        response,
        400,
        "MSG-245",
        "Parameter [from] value [16505550102] is invalid "
        "[Cannot find the phone number which belongs to user]",
    )


# --------------------------------------------------------------------------- inject


def test_it_delivers_an_injected_sms_to_support_line_by_its_number(emulator):
    customer = unique_number()

    created = injected(
        emulator.db_path, "sms", "--to-extension", "201", "--from", customer,
        "--from-name", "Dana Whitfield", "--text", "Is the support line open today?",
    )  # fmt: skip

    assert created["extensionId"] == SUPPORT_LINE.extension_id
    (record,) = whole_mailbox(emulator, "201", phoneNumber=customer)
    assert record["id"] == created["ids"][0]
    assert record["direction"] == "Inbound" and record["readStatus"] == "Unread"
    assert record["to"][0]["phoneNumber"] == SUPPORT_LINE.direct_number
    assert record["subject"] == "Is the support line open today?"


def test_it_delivers_an_injected_fax_to_billing_by_its_id(emulator):
    sender = unique_number()

    created = injected(
        emulator.db_path, "fax", "--to-extension", str(BILLING.extension_id), "--from", sender
    )

    assert created == {"type": "Fax", "extensionId": BILLING.extension_id, "ids": created["ids"]}
    faxes = whole_mailbox(emulator, "202", messageType="Fax")
    assert created["ids"][0] in {record["id"] for record in faxes}


# --------------------------------------------------------------------------- credentials


def test_it_prints_the_team_mailboxes_with_the_credentials(emulator):
    result = subprocess.run(
        [sys.executable, "-m", "emulator", "credentials", "--db", str(emulator.db_path)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    users = {user["extension_number"]: user for user in json.loads(result.stdout)["users"]}
    assert [user["kind"] for user in users.values()] == ["person"] * 3 + ["team"] * 2
    assert set(users["101"]) == {
        "username", "password", "extension_id", "extension_number", "name", "is_admin",
        "sms_numbers", "jwt", "kind",
    }  # fmt: skip
    support, billing = users["201"], users["202"]
    assert support["name"] == "Support Line" and billing["name"] == "Billing"
    assert support["username"] == "support.line@acme-support.example"
    assert billing["username"] == "billing@acme-support.example"
    assert support["password"] == "demo-support-201" and billing["password"] == "demo-billing-202"
    assert support["extension_id"] == SUPPORT_LINE.extension_id
    assert support["sms_numbers"] == ["+16505550201"] and billing["sms_numbers"] == ["+16505550202"]
    assert support["jwt"] and support["jwt"] != billing["jwt"]
    assert not support["is_admin"] and not billing["is_admin"]


# --------------------------------------------------------------------------- seeding


def people_content(store: Store) -> list[tuple[Any, ...]]:
    """The people's messages in creation order, without ids or times, which the team
    mailboxes' messages interleave with."""
    with store.read() as db:
        rows: list[tuple[Any, ...]] = []
        for row in db.execute(
            "SELECT * FROM message WHERE extension_id IN (?, ?, ?) ORDER BY creation_ts, id",
            [user.extension_id for user in DEMO_USERS],
        ):
            body = json.loads(row["body"])
            body.pop("smsDeliveryTime", None)
            attachments = db.execute(
                "SELECT type, content_type, content FROM attachment WHERE message_id = ? "
                "ORDER BY position",
                (row["id"],),
            ).fetchall()
            rows.append(
                (row["extension_id"], row["type"], row["direction"], row["availability"],
                 row["read_status"], row["message_status"], row["numbers"],
                 row["conversation_id"] if row["type"] == "SMS" else None,
                 json.dumps(body, sort_keys=True), [tuple(a) for a in attachments])
            )  # fmt: skip
        return rows


def test_it_leaves_the_peoples_mailboxes_as_they_were_without_the_team_traffic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    with_teams = seed(tmp_path / "with.sqlite3", seed=9, conversations=40)
    monkeypatch.setattr(demo, "plan_team_mailboxes", lambda plan, **options: None)
    without_teams = seed(tmp_path / "without.sqlite3", seed=9, conversations=40)

    with with_teams.read() as db:
        team_messages = db.execute(
            "SELECT COUNT(*) FROM message WHERE extension_id NOT IN (?, ?, ?)",
            [user.extension_id for user in DEMO_USERS],
        ).fetchone()[0]
    assert team_messages > 100
    assert people_content(with_teams) == people_content(without_teams)


def test_it_builds_the_same_team_mailboxes_from_the_same_seed(tmp_path: Path):
    def team_messages(store: Store) -> list[tuple[Any, ...]]:
        with store.read() as db:
            rows = db.execute(
                "SELECT * FROM message WHERE extension_id IN (?, ?) ORDER BY id",
                [team.extension_id for team in TEAM_EXTENSIONS],
            ).fetchall()
        return [
            (row["extension_id"], row["type"], row["direction"], row["read_status"],
             row["message_status"], row["numbers"], json.loads(row["body"]).get("subject"))
            for row in rows
        ]  # fmt: skip

    first = team_messages(seed(tmp_path / "a.sqlite3", seed=5, conversations=20))
    again = team_messages(seed(tmp_path / "b.sqlite3", seed=5, conversations=20))
    other = team_messages(seed(tmp_path / "c.sqlite3", seed=6, conversations=20))

    assert len(first) > 100
    assert again == first
    assert other != first
