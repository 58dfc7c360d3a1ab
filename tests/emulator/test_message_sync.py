"""syncMessages: `GET …/extension/~/message-sync`, FSync then ISync (REFERENCE §11)."""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from emulator.clock import parse_iso
from tests.emulator.factories import (
    ancient_day,
    conversation_of,
    iso,
    make_fax,
    make_sms,
    make_voicemail,
    unique_number,
)
from tests.emulator.openapi import assert_matches_schema

URL_SAFE = re.compile(r"^[A-Za-z0-9._~=-]+$")


def sync(emulator, which="admin", extension="~", **params):
    return emulator.session(which).get(
        emulator.api(f"/account/~/extension/{extension}/message-sync"), params=params, timeout=10
    )


def ok(response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert_matches_schema(body, "GetMessageSyncResponse")
    return body


def ids_of(body) -> list[int]:
    return [record["id"] for record in body["records"]]


def put_read_status(emulator, message_id, status):
    response = emulator.session("admin").put(
        emulator.api(f"/account/~/extension/~/message-store/{message_id}"),
        json={"readStatus": status}, timeout=10,
    )  # fmt: skip
    assert response.status_code == 200


@pytest.fixture(scope="module")
def admin_id(emulator):
    return emulator.user("admin")["extension_id"]


def test_a_full_sync_answers_the_frame_newest_first_with_a_token(emulator, admin_id):
    day = ancient_day()
    made = [make_sms(emulator.db_path, admin_id, created_ts=day + n) for n in range(3)]
    make_sms(emulator.db_path, admin_id, created_ts=day + 5, availability="Deleted")
    before = time.time()

    body = ok(sync(emulator, syncType="FSync", dateFrom=iso(day), dateTo=iso(day + 86399)))

    assert ids_of(body) == made[::-1]
    info = body["syncInfo"]
    assert info["syncType"] == "FSync" and info["olderRecordsExist"] is False
    assert URL_SAFE.match(info["syncToken"])
    assert before - 1 <= parse_iso(info["syncTime"]) <= time.time() + 1
    assert "paging" not in body and "navigation" not in body
    assert body["uri"].endswith(f"/message-sync?syncType=FSync&dateFrom={iso(day)}"
                                f"&dateTo={iso(day + 86399)}".replace(":", "%3A"))  # fmt: skip
    assert f"/extension/{admin_id}/" in body["uri"]


def test_a_full_sync_covers_the_last_seven_days_by_default(emulator, admin_id):
    number = unique_number()
    now = time.time()
    recent = make_sms(emulator.db_path, admin_id, other_number=number, created_ts=now - 60)
    days_ago = make_sms(emulator.db_path, admin_id, other_number=number,
                        created_ts=now - 6 * 86400)  # fmt: skip
    make_sms(emulator.db_path, admin_id, other_number=number, created_ts=now - 8 * 86400)
    conversation = conversation_of(emulator.db_path, recent)

    body = ok(sync(emulator, syncType="FSync", conversationId=conversation))

    assert ids_of(body) == [recent, days_ago]


def test_record_count_keeps_the_newest_and_says_older_records_exist(emulator, admin_id):
    day = ancient_day()
    made = [make_fax(emulator.db_path, admin_id, created_ts=day + n) for n in range(4)]
    frame = {"syncType": "FSync", "dateFrom": iso(day), "dateTo": iso(day + 86399)}

    cut = ok(sync(emulator, recordCount=3, **frame))
    assert ids_of(cut) == made[:0:-1] and cut["syncInfo"]["olderRecordsExist"] is True
    whole = ok(sync(emulator, recordCount=4, **frame))
    assert len(whole["records"]) == 4 and whole["syncInfo"]["olderRecordsExist"] is False


def test_a_full_sync_applies_type_direction_and_distinct_filters(emulator, admin_id):
    day = ancient_day()
    number = unique_number()
    make_sms(emulator.db_path, admin_id, other_number=number, created_ts=day + 1)
    latest = make_sms(emulator.db_path, admin_id, other_number=number, created_ts=day + 2,
                      direction="Outbound")  # fmt: skip
    voicemail = make_voicemail(emulator.db_path, admin_id, created_ts=day + 3)
    frame = {"syncType": "FSync", "dateFrom": iso(day), "dateTo": iso(day + 86399)}

    assert ids_of(ok(sync(emulator, messageType="VoiceMail", **frame))) == [voicemail]
    assert ids_of(ok(sync(emulator, direction="Outbound", **frame))) == [latest]
    distinct = ok(sync(emulator, distinctConversations="True", messageType=["SMS"], **frame))
    assert ids_of(distinct) == [latest]


def test_an_incremental_sync_answers_what_changed_since_the_token(emulator, admin_id):
    number = unique_number()
    now = time.time()
    unchanged = make_sms(emulator.db_path, admin_id, other_number=number, created_ts=now - 600)
    to_read = make_sms(emulator.db_path, admin_id, other_number=number, created_ts=now - 500)
    to_delete = make_sms(emulator.db_path, admin_id, other_number=number, created_ts=now - 400)
    conversation = conversation_of(emulator.db_path, unchanged)
    full = ok(sync(emulator, syncType="FSync", conversationId=conversation))
    assert ids_of(full) == [to_delete, to_read, unchanged]
    token = full["syncInfo"]["syncToken"]

    put_read_status(emulator, to_read, "Read")
    emulator.session("admin").delete(
        emulator.api(f"/account/~/extension/~/message-store/{to_delete}"), timeout=10
    )
    arrived = make_sms(emulator.db_path, admin_id, other_number=number)
    elsewhere = make_sms(emulator.db_path, admin_id)  # another conversation: outside the frame

    body = ok(sync(emulator, syncType="ISync", syncToken=token))

    assert body["syncInfo"]["syncType"] == "ISync"
    assert body["syncInfo"]["syncToken"] != token
    records = {record["id"]: record for record in body["records"]}
    assert set(records) == {arrived, to_delete, to_read}
    assert elsewhere not in records and unchanged not in records
    assert records[to_read]["readStatus"] == "Read"
    assert ids_of(body) == [arrived, to_delete, to_read]
    removed = records[to_delete]
    assert removed["availability"] == "Deleted"
    assert set(removed) == {
        "uri", "id", "type", "creationTime", "readStatus", "direction", "availability",
        "messageStatus", "conversationId", "conversation", "lastModifiedTime",
    }  # fmt: skip

    later = ok(sync(emulator, syncType="ISync", syncToken=body["syncInfo"]["syncToken"]))
    # nothing changed since, but the 5 s overlap may repeat the last changes
    assert set(ids_of(later)) <= {arrived, to_delete, to_read}


def test_an_incremental_sync_stays_inside_the_frame_filters(emulator, admin_id):
    day = ancient_day()
    fax = make_fax(emulator.db_path, admin_id, created_ts=day + 1)
    sms = make_sms(emulator.db_path, admin_id, created_ts=day + 2)
    frame = {"dateFrom": iso(day), "dateTo": iso(day + 86399), "messageType": "Fax"}
    token = ok(sync(emulator, syncType="FSync", **frame))["syncInfo"]["syncToken"]

    put_read_status(emulator, fax, "Read")
    put_read_status(emulator, sms, "Read")

    # the frame comes from the token: a messageType sent with ISync does not widen it
    body = ok(sync(emulator, syncType="ISync", syncToken=token, messageType="SMS"))
    assert ids_of(body) == [fax]


def test_an_incremental_sync_with_an_earlier_date_from_extends_the_frame(emulator, admin_id):
    day = ancient_day()
    older = make_sms(emulator.db_path, admin_id, created_ts=day + 100)
    inside = make_sms(emulator.db_path, admin_id, created_ts=day + 5000)
    frame = {"dateFrom": iso(day + 1000), "dateTo": iso(day + 86399)}
    full = ok(sync(emulator, syncType="FSync", **frame))
    assert ids_of(full) == [inside]

    extended = ok(sync(emulator, syncType="ISync", syncToken=full["syncInfo"]["syncToken"],
                       dateFrom=iso(day)))  # fmt: skip
    assert ids_of(extended) == [older]

    put_read_status(emulator, older, "Read")
    again = ok(sync(emulator, syncType="ISync", syncToken=extended["syncInfo"]["syncToken"]))
    assert older in ids_of(again)


@pytest.mark.parametrize(
    "params",
    [{}, {"syncType": "Full"}, {"syncType": "fsync"}, {"syncType": "FSync", "recordCount": "0"},
     {"syncType": "FSync", "messageType": "MMS"}, {"syncType": "FSync", "conversationId": "x"},
     {"syncType": "FSync", "dateFrom": "now"}],
)  # fmt: skip
def test_it_refuses_bad_parameters_with_cmn_101(emulator, params):
    response = sync(emulator, **params)
    assert response.status_code == 400
    assert response.json()["errorCode"] == "CMN-101"


def test_it_wants_a_token_for_an_incremental_sync(emulator):
    response = sync(emulator, syncType="ISync")
    assert response.status_code == 400
    assert response.json()["message"] == "Parameter [syncToken] value is invalid."


def test_it_refuses_garbled_forged_and_foreign_tokens_with_msg_333(emulator):
    token = ok(sync(emulator, syncType="FSync", recordCount=1))["syncInfo"]["syncToken"]
    payload, signature = token.split(".")
    forged_payload = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB")
    agent_id = emulator.user("agent")["extension_id"]

    for bad, extension in [
        ("garbage", "~"),
        (token[:-3], "~"),
        (f"{forged_payload}.{signature}", "~"),
        (token, str(agent_id)),  # the admin's token used on the agent's mailbox
    ]:
        response = sync(emulator, "admin", extension, syncType="ISync", syncToken=bad)
        assert response.status_code == 400, bad
        body = response.json()
        assert body["errorCode"] == "MSG-333"
        assert body["message"] == "Parameter [syncToken] is invalid"


def test_it_lets_an_admin_sync_another_mailbox_but_not_an_agent(emulator, admin_id):
    agent_id = emulator.user("agent")["extension_id"]
    day = ancient_day()
    theirs = make_sms(emulator.db_path, agent_id, created_ts=day + 1)
    frame = {"syncType": "FSync", "dateFrom": iso(day), "dateTo": iso(day + 86399)}
    assert ids_of(ok(sync(emulator, "admin", str(agent_id), **frame))) == [theirs]
    refused = sync(emulator, "agent", str(admin_id), **frame)
    assert refused.status_code == 403 and refused.json()["errorCode"] == "CMN-419"


def test_its_echoed_uri_never_carries_an_access_token(emulator):
    token = emulator.token("admin")["access_token"]
    response = emulator.session("admin").get(
        emulator.api("/account/~/extension/~/message-sync"),
        params={"syncType": "FSync", "recordCount": 1, "access_token": token}, timeout=10,
    )  # fmt: skip
    query = parse_qsl(urlsplit(ok(response)["uri"]).query)
    assert query == [("syncType", "FSync"), ("recordCount", "1")]
