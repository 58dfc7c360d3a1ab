"""deleteMessage and deleteMessageByFilter: the Alive → Deleted → Purged life (REFERENCE §6)."""

from __future__ import annotations

import json
import time

import pytest

from tests.emulator.batch import VND, parse_mixed
from tests.emulator.factories import (
    ancient_day,
    attachment_ids,
    conversation_of,
    iso,
    make_fax,
    make_pager,
    make_sms,
    make_voicemail,
    message_row,
    unique_number,
)


def url(emulator, ids="", extension="~"):
    suffix = f"/{ids}" if ids != "" else ""
    return emulator.api(f"/account/~/extension/{extension}/message-store{suffix}")


def delete(emulator, ids, which="admin", extension="~", **params):
    return emulator.session(which).delete(url(emulator, ids, extension), params=params,
                                          timeout=10)  # fmt: skip


def delete_by_filter(emulator, which="admin", **params):
    return emulator.session(which).delete(url(emulator), params=params, timeout=10)


def availability(emulator, message_id) -> str:
    return str(message_row(emulator.db_path, message_id)["availability"])


@pytest.fixture(scope="module")
def admin_id(emulator):
    return emulator.user("admin")["extension_id"]


# --------------------------------------------------------------------------- by id


def test_it_deletes_then_purges_on_the_second_call(emulator, admin_id):
    fax = make_fax(emulator.db_path, admin_id)
    http = emulator.session("admin")
    attachment = http.get(url(emulator, fax), timeout=10).json()["attachments"][0]["uri"]

    first = delete(emulator, fax)
    assert first.status_code == 204 and first.content == b""
    deleted = http.get(url(emulator, fax), timeout=10).json()
    assert deleted["availability"] == "Deleted" and deleted["attachments"]
    assert http.get(attachment, timeout=10).status_code == 200  # kept while Deleted

    assert delete(emulator, fax).status_code == 204
    purged = http.get(url(emulator, fax), timeout=10).json()
    assert purged["availability"] == "Purged" and "attachments" not in purged
    assert attachment_ids(emulator.db_path, fax) == []
    assert http.get(attachment, timeout=10).status_code == 404

    assert delete(emulator, fax).status_code == 204  # purged again: nothing left to do
    assert availability(emulator, fax) == "Purged"


def test_it_purges_at_once_with_purge_true(emulator, admin_id):
    voicemail = make_voicemail(emulator.db_path, admin_id)
    assert delete(emulator, voicemail, purge="true").status_code == 204
    assert availability(emulator, voicemail) == "Purged"
    assert attachment_ids(emulator.db_path, voicemail) == []


def test_it_moves_last_modified_time_on_delete(emulator, admin_id):
    sms = make_sms(emulator.db_path, admin_id, created_ts=ancient_day())
    before = message_row(emulator.db_path, sms)["modified_ts"]
    delete(emulator, sms)
    assert message_row(emulator.db_path, sms)["modified_ts"] > before + 1000


def test_it_answers_404_for_an_unknown_message(emulator):
    response = delete(emulator, "987654321098")
    assert response.status_code == 404
    assert response.json()["errorCode"] == "CMN-102"


@pytest.mark.parametrize(("name", "value"), [("purge", "maybe"), ("type", "Email")])
def test_it_refuses_bad_parameters_with_cmn_101(emulator, admin_id, name, value):
    sms = make_sms(emulator.db_path, admin_id)
    response = delete(emulator, sms, **{name: value})
    assert response.status_code == 400
    assert response.json()["message"] == f"Parameter [{name}] value is invalid."
    assert availability(emulator, sms) == "Alive"


def test_its_type_parameter_spares_messages_of_other_types(emulator, admin_id):
    fax = make_fax(emulator.db_path, admin_id)
    assert delete(emulator, fax, type="SMS").status_code == 404
    assert availability(emulator, fax) == "Alive"
    assert delete(emulator, fax, type="Fax").status_code == 204
    assert availability(emulator, fax) == "Deleted"


def test_it_lets_only_admins_delete_another_extensions_messages(emulator):
    agent = emulator.user("agent")
    admin_id = emulator.user("admin")["extension_id"]
    mine, theirs = (
        make_sms(emulator.db_path, admin_id),
        make_sms(emulator.db_path, agent["extension_id"]),
    )
    refused = delete(emulator, mine, "agent", str(admin_id))
    assert refused.status_code == 403 and refused.json()["errorCode"] == "CMN-419"
    assert availability(emulator, mine) == "Alive"
    assert delete(emulator, theirs, "admin", str(agent["extension_id"])).status_code == 204
    assert availability(emulator, theirs) == "Deleted"


# --------------------------------------------------------------------------- by id, bulk


def test_a_bulk_delete_that_fully_succeeds_is_a_plain_204(emulator, admin_id):
    one, two = make_sms(emulator.db_path, admin_id), make_pager(emulator.db_path, admin_id)
    response = delete(emulator, f"{one}, {two}", purge="false")
    assert response.status_code == 204 and response.content == b""
    assert availability(emulator, one) == availability(emulator, two) == "Deleted"


def test_a_bulk_delete_with_a_failure_answers_207_multipart_mixed(emulator, admin_id):
    sms = make_sms(emulator.db_path, admin_id)

    response = delete(emulator, f"{sms},111")

    assert response.status_code == 207
    manifest, bodies = parse_mixed(response)
    assert [(m["status"], m["responseDescription"]) for m in manifest] == [
        (204, "No Content"), (404, "Not Found")
    ]  # fmt: skip
    assert bodies[0] is None and bodies[1]["errorCode"] == "CMN-102"
    assert availability(emulator, sms) == "Deleted"


def test_a_bulk_delete_answers_the_official_vnd_json_sample_shape(emulator, admin_id):
    sms = make_sms(emulator.db_path, admin_id)
    response = emulator.session("admin").delete(url(emulator, f"{sms},111"),
                                                headers={"Accept": VND}, timeout=10)  # fmt: skip
    assert response.status_code == 207
    assert response.json() == [
        {"resourceId": str(sms), "status": 204},
        {"resourceId": "111", "status": 404, "body": {
            "errorCode": "CMN-102", "message": "Resource for parameter [messageId] is not found",
            "errors": [{"errorCode": "CMN-102",
                        "message": "Resource for parameter [messageId] is not found",
                        "parameterName": "messageId"}],
            "parameterName": "messageId"}},
    ]  # fmt: skip


def test_it_deletes_the_ids_of_a_json_body_with_star(emulator, admin_id):
    one, two = make_sms(emulator.db_path, admin_id), make_fax(emulator.db_path, admin_id)
    http = emulator.session("admin")
    response = http.delete(url(emulator, "*"), json=[str(one), two], timeout=10)
    assert response.status_code == 204
    assert availability(emulator, one) == availability(emulator, two) == "Deleted"

    bodies: list[object] = [[], {"ids": [one]}, None]
    for body in bodies:
        refused = http.delete(url(emulator, "*"), data=json.dumps(body), timeout=10,
                              headers={"Content-Type": "application/json"})  # fmt: skip
        assert refused.status_code == 400
        assert refused.json()["message"] == "Parameter [messageId] value is invalid."


def test_it_limits_a_bulk_delete_to_50_ids_in_the_path_and_1000_in_the_body(emulator, admin_id):
    sms = make_sms(emulator.db_path, admin_id)
    response = delete(emulator, ",".join([str(sms)] * 51))
    assert response.status_code == 400 and response.json()["errorCode"] == "CMN-106"
    in_body = emulator.session("admin").delete(url(emulator, "*"), json=[str(sms)] * 1001,
                                               timeout=10)  # fmt: skip
    assert in_body.json()["message"] == "Batch request is limited to 1000 entries"
    assert availability(emulator, sms) == "Alive"


# --------------------------------------------------------------------------- by filter


def test_it_deletes_whole_conversations_given_as_repeated_keys(fresh_emulator):
    admin_id = fresh_emulator.user("admin")["extension_id"]
    a, b, c = unique_number(), unique_number(), unique_number()
    in_a = [make_sms(fresh_emulator.db_path, admin_id, other_number=a) for _ in range(2)]
    in_b = make_sms(fresh_emulator.db_path, admin_id, other_number=b)
    in_c = make_sms(fresh_emulator.db_path, admin_id, other_number=c)
    fax = make_fax(fresh_emulator.db_path, admin_id)
    conversations = [str(conversation_of(fresh_emulator.db_path, m)) for m in (in_a[0], in_b)]

    response = delete_by_filter(fresh_emulator, conversationId=conversations)

    assert response.status_code == 204 and response.content == b""
    assert [availability(fresh_emulator, m) for m in (*in_a, in_b)] == ["Deleted"] * 3
    assert availability(fresh_emulator, in_c) == availability(fresh_emulator, fax) == "Alive"

    again = delete_by_filter(fresh_emulator, conversationId=conversations[1], purge="true")
    assert again.status_code == 204
    assert availability(fresh_emulator, in_b) == "Purged"
    assert attachment_ids(fresh_emulator.db_path, in_b) == []


def test_it_deletes_by_type_before_date_to(fresh_emulator):
    admin_id = fresh_emulator.user("admin")["extension_id"]
    day = ancient_day()
    old_fax = make_fax(fresh_emulator.db_path, admin_id, created_ts=day)
    newer_fax = make_fax(fresh_emulator.db_path, admin_id, created_ts=day + 3600)
    old_sms = make_sms(fresh_emulator.db_path, admin_id, created_ts=day)

    response = delete_by_filter(fresh_emulator, type="Fax", dateTo=iso(day + 3600))

    assert response.status_code == 204
    assert availability(fresh_emulator, old_fax) == "Deleted"
    assert availability(fresh_emulator, newer_fax) == "Alive"  # not created *before* dateTo
    assert availability(fresh_emulator, old_sms) == "Alive"


def test_a_bare_delete_by_filter_deletes_everything_created_before_now(fresh_emulator):
    admin = fresh_emulator.user("admin")
    agent_id = fresh_emulator.user("agent")["extension_id"]
    mine = [make_sms(fresh_emulator.db_path, admin["extension_id"], created_ts=time.time() - s)
            for s in (5, 5000, 500_000)]  # fmt: skip
    theirs = make_sms(fresh_emulator.db_path, agent_id, created_ts=time.time() - 5)

    assert delete_by_filter(fresh_emulator).status_code == 204

    assert [availability(fresh_emulator, m) for m in mine] == ["Deleted"] * 3
    assert availability(fresh_emulator, theirs) == "Alive"  # another mailbox
    listed = fresh_emulator.session("admin").get(url(fresh_emulator), timeout=10).json()
    assert listed["records"] == []


def test_it_refuses_conversation_id_together_with_type_with_msg_390(emulator):
    response = delete_by_filter(emulator, conversationId="123", type="All")
    assert response.status_code == 400
    assert response.json()["errorCode"] == "MSG-390"
    assert response.json()["message"] == (
        "[conversationId] and [type] query parameters cannot be specified simultaneously"
    )


@pytest.mark.parametrize(
    ("params", "code", "message"),
    [
        ({"conversationId": [str(n) for n in range(1, 52)]}, "CMN-106",
         "Batch request is limited to 50 entries"),
        ({"conversationId": "12,13"}, "CMN-101", "Parameter [conversationId] value is invalid."),
        ({"conversationId": "x"}, "CMN-101", "Parameter [conversationId] value is invalid."),
        ({"type": "Email"}, "CMN-101", "Parameter [type] value is invalid."),
        ({"dateTo": "soon"}, "CMN-101", "Parameter [dateTo] value is invalid."),
        ({"purge": "1"}, "CMN-101", "Parameter [purge] value is invalid."),
    ],
)  # fmt: skip
def test_it_refuses_a_bad_filter(emulator, admin_id, params, code, message):
    sms = make_sms(emulator.db_path, admin_id, created_ts=ancient_day())
    response = delete_by_filter(emulator, **params)
    assert response.status_code == 400
    assert (response.json()["errorCode"], response.json()["message"]) == (code, message)
    assert availability(emulator, sms) == "Alive"


def test_it_refuses_an_agent_deleting_by_filter_in_another_mailbox(emulator):
    admin_id = emulator.user("admin")["extension_id"]
    response = emulator.session("agent").delete(url(emulator, extension=str(admin_id)),
                                                params={"type": "Fax"}, timeout=10)  # fmt: skip
    assert response.status_code == 403 and response.json()["errorCode"] == "CMN-419"
