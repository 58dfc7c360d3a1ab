"""updateMessage (PUT) and patchMessage (PATCH) on `…/message-store/{messageId}` (REFERENCE §5)."""

from __future__ import annotations

import json

import pytest

from emulator.clock import parse_iso
from tests.emulator.batch import VND, build_mixed, parse_mixed
from tests.emulator.factories import make_fax, make_sms, message_row
from tests.emulator.openapi import assert_matches_schema


def url(emulator, ids, extension="~"):
    return emulator.api(f"/account/~/extension/{extension}/message-store/{ids}")


def put(emulator, ids, body, which="admin", extension="~", **headers):
    return emulator.session(which).put(url(emulator, ids, extension), json=body,
                                       headers=headers, timeout=10)  # fmt: skip


def patch(emulator, ids, body, which="admin", **headers):
    return emulator.session(which).patch(url(emulator, ids), json=body, headers=headers,
                                         timeout=10)  # fmt: skip


def send_raw(emulator, method, ids, content_type, data, **headers):
    return emulator.session("admin").request(
        method, url(emulator, ids), data=data,
        headers={"Content-Type": content_type, **headers}, timeout=10,
    )  # fmt: skip


@pytest.fixture(scope="module")
def admin_id(emulator):
    return emulator.user("admin")["extension_id"]


def read_status(emulator, message_id) -> str:
    return str(message_row(emulator.db_path, message_id)["read_status"])


# --------------------------------------------------------------------------- PUT, one message


def test_it_marks_a_message_read_and_bumps_last_modified_time(emulator, admin_id):
    sms = make_sms(emulator.db_path, admin_id, created_ts=1_000_000_000)

    response = put(emulator, sms, {"readStatus": "Read"})

    assert response.status_code == 200
    record = response.json()
    assert_matches_schema(record, "GetMessageInfoResponse")
    assert record["id"] == sms and record["readStatus"] == "Read"
    assert parse_iso(record["lastModifiedTime"]) > parse_iso(record["creationTime"]) + 1e8
    again = emulator.session("admin").get(url(emulator, sms), timeout=10).json()
    assert again["readStatus"] == "Read"


def test_it_marks_a_message_unread_again(emulator, admin_id):
    sms = make_sms(emulator.db_path, admin_id, read_status="Read")
    assert put(emulator, sms, {"readStatus": "Unread"}).json()["readStatus"] == "Unread"
    assert read_status(emulator, sms) == "Unread"


@pytest.mark.parametrize("body", [{"readStatus": "Seen"}, {"readStatus": None}, {}])
def test_it_refuses_a_bad_read_status_with_cmn_101(emulator, admin_id, body):
    sms = make_sms(emulator.db_path, admin_id)
    response = put(emulator, sms, body)
    assert response.status_code == 400
    assert response.json()["errorCode"] == "CMN-101"
    assert response.json()["message"] == "Parameter [readStatus] value is invalid."
    assert read_status(emulator, sms) == "Unread"


def test_it_refuses_a_body_that_is_not_an_object_as_the_platform_words_it(emulator, admin_id):
    sms = make_sms(emulator.db_path, admin_id)
    response = put(emulator, sms, ["Read"])
    assert response.status_code == 400
    assert response.json()["message"] == "Parameter [] value is invalid."


def test_it_refuses_unparsable_json_with_cmn_103(emulator, admin_id):
    sms = make_sms(emulator.db_path, admin_id)
    response = send_raw(emulator, "PUT", sms, "application/json", b"{readStatus")
    assert response.status_code == 400
    assert response.json()["errorCode"] == "CMN-103"


def test_it_answers_404_when_updating_an_unknown_message(emulator):
    response = put(emulator, "987654321098", {"readStatus": "Read"})
    assert response.status_code == 404
    assert response.json()["errors"][0]["parameterName"] == "messageId"


def test_it_lets_only_admins_update_another_extensions_messages(emulator):
    agent = emulator.user("agent")
    sms = make_sms(emulator.db_path, agent["extension_id"])
    admin_id = emulator.user("admin")["extension_id"]
    mine = make_sms(emulator.db_path, admin_id)

    refused = put(emulator, mine, {"readStatus": "Read"}, "agent", str(admin_id))
    assert refused.status_code == 403
    assert refused.json()["errorCode"] == "CMN-419"
    assert "[EditMessages]" in refused.json()["message"]
    allowed = put(emulator, sms, {"readStatus": "Read"}, "admin", str(agent["extension_id"]))
    assert allowed.status_code == 200 and read_status(emulator, sms) == "Read"


# --------------------------------------------------------------------------- PUT, bulk


def test_it_updates_in_bulk_with_multipart_mixed_parts_in_id_order(emulator, admin_id):
    one, two = make_sms(emulator.db_path, admin_id), make_fax(emulator.db_path, admin_id)
    content_type, data = build_mixed([{"readStatus": "Read"}, {"readStatus": "Unread"}])
    make_read = send_raw(emulator, "PUT", f"{two}", "application/json",
                         json.dumps({"readStatus": "Read"}))  # fmt: skip
    assert make_read.status_code == 200

    response = send_raw(emulator, "PUT", f"{one},{two}", content_type, data)

    assert response.status_code == 207
    manifest, bodies = parse_mixed(response)
    assert [entry["status"] for entry in manifest] == [200, 200]
    assert [(b["id"], b["readStatus"]) for b in bodies] == [(one, "Read"), (two, "Unread")]
    assert read_status(emulator, one) == "Read" and read_status(emulator, two) == "Unread"


def test_it_refuses_multipart_parts_that_do_not_match_the_ids(emulator, admin_id):
    one, two = make_sms(emulator.db_path, admin_id), make_sms(emulator.db_path, admin_id)
    content_type, data = build_mixed([{"readStatus": "Read"}])
    response = send_raw(emulator, "PUT", f"{one},{two}", content_type, data)
    assert response.status_code == 400
    assert response.json()["errorCode"] == "CMN-104"


def test_it_updates_in_bulk_with_a_positional_vnd_json_array(emulator, admin_id):
    one, two = make_sms(emulator.db_path, admin_id), make_sms(emulator.db_path, admin_id)
    body = [{"body": {"readStatus": "Read"}}, {"resourceId": "5", "body": {"readStatus": "Read"}}]

    response = send_raw(emulator, "PUT", f"{one},{two}", VND, json.dumps(body), Accept=VND)

    assert response.status_code == 207
    first, second = response.json()
    assert first == {"resourceId": str(one), "status": 200, "body": first["body"]}
    assert first["body"]["readStatus"] == "Read"
    assert second["status"] == 400 and second["body"]["errorCode"] == "CMN-108"
    assert read_status(emulator, one) == "Read" and read_status(emulator, two) == "Unread"
    assert_matches_schema(response.json(), "GetMessageMultiResponse")


def test_it_updates_in_bulk_with_star_and_resource_ids(emulator, admin_id):
    one, two = make_sms(emulator.db_path, admin_id), make_sms(emulator.db_path, admin_id)
    body = [
        {"resourceId": str(two), "body": {"readStatus": "Read"}},
        {"resourceId": "111", "body": {"readStatus": "Read"}},
        {"body": {"readStatus": "Read"}},
        {"resourceId": str(one), "body": {"readStatus": "Maybe"}},
    ]

    response = send_raw(emulator, "PUT", "*", VND, json.dumps(body), Accept=VND)

    assert response.status_code == 207
    answers = response.json()
    assert [a["status"] for a in answers] == [200, 404, 400, 400]
    assert [a["resourceId"] for a in answers] == [str(two), "111", "", str(one)]
    assert answers[2]["body"]["message"] == "Parameter [resourceId] value is invalid."
    assert read_status(emulator, two) == "Read" and read_status(emulator, one) == "Unread"


def test_its_star_answer_is_multipart_mixed_without_the_vnd_accept(emulator, admin_id):
    sms = make_sms(emulator.db_path, admin_id)
    body = [{"resourceId": str(sms), "body": {"readStatus": "Read"}}]
    response = send_raw(emulator, "PUT", "*", VND, json.dumps(body))
    manifest, bodies = parse_mixed(response)
    assert manifest[0]["status"] == 200 and bodies[0]["readStatus"] == "Read"


def test_it_limits_bulk_updates_to_50_ids_in_the_path_and_1000_in_the_body(emulator, admin_id):
    sms = make_sms(emulator.db_path, admin_id)
    ids = ",".join([str(sms)] * 51)
    entries = [{"body": {"readStatus": "Read"}}] * 51
    in_path = send_raw(emulator, "PUT", ids, VND, json.dumps(entries))
    assert in_path.status_code == 400
    assert in_path.json()["message"] == "Batch request is limited to 50 entries"

    many = [{"resourceId": str(sms), "body": {"readStatus": "Read"}}] * 1001
    in_body = send_raw(emulator, "PUT", "*", VND, json.dumps(many))
    assert in_body.status_code == 400
    assert in_body.json()["message"] == "Batch request is limited to 1000 entries"
    fits = send_raw(emulator, "PUT", "*", VND, json.dumps(many[:1000]), Accept=VND)
    assert fits.status_code == 207 and len(fits.json()) == 1000


def test_it_refuses_form_data_for_bulk_updates_with_415(emulator, admin_id):
    one, two = make_sms(emulator.db_path, admin_id), make_sms(emulator.db_path, admin_id)
    response = emulator.session("admin").put(
        url(emulator, f"{one},{two}"),
        files={"a": ("a.json", b'{"readStatus":"Read"}', "application/json")}, timeout=10,
    )  # fmt: skip
    assert response.status_code == 415


# --------------------------------------------------------------------------- PATCH


def test_it_patches_the_read_status(emulator, admin_id):
    sms = make_sms(emulator.db_path, admin_id)
    response = patch(emulator, sms, {"readStatus": "Read"})
    assert response.status_code == 200 and response.json()["readStatus"] == "Read"
    assert_matches_schema(response.json(), "GetMessageInfoResponse")


def test_it_restores_a_deleted_message_with_its_attachments(emulator, admin_id):
    fax = make_fax(emulator.db_path, admin_id)
    http = emulator.session("admin")
    assert http.delete(url(emulator, fax), timeout=10).status_code == 204

    response = patch(emulator, fax, {"availability": "Alive", "readStatus": "Read"})

    assert response.status_code == 200
    record = response.json()
    assert record["availability"] == "Alive" and record["readStatus"] == "Read"
    content = http.get(record["attachments"][0]["uri"], timeout=10)
    assert content.status_code == 200 and content.content.startswith(b"%PDF")


def test_it_cannot_restore_a_purged_message(emulator, admin_id):
    sms = make_sms(emulator.db_path, admin_id, availability="Purged")

    response = patch(emulator, sms, {"availability": "Alive", "readStatus": "Read"})

    assert response.status_code == 400
    assert response.json()["errorCode"] == "CMN-101"
    assert response.json()["message"] == "Parameter [availability] value is invalid."
    row = message_row(emulator.db_path, sms)
    assert row["availability"] == "Purged" and row["read_status"] == "Unread"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "Parameter [] value is invalid."),
        ({"availability": "Deleted"}, "Parameter [availability] value is invalid."),
        ({"availability": "Purged"}, "Parameter [availability] value is invalid."),
        ({"readStatus": "Later"}, "Parameter [readStatus] value is invalid."),
    ],
)
def test_it_refuses_a_bad_patch_with_cmn_101(emulator, admin_id, body, message):
    sms = make_sms(emulator.db_path, admin_id)
    response = patch(emulator, sms, body)
    assert response.status_code == 400
    assert response.json()["errorCode"] == "CMN-101"
    assert response.json()["message"] == message


def test_it_patches_in_bulk_with_every_syntax(emulator, admin_id):
    one, two = make_sms(emulator.db_path, admin_id), make_sms(emulator.db_path, admin_id)
    http = emulator.session("admin")
    http.delete(url(emulator, f"{one},{two}"), timeout=10)

    content_type, data = build_mixed([{"availability": "Alive"}, {"readStatus": "Read"}])
    mixed = send_raw(emulator, "PATCH", f"{one},{two}", content_type, data)
    _, bodies = parse_mixed(mixed)
    assert [b["availability"] for b in bodies] == ["Alive", "Deleted"]
    assert bodies[1]["readStatus"] == "Read"

    star = [{"resourceId": str(two), "body": {"availability": "Alive"}}]
    answer = send_raw(emulator, "PATCH", "*", VND, json.dumps(star), Accept=VND).json()
    assert answer[0]["status"] == 200 and answer[0]["body"]["availability"] == "Alive"
    assert message_row(emulator.db_path, two)["availability"] == "Alive"
