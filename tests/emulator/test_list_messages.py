"""listMessages: `GET /restapi/v1.0/account/~/extension/~/message-store` (REFERENCE §3)."""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qsl, urlsplit

import pytest

from emulator.clock import iso_minute, parse_iso
from tests.emulator.factories import (
    ancient_day,
    conversation_of,
    iso,
    make_fax,
    make_many_sms,
    make_pager,
    make_sms,
    make_voicemail,
    unique_number,
)
from tests.emulator.openapi import assert_matches_schema


def window(day: float) -> dict[str, str]:
    return {"dateFrom": iso(day), "dateTo": iso(day + 86399)}


def listing(emulator, which="admin", extension="~", **params):
    http = emulator.session(which)
    return http.get(emulator.api(f"/account/~/extension/{extension}/message-store"),
                    params=params, timeout=10)  # fmt: skip


def ids_of(response) -> list[int]:
    assert response.status_code == 200, response.text
    return [record["id"] for record in response.json()["records"]]


@pytest.fixture(scope="module")
def admin_id(emulator):
    return emulator.user("admin")["extension_id"]


def test_it_lists_newest_first_breaking_ties_by_id(emulator, admin_id):
    day = ancient_day()
    older = make_sms(emulator.db_path, admin_id, created_ts=day + 10)
    first_tie = make_sms(emulator.db_path, admin_id, created_ts=day + 20)
    second_tie = make_sms(emulator.db_path, admin_id, created_ts=day + 20.5)
    newest = make_fax(emulator.db_path, admin_id, created_ts=day + 30)

    response = listing(emulator, **window(day))

    assert ids_of(response) == [newest, second_tie, first_tie, older]
    body = response.json()
    assert_matches_schema(body, "GetMessageList")
    assert body["paging"] == {"page": 1, "totalPages": 1, "perPage": 100, "totalElements": 4,
                              "pageStart": 0, "pageEnd": 3}  # fmt: skip
    assert set(body["navigation"]) == {"firstPage", "lastPage"}


def test_it_echoes_the_effective_filters_in_the_order_of_the_official_sample(emulator):
    before = time.time()
    response = listing(emulator, direction="Inbound", readStatus="Unread", perPage=2)

    assert response.status_code == 200
    uri = response.json()["uri"]
    assert uri.startswith(emulator.api("/account/"))
    assert "/extension/~" not in uri  # real ids, never `~`
    query = parse_qsl(urlsplit(uri).query)
    assert [name for name, _ in query] == [
        "direction", "readStatus", "availability", "dateFrom", "page", "perPage"
    ]  # fmt: skip
    values = dict(query)
    assert values["availability"] == "Alive"
    assert values["page"] == "1" and values["perPage"] == "2"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:00\.000Z", values["dateFrom"])
    assert values["dateFrom"] in {iso_minute(before - 86400), iso_minute(time.time() - 86400)}


def test_it_defaults_to_the_last_24_hours(emulator, admin_id):
    number = unique_number()
    recent = make_sms(
        emulator.db_path, admin_id, other_number=number, created_ts=time.time() - 3600
    )
    make_sms(emulator.db_path, admin_id, other_number=number, created_ts=time.time() - 25 * 3600)

    assert ids_of(listing(emulator, phoneNumber=number)) == [recent]


def test_it_filters_on_creation_time_with_both_ends_included(emulator, admin_id):
    day = ancient_day()
    made = [make_sms(emulator.db_path, admin_id, created_ts=day + n * 100) for n in range(4)]

    response = listing(emulator, dateFrom=iso(day + 100), dateTo=iso(day + 200))

    assert ids_of(response) == [made[2], made[1]]
    query = dict(parse_qsl(urlsplit(response.json()["uri"]).query))
    assert query["dateFrom"] == iso(day + 100) and query["dateTo"] == iso(day + 200)


def test_it_filters_by_message_type_given_as_repeated_keys(emulator, admin_id):
    day = ancient_day()
    sms = make_sms(emulator.db_path, admin_id, created_ts=day + 1)
    pager = make_pager(emulator.db_path, admin_id, created_ts=day + 2)
    fax = make_fax(emulator.db_path, admin_id, created_ts=day + 3)
    voicemail = make_voicemail(emulator.db_path, admin_id, created_ts=day + 4)

    both = listing(emulator, messageType=["SMS", "Pager"], **window(day))
    assert ids_of(both) == [pager, sms]
    assert "messageType=SMS&messageType=Pager" in both.json()["uri"]
    assert ids_of(listing(emulator, messageType="VoiceMail", **window(day))) == [voicemail]
    assert ids_of(listing(emulator, messageType="Fax", **window(day))) == [fax]


def test_it_filters_by_direction_and_read_status(emulator, admin_id):
    day = ancient_day()
    unread_in = make_sms(emulator.db_path, admin_id, created_ts=day + 1)
    read_in = make_sms(emulator.db_path, admin_id, created_ts=day + 2, read_status="Read")
    out = make_sms(emulator.db_path, admin_id, direction="Outbound", created_ts=day + 3)

    assert ids_of(listing(emulator, direction="Outbound", **window(day))) == [out]
    assert ids_of(listing(emulator, direction="Inbound", **window(day))) == [read_in, unread_in]
    assert ids_of(listing(emulator, readStatus="Unread", **window(day))) == [unread_in]
    both = listing(emulator, readStatus=["Read", "Unread"], direction="Inbound", **window(day))
    assert ids_of(both) == [read_in, unread_in]


def test_it_filters_by_conversation_and_by_phone_number(emulator, admin_id):
    day = ancient_day()
    number = unique_number()
    first = make_sms(emulator.db_path, admin_id, other_number=number, created_ts=day + 1)
    second = make_sms(emulator.db_path, admin_id, other_number=number, created_ts=day + 2,
                      direction="Outbound")  # fmt: skip
    make_sms(emulator.db_path, admin_id, created_ts=day + 3)  # another conversation
    conversation = conversation_of(emulator.db_path, first)

    by_conversation = listing(emulator, conversationId=str(conversation), **window(day))
    assert ids_of(by_conversation) == [second, first]
    assert f"conversationId={conversation}" in by_conversation.json()["uri"]
    assert ids_of(listing(emulator, phoneNumber=number, **window(day))) == [second, first]
    ten_digits = number[2:]  # 209…, without the +1
    assert ids_of(listing(emulator, phoneNumber=ten_digits, **window(day))) == [second, first]


def test_it_hides_deleted_and_purged_messages_unless_asked(emulator, admin_id):
    day = ancient_day()
    alive = make_sms(emulator.db_path, admin_id, created_ts=day + 1)
    deleted = make_sms(emulator.db_path, admin_id, created_ts=day + 2, availability="Deleted")
    purged = make_sms(emulator.db_path, admin_id, created_ts=day + 3, availability="Purged")

    assert ids_of(listing(emulator, **window(day))) == [alive]
    assert ids_of(listing(emulator, availability="Deleted", **window(day))) == [deleted]
    every = listing(emulator, availability=["Alive", "Deleted", "Purged"], **window(day))
    assert ids_of(every) == [purged, deleted, alive]
    purged_record = every.json()["records"][0]
    assert purged_record["availability"] == "Purged" and "attachments" not in purged_record


@pytest.mark.parametrize("flag", ["true", "True", "TRUE"])
def test_it_returns_the_latest_message_of_each_conversation(emulator, admin_id, flag):
    day = ancient_day()
    a, b = unique_number(), unique_number()
    make_sms(emulator.db_path, admin_id, other_number=a, created_ts=day + 1)
    latest_a = make_sms(emulator.db_path, admin_id, other_number=a, created_ts=day + 5)
    make_sms(emulator.db_path, admin_id, other_number=b, created_ts=day + 2)
    latest_b = make_sms(emulator.db_path, admin_id, other_number=b, created_ts=day + 3,
                        direction="Outbound")  # fmt: skip
    fax_1 = make_fax(emulator.db_path, admin_id, created_ts=day + 4)
    fax_2 = make_fax(emulator.db_path, admin_id, created_ts=day + 6)  # faxes stand alone

    response = listing(emulator, distinctConversations=flag, perPage=2, **window(day))

    assert ids_of(response) == [fax_2, latest_a]
    body = response.json()
    assert body["paging"]["totalElements"] == 4 and body["paging"]["totalPages"] == 2
    assert "distinctConversations=true" in body["uri"]
    page_2 = listing(emulator, distinctConversations=flag, perPage=2, page=2, **window(day))
    assert ids_of(page_2) == [fax_1, latest_b]
    plain = listing(emulator, distinctConversations="false", **window(day))
    assert len(ids_of(plain)) == 6


def test_it_pages_with_only_the_applicable_navigation_links(emulator, admin_id):
    day = ancient_day()
    made = [make_sms(emulator.db_path, admin_id, created_ts=day + n) for n in range(5)]
    newest_first = made[::-1]

    first = listing(emulator, perPage=2, **window(day)).json()
    assert [r["id"] for r in first["records"]] == newest_first[:2]
    assert first["paging"] == {"page": 1, "totalPages": 3, "perPage": 2, "totalElements": 5,
                               "pageStart": 0, "pageEnd": 1}  # fmt: skip
    assert set(first["navigation"]) == {"firstPage", "nextPage", "lastPage"}

    http = emulator.session("admin")
    second = http.get(first["navigation"]["nextPage"]["uri"], timeout=10).json()
    assert [r["id"] for r in second["records"]] == newest_first[2:4]
    assert second["paging"]["pageStart"] == 2 and second["paging"]["pageEnd"] == 3
    assert set(second["navigation"]) == {"firstPage", "previousPage", "nextPage", "lastPage"}

    last = http.get(first["navigation"]["lastPage"]["uri"], timeout=10).json()
    assert [r["id"] for r in last["records"]] == newest_first[4:]
    assert set(last["navigation"]) == {"firstPage", "previousPage", "lastPage"}

    beyond = listing(emulator, perPage=2, page=9, **window(day)).json()
    assert beyond["records"] == []
    assert "pageStart" not in beyond["paging"] and beyond["paging"]["totalElements"] == 5


def test_it_caps_per_page_at_1000(emulator):
    response = listing(emulator, perPage=5000)
    assert response.json()["paging"]["perPage"] == 1000
    assert response.json()["uri"].endswith("&page=1&perPage=1000")


def test_it_treats_shared_owner_filters_as_selecting_no_personal_messages(emulator, admin_id):
    day = ancient_day()
    sms = make_sms(emulator.db_path, admin_id, created_ts=day + 1)
    assert ids_of(listing(emulator, owner="Personal", **window(day))) == [sms]
    assert ids_of(listing(emulator, owner="Any", **window(day))) == [sms]
    assert ids_of(listing(emulator, owner="Shared", **window(day))) == []
    assert ids_of(listing(emulator, voicemailOwner="Any", ownerExtensionType="User",
                          **window(day))) == [sms]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("direction", "Sideways"),
        ("messageType", "MMS"),
        ("messageType", "SMS,Pager"),  # multi-valued filters are repeated keys, not lists
        ("readStatus", "read"),
        ("availability", "Gone"),
        ("distinctConversations", "yes"),
        ("dateFrom", "yesterday"),
        ("dateTo", "2020-13-45T00:00:00Z"),
        ("page", "0"),
        ("page", "two"),
        ("page", str(2**31)),  # int32 in the spec
        ("page", "791405712607663620096"),
        ("perPage", "-1"),
        ("perPage", str(2**31)),
        ("conversationId", "abc"),
        ("phoneNumber", "none"),
        ("owner", "Everyone"),
    ],
)
def test_it_refuses_an_invalid_parameter_with_cmn_101(emulator, name, value):
    response = listing(emulator, **{name: value})

    assert response.status_code == 400
    body = response.json()
    assert body["errorCode"] == "CMN-101"
    assert body["message"] == f"Parameter [{name}] value is invalid."
    assert body["errors"][0]["parameterName"] == name
    assert_matches_schema(body, "ApiErrorResponseModel")


def test_it_lets_an_admin_list_another_extension_of_the_account(emulator):
    agent = emulator.user("agent")
    day = ancient_day()
    sms = make_sms(emulator.db_path, agent["extension_id"], created_ts=day + 1)

    response = listing(emulator, "admin", str(agent["extension_id"]), **window(day))

    assert ids_of(response) == [sms]
    assert f"/extension/{agent['extension_id']}/message-store?" in response.json()["uri"]


def test_it_refuses_an_agent_another_extension_with_cmn_419(emulator):
    admin = emulator.user("admin")
    response = listing(emulator, "agent", str(admin["extension_id"]))

    assert response.status_code == 403
    assert response.json()["errorCode"] == "CMN-419"
    assert "[ReadMessages]" in response.json()["message"]


def test_it_answers_404_for_an_unknown_extension(emulator):
    response = listing(emulator, "admin", "999999999")
    assert response.status_code == 404
    assert response.json()["errorCode"] == "CMN-102"
    assert response.json()["errors"][0]["parameterName"] == "extensionId"


def test_it_pages_a_mailbox_of_ten_thousand_messages_in_sqlite(fresh_emulator):
    agent = fresh_emulator.user("agent2")
    day = ancient_day()
    make_many_sms(fresh_emulator.db_path, agent["extension_id"], 10_000, start_ts=day, step=5)
    http = fresh_emulator.session("agent2")
    url = fresh_emulator.api("/account/~/extension/~/message-store")
    params = {"dateFrom": iso(day), "dateTo": iso(day + 100_000), "perPage": 1000}

    started = time.monotonic()
    deep = http.get(url, params={**params, "page": 8}, timeout=30)
    distinct = http.get(url, params={**params, "distinctConversations": "true"}, timeout=30)
    elapsed = time.monotonic() - started

    assert deep.status_code == 200
    assert deep.json()["paging"]["totalElements"] == 10_000
    records = deep.json()["records"]
    assert len(records) == 1000
    assert records[0]["creationTime"] == iso(day + (10_000 - 7001) * 5)
    assert parse_iso(records[0]["creationTime"]) > parse_iso(records[-1]["creationTime"])
    assert distinct.json()["paging"]["totalElements"] == 300
    assert elapsed < 5, f"two pages of a 10,000-message mailbox took {elapsed:.1f} s"
