"""Sending SMS: `POST …/extension/{extensionId}/sms` (REFERENCE §8)."""

from __future__ import annotations

import json
import sqlite3

import pytest
import requests

from emulator.mailstore import sms_conversation_id
from tests.emulator.factories import unique_number
from tests.emulator.openapi import assert_matches_operation, assert_matches_schema
from tests.emulator.sending import (
    assert_error,
    content_type,
    form_file,
    message_url,
    multipart,
)

ADMIN_NUMBER = "+16505550101"
TOLL_FREE = "+18885550101"


def send(emulator, body, which="admin", path="/account/~/extension/~/sms", **kwargs):
    http = emulator.session(which)
    return http.post(emulator.api(path), json=body, timeout=10, **kwargs)


def sms(to, text="Hello from the tests", sender=ADMIN_NUMBER, **extra):
    return {
        "from": {"phoneNumber": sender},
        "to": [{"phoneNumber": n} for n in to],
        "text": text,
        **extra,
    }


def test_it_answers_the_queued_outbound_record(emulator):
    to = unique_number()
    response = send(emulator, sms([to], text="Your order has shipped"))
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    record = response.json()
    assert_matches_schema(record, "GetSMSMessageInfoResponse")
    assert_matches_operation(record, "createSMSMessage", 200)
    admin = emulator.user("admin")
    assert isinstance(record["id"], int) and record["id"] > 2**32
    assert record["uri"] == emulator.api(
        f"/account/{emulator.credentials['account_id']}/extension/{admin['extension_id']}"
        f"/message-store/{record['id']}"
    )
    assert record["type"] == "SMS"
    assert record["direction"] == "Outbound"
    assert record["messageStatus"] == "Queued"
    assert record["readStatus"] == "Unread"
    assert record["availability"] == "Alive"
    assert record["subject"] == "Your order has shipped"
    assert record["from"] == {
        "phoneNumber": ADMIN_NUMBER,
        "name": "Alex Morgan",
        "location": "San Mateo, CA",
    }
    assert record["to"] == [{"phoneNumber": to}]
    assert record["smsSendingAttemptsCount"] == 1
    assert record["segmentCount"] == 1
    [text] = record["attachments"]
    assert text["type"] == "Text"
    assert text["contentType"] == "text/plain"
    assert text["uri"].endswith(f"/message-store/{record['id']}/content/{text['id']}")
    assert record["conversationId"] == sms_conversation_id([ADMIN_NUMBER, to])
    assert record["conversation"]["id"] == str(record["conversationId"])


def test_it_keeps_the_message_in_the_senders_mailbox(emulator):
    record = send(emulator, sms([unique_number()], text="kept")).json()
    http = emulator.session("admin")
    stored = http.get(message_url(emulator, record["id"]), timeout=10).json()
    assert stored["id"] == record["id"]
    assert stored["subject"] == "kept"
    assert stored["direction"] == "Outbound"
    content = http.get(record["attachments"][0]["uri"], timeout=10)
    assert content.content == b"kept"


def test_it_gives_one_conversation_to_the_same_parties(emulator):
    to = unique_number()
    first = send(emulator, sms([to], text="one")).json()
    second = send(emulator, sms([to], text="two")).json()
    other = send(emulator, sms([to, unique_number()], text="group")).json()
    assert first["conversationId"] == second["conversationId"]
    assert other["conversationId"] != first["conversationId"]
    assert other["conversationId"] > 2**53  # beyond JavaScript's exact integers, as real ids


@pytest.mark.parametrize(
    ("written", "e164"),
    [
        ("(209) 555-0142", "+12095550142"),
        ("12095550143", "+12095550143"),
        ("209.555.0144", "+12095550144"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_it_normalises_recipient_numbers_to_e164(emulator, written, e164):
    response = send(emulator, sms([written]))
    assert response.status_code == 200, response.text
    assert response.json()["to"][0]["phoneNumber"] == e164


def test_it_accepts_the_toll_free_number_as_sender(emulator):
    response = send(emulator, sms([unique_number()], sender=TOLL_FREE))
    assert response.status_code == 200, response.text
    assert response.json()["from"] == {"phoneNumber": TOLL_FREE, "name": "Alex Morgan"}


def test_it_accepts_the_json_part_of_a_multipart_request_whatever_its_name(emulator):
    envelope = json.dumps(sms([unique_number()], text="from a form")).encode()
    body = multipart([form_file("request.json", "request.json", envelope, "application/json")])
    response = emulator.session("admin").post(
        emulator.api("/account/~/extension/~/sms"),
        data=body,
        headers=content_type("form-data"),
        timeout=10,
    )
    assert response.status_code == 200, response.text
    record = response.json()
    assert record["subject"] == "from a form"
    assert [a["type"] for a in record["attachments"]] == ["Text"]


# --------------------------------------------------------------------------- from


def test_it_refuses_a_number_of_another_user_with_msg_245(emulator):
    response = send(emulator, sms([unique_number()], sender="+16505550102"))
    assert_error(
        response,
        400,
        "MSG-245",
        "Parameter [from] value [16505550102] is invalid "
        "[Cannot find the phone number which belongs to user]",
    )


def test_it_refuses_the_company_number_with_msg_245(emulator):
    assert_error(send(emulator, sms([unique_number()], sender="+16505550100")), 400, "MSG-245")


def test_it_refuses_a_missing_sender_with_cmn_101(emulator):
    body = {"to": [{"phoneNumber": unique_number()}], "text": "no sender"}
    assert_error(send(emulator, body), 400, "CMN-101", "Parameter [from] value is invalid.")


def test_it_refuses_an_extension_number_as_sender_with_msg_246(emulator):
    response = send(emulator, sms([unique_number()], sender="101"))
    assert_error(response, 400, "MSG-246", "Sending SMS from/to extension numbers is not available")


def test_it_refuses_a_number_without_sms_sender_with_msg_367(fresh_emulator):
    agent = fresh_emulator.user("agent")
    with sqlite3.connect(fresh_emulator.db_path) as db:
        db.execute(
            "INSERT INTO phone_number(account_id, extension_id, phone_number, features, "
            "usage_type, type, label, is_primary) VALUES (?, ?, '+16505550177', "
            "'[\"CallerId\"]', 'DirectNumber', 'Voice', 'Voice only', 0)",
            (fresh_emulator.credentials["account_id"], agent["extension_id"]),
        )
    response = send(fresh_emulator, sms([unique_number()], sender="+16505550177"), which="agent")
    assert_error(response, 403, "MSG-367", '"from" phone number does not support SMS')


def test_it_lets_nobody_send_as_another_user(emulator):
    agent = emulator.user("agent")
    admin = emulator.user("admin")
    as_agent = send(
        emulator,
        sms([unique_number()], sender=agent["sms_numbers"][0]),
        path=f"/account/~/extension/{agent['extension_id']}/sms",
    )
    assert_error(as_agent, 403, "CMN-404")
    as_admin = send(
        emulator,
        sms([unique_number()]),
        which="agent",
        path=f"/account/~/extension/{admin['extension_id']}/sms",
    )
    assert_error(
        as_admin,
        403,
        "CMN-419",
        "In order to call this API endpoint for another extension, user needs to have "
        "[OutboundSMS] permission granted with extended scope",
    )


# --------------------------------------------------------------------------- to


def test_it_refuses_a_missing_recipient_list_with_cmn_101(emulator):
    body = {"from": {"phoneNumber": ADMIN_NUMBER}, "text": "nobody"}
    assert_error(send(emulator, body), 400, "CMN-101", "Parameter [to] value is invalid.")
    assert_error(send(emulator, {**body, "to": []}), 400, "CMN-101")


@pytest.mark.parametrize("garbage", ["not a number", "+1650555", "12", "+0123456789", "++1650"])
def test_it_refuses_a_malformed_recipient_with_cmn_101(emulator, garbage):
    body = assert_error(
        send(emulator, sms([garbage])),
        400,
        "CMN-101",
        "Parameter [to.phoneNumber] value is invalid.",
    )
    assert body["errors"][0]["parameterName"] == "to.phoneNumber"


def test_it_refuses_an_extension_number_recipient_with_msg_246(emulator):
    assert_error(send(emulator, sms(["102"])), 400, "MSG-246")


def test_it_refuses_a_short_code_recipient_with_msg_247(emulator):
    response = send(emulator, sms(["55555"]))
    assert_error(response, 400, "MSG-247", "Sending SMS to short numbers is not available")


def test_it_refuses_the_same_recipient_twice_with_cmn_406(emulator):
    number = unique_number()
    response = send(emulator, sms([number, number[2:]]))
    assert_error(
        response, 400, "CMN-406", f"Duplicate value for parameter to: {number} found in request"
    )


def test_it_refuses_a_blocked_recipient_with_msg_243(emulator):
    response = send(emulator, sms(["+15005550009"]))
    assert_error(
        response,
        400,
        "MSG-243",
        "Parameter [to] value [15005550009] is invalid [Phone number is blocked]",
    )


# --------------------------------------------------------------------------- text, country


def test_it_refuses_a_missing_text_with_cmn_101(emulator):
    body = sms([unique_number()])
    del body["text"]
    assert_error(send(emulator, body), 400, "CMN-101", "Parameter [text] value is invalid.")


@pytest.mark.parametrize(
    ("text", "accepted"),
    [
        ("a" * 1000, True),
        ("a" * 1001, False),
        ("\U0001f600" * 500, True),  # 4 bytes in UTF-16 count as two
        ("\U0001f600" * 500 + "a", False),
    ],
)
def test_it_limits_the_text_to_1000_utf16_units(emulator, text, accepted):
    response = send(emulator, sms([unique_number()], text=text))
    if accepted:
        assert response.status_code == 200, response.text
        assert response.json()["subject"] == text
    else:
        assert_error(response, 400, "MSG-338", "Message size limit exceeded")


@pytest.mark.parametrize(
    ("text", "segments"),
    [
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("€" * 80, 1),  # extension-table characters take two septets
        ("€" * 81, 2),
        ("ж" * 70, 1),  # outside GSM 7-bit: UCS-2
        ("ж" * 71, 2),
        ("ж" * 135, 3),
    ],
)
def test_it_counts_sms_segments(emulator, text, segments):
    response = send(emulator, sms([unique_number()], text=text))
    assert response.status_code == 200, response.text
    assert response.json()["segmentCount"] == segments


def test_it_refuses_country_id_and_iso_code_together_with_msg_365(emulator):
    body = sms([unique_number()], country={"id": "1", "isoCode": "US"})
    assert_error(
        send(emulator, body),
        400,
        "MSG-365",
        "Parameters [country.id] and [country.isoCode] can not be specified simultaneously",
    )
    accepted = send(emulator, sms([unique_number()], country={"isoCode": "US"}))
    assert accepted.status_code == 200, accepted.text


# --------------------------------------------------------------------------- envelope


def test_it_refuses_unparsable_json_with_cmn_103(emulator):
    response = emulator.session("admin").post(
        emulator.api("/account/~/extension/~/sms"),
        data=b'{"from": ',
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert_error(response, 400, "CMN-103")


def test_it_refuses_another_content_type_with_415(emulator):
    response = emulator.session("admin").post(
        emulator.api("/account/~/extension/~/sms"),
        data=b"text=hi",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=10,
    )
    assert_error(response, 415, "CMN-104")


def test_it_refuses_a_body_over_10_megabytes_with_413(emulator):
    envelope = json.dumps(sms([unique_number()])).encode()
    body = multipart(
        [
            form_file("json", "request.json", envelope, "application/json"),
            form_file("attachment", "big.png", b"\0" * (10 * 1024 * 1024), "image/png"),
        ]
    )
    try:
        response = emulator.session("admin").post(
            emulator.api("/account/~/extension/~/sms"),
            data=body,
            headers=content_type("form-data"),
            timeout=30,
        )
    except requests.ConnectionError:  # the server may answer before reading it all
        pytest.fail("the emulator dropped the connection instead of answering 413")
    assert_error(response, 413, "CMN-104")
