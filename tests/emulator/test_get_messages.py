"""readMessage: `GET …/message-store/{messageId}`, single and bulk (REFERENCE §4, §12)."""

from __future__ import annotations

import pytest
import requests
from ringcentral.http.api_response import ApiResponse

from emulator.mailstore import NewAttachment
from tests.emulator.batch import VND, parse_mixed
from tests.emulator.factories import (
    ancient_day,
    conversation_of,
    make_fax,
    make_pager,
    make_sms,
    make_voicemail,
)
from tests.emulator.openapi import assert_matches_schema

PNG = b"\x89PNG\r\n\x1a\n" + bytes(40)


def get(emulator, ids, which="admin", extension="~", **headers):
    return emulator.session(which).get(
        emulator.api(f"/account/~/extension/{extension}/message-store/{ids}"),
        headers=headers, timeout=10,
    )  # fmt: skip


@pytest.fixture(scope="module")
def admin(emulator):
    return emulator.user("admin")


def test_it_reads_one_sms_as_the_official_sample_shapes_it(emulator, admin):
    image = NewAttachment("MmsAttachment", "image/png", PNG, "pic.png")
    sms = make_sms(emulator.db_path, admin["extension_id"], text="Flight information",
                   created_ts=ancient_day() + 1.7, attachments=[image])  # fmt: skip

    response = get(emulator, sms)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json; charset=UTF-8"
    record = response.json()
    assert_matches_schema(record, "GetMessageInfoResponse")
    account = emulator.credentials["account_id"]
    assert record["uri"] == emulator.api(
        f"/account/{account}/extension/{admin['extension_id']}/message-store/{sms}"
    )
    assert record["id"] == sms and isinstance(record["id"], int)
    assert record["extensionId"] == str(admin["extension_id"])
    assert record["type"] == "SMS" and record["subject"] == "Flight information"
    assert record["creationTime"].endswith(":01.000Z")
    conversation = conversation_of(emulator.db_path, sms)
    assert record["conversationId"] == conversation
    assert record["conversation"]["id"] == str(conversation)
    text, picture = record["attachments"]
    assert text["type"] == "Text" and text["contentType"] == "text/plain"
    assert picture == {
        "id": picture["id"],
        "uri": f"{record['uri']}/content/{picture['id']}",
        "type": "MmsAttachment",
        "contentType": "image/png",
        "size": len(PNG),
        "fileName": "pic.png",
    }
    assert "vmSideRecipients" not in record


def test_it_reads_voicemail_fax_and_pager_records(emulator, admin):
    day = ancient_day()
    voicemail = get(emulator, make_voicemail(emulator.db_path, admin["extension_id"],
                                             created_ts=day, duration=42)).json()  # fmt: skip
    assert voicemail["type"] == "VoiceMail" and "conversationId" not in voicemail
    assert voicemail["attachments"][0]["vmDuration"] == 42
    assert voicemail["vmTranscriptionStatus"] == "NotAvailable"
    fax = get(emulator, make_fax(emulator.db_path, admin["extension_id"], created_ts=day)).json()
    assert fax["type"] == "Fax" and fax["faxResolution"] == "High"
    assert fax["attachments"][0]["type"] == "RenderedDocument"
    pager = get(emulator, make_pager(emulator.db_path, admin["extension_id"],
                                     created_ts=day)).json()  # fmt: skip
    assert pager["type"] == "Pager" and pager["pgToDepartment"] is False
    for record in (voicemail, fax, pager):
        assert_matches_schema(record, "GetMessageInfoResponse")


def test_it_answers_404_cmn_102_for_an_unknown_message(emulator):
    response = get(emulator, "987654321098")

    assert response.status_code == 404
    body = response.json()
    assert body == {
        "errorCode": "CMN-102",
        "message": "Resource for parameter [messageId] is not found",
        "errors": [{"errorCode": "CMN-102",
                    "message": "Resource for parameter [messageId] is not found",
                    "parameterName": "messageId"}],
        "parameterName": "messageId",
    }  # fmt: skip


@pytest.mark.parametrize("raw", ["12ab", str(2**63), "9999999999999999999"])
def test_it_refuses_a_malformed_message_id_with_cmn_101(emulator, raw):
    response = get(emulator, raw)  # ids are int64: a larger number is no id
    assert response.status_code == 400
    assert response.json()["errorCode"] == "CMN-101"
    assert response.json()["message"] == "Parameter [messageId] value is invalid."


def test_it_keeps_messages_of_other_mailboxes_out_of_reach(emulator, admin):
    agent2 = emulator.user("agent2")
    theirs = make_sms(emulator.db_path, agent2["extension_id"])
    # through one's own mailbox, another mailbox's message does not exist
    assert get(emulator, theirs, "agent").status_code == 404
    # naming the other mailbox needs the admin's reach
    forbidden = get(emulator, theirs, "agent", extension=str(agent2["extension_id"]))
    assert forbidden.status_code == 403 and forbidden.json()["errorCode"] == "CMN-419"
    allowed = get(emulator, theirs, "admin", extension=str(agent2["extension_id"]))
    assert allowed.status_code == 200 and allowed.json()["id"] == theirs


def test_it_answers_several_ids_with_a_multipart_mixed_207_manifest_first(emulator, admin):
    first = make_sms(emulator.db_path, admin["extension_id"])
    second = make_fax(emulator.db_path, admin["extension_id"])

    response = get(emulator, f"{first},111,{second}")

    assert response.status_code == 207
    manifest, bodies = parse_mixed(response)
    assert [entry["status"] for entry in manifest] == [200, 404, 200]
    assert [entry["responseDescription"] for entry in manifest] == ["OK", "Not Found", "OK"]
    assert manifest[0]["href"] == bodies[0]["uri"]
    assert manifest[1]["href"] == bodies[0]["uri"].replace(str(first), "111")
    assert bodies[0]["id"] == first and bodies[2]["id"] == second
    assert bodies[1]["errorCode"] == "CMN-102" and "id" not in bodies[1]


def test_it_answers_multipart_mixed_also_for_accept_application_json(emulator, admin):
    one, two = (
        make_sms(emulator.db_path, admin["extension_id"]),
        make_sms(emulator.db_path, admin["extension_id"]),
    )
    response = get(emulator, f"{one}, {two}", Accept="application/json")
    assert response.status_code == 207
    _, bodies = parse_mixed(response)
    assert [body["id"] for body in bodies] == [one, two]


def test_its_multipart_answer_is_what_the_official_python_sdk_parses(emulator, admin):
    one, two = (
        make_sms(emulator.db_path, admin["extension_id"]),
        make_voicemail(emulator.db_path, admin["extension_id"]),
    )
    response = get(emulator, f"{one},{two},5")

    parts = ApiResponse(response=response).multipart()

    assert [part.response().status_code for part in parts] == [200, 200, 404]
    assert [part.json_dict().get("id") for part in parts[:2]] == [one, two]
    assert parts[2].json_dict()["errorCode"] == "CMN-102"


def test_it_answers_vnd_ringcentral_multipart_json_when_accepted(emulator, admin):
    sms = make_sms(emulator.db_path, admin["extension_id"])

    response = get(emulator, f"{sms},111", Accept=VND)

    assert response.status_code == 207
    assert response.headers["Content-Type"].startswith(VND)
    found, missing = response.json()
    assert found["resourceId"] == str(sms) and found["status"] == 200
    assert found["body"]["id"] == sms
    assert missing["resourceId"] == "111" and missing["status"] == 404
    assert missing["body"]["errorCode"] == "CMN-102"
    assert_matches_schema(response.json(), "GetMessageMultiResponse")


def test_it_limits_a_bulk_read_to_50_ids(emulator, admin):
    sms = make_sms(emulator.db_path, admin["extension_id"])
    assert get(emulator, ",".join([str(sms)] * 50)).status_code == 207
    response = get(emulator, ",".join([str(sms)] * 51))
    assert response.status_code == 400
    assert response.json()["errorCode"] == "CMN-106"
    assert response.json()["message"] == "Batch request is limited to 50 entries"


def test_it_still_reads_deleted_and_purged_messages_by_id(emulator, admin):
    deleted = make_sms(emulator.db_path, admin["extension_id"], availability="Deleted")
    purged = make_fax(emulator.db_path, admin["extension_id"], availability="Purged")

    deleted_record = get(emulator, deleted).json()
    assert deleted_record["availability"] == "Deleted" and deleted_record["attachments"]
    purged_record = get(emulator, purged).json()
    assert purged_record["availability"] == "Purged" and "attachments" not in purged_record


def test_it_needs_a_token(emulator, admin):
    sms = make_sms(emulator.db_path, admin["extension_id"])
    response = requests.get(emulator.api(f"/account/~/extension/~/message-store/{sms}"),
                            timeout=10)  # fmt: skip
    assert response.status_code == 401
