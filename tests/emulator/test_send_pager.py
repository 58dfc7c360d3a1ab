"""Company pager: `POST …/extension/{extensionId}/company-pager` (REFERENCE §9)."""

from __future__ import annotations

import sqlite3

import pytest

from tests.emulator.openapi import assert_matches_operation, assert_matches_schema
from tests.emulator.sending import assert_error, content_type, form_file, mailbox_rows, multipart

PATH = "/account/~/extension/~/company-pager"


def send(emulator, body, which="admin"):
    return emulator.session(which).post(emulator.api(PATH), json=body, timeout=10)


def party(user):
    return {
        "extensionNumber": user["extension_number"],
        "extensionId": str(user["extension_id"]),
        "name": user["name"],
    }


def test_it_sends_a_note_to_oneself_as_the_sdk_probe_does(emulator):
    admin = emulator.user("admin")
    response = send(
        emulator,
        {
            "from": {"extensionNumber": "101"},
            "to": [{"extensionNumber": "101"}],
            "text": "note to self",
        },
    )
    assert response.status_code == 200, response.text
    record = response.json()
    assert_matches_schema(record, "GetInternalTextMessageInfoResponse")
    assert_matches_operation(record, "createInternalTextMessage", 200)
    assert record["to"] == [party(admin)]  # the sender is listed once
    assert record["from"] == party(admin)
    assert record["type"] == "Pager"
    assert record["direction"] == "Outbound"
    assert record["messageStatus"] == "Sent"
    assert record["readStatus"] == "Read"
    assert record["subject"] == "note to self"
    assert record["pgToDepartment"] is False
    assert record["conversationId"] == record["id"]  # a new thread is named after its first
    assert record["conversation"]["id"] == str(record["id"])
    [text] = record["attachments"]
    assert (text["type"], text["contentType"]) == ("Text", "text/plain")


def test_it_lists_every_recipient_then_the_sender(emulator):
    admin, agent, agent2 = (emulator.user(w) for w in ("admin", "agent", "agent2"))
    response = send(
        emulator,
        {
            "to": [
                {"extensionId": str(agent["extension_id"])},
                {"extensionNumber": agent2["extension_number"]},
            ],
            "text": "standup in 5",
        },
    )
    assert response.status_code == 200, response.text
    record = response.json()
    assert record["to"] == [party(agent), party(agent2), party(admin)]


def test_it_gives_each_recipient_an_inbound_copy_in_the_same_conversation(emulator):
    admin, agent, agent2 = (emulator.user(w) for w in ("admin", "agent", "agent2"))
    record = send(
        emulator,
        {"to": [{"extensionNumber": "102"}, {"extensionNumber": "103"}], "text": "copies for all"},
    ).json()
    for user in (agent, agent2):
        [copy] = mailbox_rows(
            emulator.db_path, user["extension_id"], "conversation_id = ?", record["conversationId"]
        )
        assert copy["direction"] == "Inbound"
        assert copy["read_status"] == "Unread"
        assert copy["message_status"] == "Received"
        seen = (
            emulator.session("agent" if user is agent else "agent2")
            .get(emulator.api(f"/account/~/extension/~/message-store/{copy['id']}"), timeout=10)
            .json()
        )
        assert seen["subject"] == "copies for all"
        assert seen["from"] == party(admin)
        assert seen["to"] == [party(agent), party(agent2)]
        assert seen["conversationId"] == record["conversationId"]
    own = mailbox_rows(
        emulator.db_path, admin["extension_id"], "conversation_id = ?", record["conversationId"]
    )
    assert [row["id"] for row in own] == [record["id"]]


def test_it_threads_a_reply_and_sends_it_to_the_other_participants(emulator):
    admin, agent, agent2 = (emulator.user(w) for w in ("admin", "agent", "agent2"))
    first = send(
        emulator,
        {
            "to": [{"extensionNumber": "102"}, {"extensionNumber": "103"}],
            "text": "who has the key?",
        },
    ).json()
    [copy] = mailbox_rows(
        emulator.db_path, agent["extension_id"], "conversation_id = ?", first["conversationId"]
    )
    response = send(emulator, {"replyOn": copy["id"], "text": "I do"}, which="agent")
    assert response.status_code == 200, response.text
    reply = response.json()
    assert reply["conversationId"] == first["conversationId"]
    assert reply["id"] != first["id"]
    assert reply["to"] == [party(admin), party(agent2), party(agent)]
    for user in (admin, agent2):
        texts = [
            row["body"]
            for row in mailbox_rows(
                emulator.db_path,
                user["extension_id"],
                "conversation_id = ? AND direction = ?",
                first["conversationId"],
                "Inbound",
            )
        ]
        assert any('"I do"' in body for body in texts)


def test_it_accepts_a_reply_with_its_own_recipients(emulator):
    first = send(emulator, {"to": [{"extensionNumber": "102"}], "text": "ping"}).json()
    reply = send(
        emulator,
        {
            "replyOn": str(first["id"]),
            "to": [{"extensionNumber": "103"}],
            "text": "looping in Riley",
        },
    ).json()
    assert reply["conversationId"] == first["conversationId"]
    assert [p["extensionNumber"] for p in reply["to"]] == ["103", "101"]


# --------------------------------------------------------------------------- errors


def test_it_refuses_another_sender_number_with_msg_331(emulator):
    response = send(
        emulator,
        {"from": {"extensionNumber": "102"}, "to": [{"extensionNumber": "103"}], "text": "x"},
    )
    assert_error(
        response,
        400,
        "MSG-331",
        "Parameter [from] value [102] is invalid "
        "[Sender extension number does not correspond to logged in extension]",
    )


def test_it_refuses_another_sender_id_with_msg_332(emulator):
    agent = emulator.user("agent")
    response = send(
        emulator,
        {
            "from": {"extensionId": str(agent["extension_id"])},
            "to": [{"extensionNumber": "103"}],
            "text": "x",
        },
    )
    assert_error(
        response,
        400,
        "MSG-332",
        f"Parameter [from] value [{agent['extension_id']}] is invalid "
        "[Sender extension id does not correspond to logged in extension]",
    )


@pytest.mark.parametrize("target", [{"extensionNumber": "999"}, {"extensionId": "4242"}])
def test_it_refuses_an_unknown_recipient_with_msg_316(emulator, target):
    value = next(iter(target.values()))
    assert_error(
        send(emulator, {"to": [target], "text": "x"}),
        400,
        "MSG-316",
        f"Parameter [to] value [{value}] is invalid [Target extension not found]",
    )


def test_it_refuses_an_id_and_number_that_disagree_with_msg_335(emulator):
    agent = emulator.user("agent")
    target = {"extensionId": str(agent["extension_id"]), "extensionNumber": "103"}
    assert_error(
        send(emulator, {"to": [target], "text": "x"}),
        400,
        "MSG-335",
        "Recipient extension number does not correspond to ID",
    )


def test_it_refuses_a_phone_number_recipient_with_cmn_101(emulator):
    response = send(emulator, {"to": [{"phoneNumber": "+16505550102"}], "text": "x"})
    assert_error(response, 400, "CMN-101", "Parameter [to.phoneNumber] value is invalid.")


def test_it_requires_recipients_unless_replying(emulator):
    assert_error(
        send(emulator, {"text": "to nobody"}), 400, "CMN-101", "Parameter [to] value is invalid."
    )


def test_it_refuses_the_same_recipient_twice_with_cmn_406(emulator):
    agent = emulator.user("agent")
    body = {
        "to": [{"extensionNumber": "102"}, {"extensionId": str(agent["extension_id"])}],
        "text": "twice",
    }
    assert_error(send(emulator, body), 400, "CMN-406")


def test_it_refuses_a_reply_to_an_unknown_message(emulator):
    response = send(emulator, {"replyOn": 987654321098, "text": "hello?"})
    assert_error(response, 400, "CMN-102", "Resource for parameter [replyOn] is not found")


def test_it_refuses_a_reply_to_a_message_that_is_not_a_pager_message(emulator):
    sms = (
        emulator.session("admin")
        .post(
            emulator.api("/account/~/extension/~/sms"),
            json={
                "from": {"phoneNumber": "+16505550101"},
                "to": [{"phoneNumber": "+12095550100"}],
                "text": "an sms",
            },
            timeout=10,
        )
        .json()
    )
    assert_error(send(emulator, {"replyOn": sms["id"], "text": "x"}), 400, "CMN-101")


@pytest.mark.parametrize(("length", "ok"), [(1024, True), (1025, False)])
def test_it_limits_the_text_to_1024_utf16_units(emulator, length, ok):
    response = send(emulator, {"to": [{"extensionNumber": "102"}], "text": "p" * length})
    if ok:
        assert response.status_code == 200, response.text
    else:
        assert_error(response, 400, "MSG-338", "Message size limit exceeded")


def test_it_requires_a_text(emulator):
    response = send(emulator, {"to": [{"extensionNumber": "102"}]})
    assert_error(response, 400, "CMN-101", "Parameter [text] value is invalid.")


def test_it_takes_json_only(emulator):
    body = multipart([form_file("json", "request.json", b'{"text": "x"}', "application/json")])
    response = emulator.session("admin").post(
        emulator.api(PATH), data=body, headers=content_type("form-data"), timeout=10
    )
    assert_error(response, 415, "CMN-104")


def test_it_refuses_a_disabled_recipient_with_msg_324(fresh_emulator):
    agent = fresh_emulator.user("agent")
    with sqlite3.connect(fresh_emulator.db_path) as db:
        db.execute(
            "UPDATE extension SET status = 'Disabled' WHERE id = ?", (agent["extension_id"],)
        )
    response = send(fresh_emulator, {"to": [{"extensionNumber": "102"}], "text": "x"})
    assert_error(response, 400, "MSG-324")


def test_it_lets_nobody_send_as_another_user(emulator):
    agent = emulator.user("agent")
    response = emulator.session("admin").post(
        emulator.api(f"/account/~/extension/{agent['extension_id']}/company-pager"),
        json={"to": [{"extensionNumber": "103"}], "text": "x"},
        timeout=10,
    )
    assert_error(response, 403, "CMN-404")


def test_it_names_the_pager_permission_when_an_agent_targets_another_mailbox(emulator):
    admin = emulator.user("admin")
    response = emulator.session("agent").post(
        emulator.api(f"/account/~/extension/{admin['extension_id']}/company-pager"),
        json={"to": [{"extensionNumber": "103"}], "text": "x"},
        timeout=10,
    )
    assert_error(
        response,
        403,
        "CMN-419",
        "In order to call this API endpoint for another extension, user needs to have "
        "[InternalSMS] permission granted with extended scope",
    )
