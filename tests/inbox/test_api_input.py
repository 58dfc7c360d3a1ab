"""The JSON API takes what its schema says, to the letter, and answers the rest with a 400 (or a
404, a 415) in its error envelope: values of the wrong JSON type, forms where JSON is asked for,
ids of 0 and addresses with a line break, a `download` that is neither true nor false. Ids come
as numbers or as their digits, and an optional filter sent empty counts as not sent, as the
schema says. Each case here is one the schema fuzzing (`make fuzz`) found answered otherwise."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from accounts.models import User
from emulator.mailstore import NewAttachment
from inbox.models import AuditEntry, Send
from tests.emulator.factories import attachment_ids, make_sms, message_row
from tests.inbox.conftest import extension_of
from tests.inbox.support import own_day
from tests.support.emulator import RunningEmulator

PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)


@pytest.fixture
def bob(bob_client: Client, rc: RunningEmulator) -> dict[str, Any]:
    """bob's mailbox, an MMS of his (a day of its own) and headers with an API token of his."""
    mailbox = extension_of(rc, "agent")
    day, _ = own_day()
    message = make_sms(
        rc.db_path, mailbox, created_ts=day,
        attachments=[NewAttachment("MmsAttachment", "image/png", PNG)],
    )  # fmt: skip
    token = Token.objects.create(user=User.objects.get(rc_extension_id=mailbox)).key
    return {"mailbox": mailbox, "message": message, "auth": {"Authorization": f"Token {token}"}}


def api(name: str, *args: int) -> str:
    return reverse(f"api:{name}", args=args)


def as_json(client: Client, url: str, body: Any, headers: dict[str, str]) -> Any:
    return client.post(url, body, content_type="application/json", headers=headers)


def send_headers(bob: dict[str, Any]) -> dict[str, str]:
    return {**bob["auth"], "Idempotency-Key": str(uuid.uuid4())}


def assert_refused(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body: dict[str, Any] = response.json()
    assert body["code"] == code
    return body


# --- Addresses ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    ["/api/mailboxes/%0A/conversations/", "/api/mailboxes/1/messages/2%0A/", "/api/%0A"],
)
def test_it_answers_an_address_with_a_line_break_with_a_json_404(
    client: Client, bob: dict[str, Any], address: str
) -> None:
    response = client.get(address, headers=bob["auth"])

    assert_refused(response, 404, "not_found")


@pytest.mark.parametrize(
    ("method", "name"),
    [("get", "message"), ("post", "message_read_status"), ("post", "message_delete")],
)
def test_it_answers_an_id_of_0_with_a_json_404(
    client: Client, bob: dict[str, Any], method: str, name: str
) -> None:
    url = api(name, bob["mailbox"], 0)

    response = getattr(client, method)(url, headers=bob["auth"])

    assert_refused(response, 404, "not_found")


# --- Bodies ---------------------------------------------------------------------------------


@pytest.mark.parametrize("purge", [0, "false", None, "no"])
def test_it_refuses_a_purge_that_is_not_a_json_boolean(
    client: Client, rc: RunningEmulator, bob: dict[str, Any], purge: Any
) -> None:
    url = api("message_delete", bob["mailbox"], bob["message"])

    response = as_json(client, url, {"purge": purge}, bob["auth"])

    assert set(assert_refused(response, 400, "invalid")["fields"]) == {"purge"}
    assert message_row(rc.db_path, bob["message"])["availability"] == "Alive"
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    ("name", "body", "field"),
    [
        ("pager_send", {"to": ["agent2"], "text": 0}, "text"),
        ("pager_send", {"to": ["agent2"], "text": "Hi", "reply_on": 1.0}, "reply_on"),
        ("pager_send", {"to": ["agent2"], "text": "Hi", "reply_on": True}, "reply_on"),
        ("pager_send", {"to": ["agent2"], "text": "Hi", "reply_on": "0123"}, "reply_on"),
        ("pager_send", {"to": ["agent2"], "text": "Hi", "conversation_id": -1}, "conversation_id"),
        ("sms_send", {"from_number": 16505550102, "to": ["+12095550147"]}, "from_number"),
        ("sms_send", {"from_number": "own", "to": [12095550147]}, "to"),
        ("sms_send", {"from_number": "own", "to": ["+12095550147"], "conversation_id": "-5"},
         "conversation_id"),
        ("fax_resend", {"original_message_id": 0}, "original_message_id"),
    ],
)  # fmt: skip
def test_it_refuses_values_of_the_wrong_json_type(
    client: Client,
    rc: RunningEmulator,
    bob: dict[str, Any],
    name: str,
    body: dict[str, Any],
    field: str,
) -> None:
    if body.get("to") == ["agent2"]:
        body = {**body, "to": [extension_of(rc, "agent2")]}
    if body.get("from_number") == "own":
        body = {**body, "from_number": rc.user("agent")["sms_numbers"][0]}

    response = as_json(client, api(name, bob["mailbox"]), body, send_headers(bob))

    assert set(assert_refused(response, 400, "invalid")["fields"]) == {field}
    assert not Send.objects.exists()


def test_it_takes_an_id_as_a_number_or_as_its_digits(
    client: Client, rc: RunningEmulator, bob: dict[str, Any]
) -> None:
    charlie = extension_of(rc, "agent2")
    url = api("pager_send", bob["mailbox"])

    as_number = as_json(client, url, {"to": [charlie], "text": "Hi"}, send_headers(bob))
    as_digits = as_json(client, url, {"to": [str(charlie)], "text": "Hi"}, send_headers(bob))

    assert (as_number.status_code, as_digits.status_code) == (201, 201)
    assert as_number.json()["recipients"] == as_digits.json()["recipients"] == [str(charlie)]


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("message_read_status", {"read_status": "Read"}),
        ("message_delete", {"purge": "false"}),
    ],
)
def test_it_answers_a_form_on_a_write_with_a_json_415(
    client: Client, rc: RunningEmulator, bob: dict[str, Any], name: str, body: dict[str, str]
) -> None:
    url = api(name, bob["mailbox"], bob["message"])

    response = client.post(url, body, headers=bob["auth"])  # multipart/form-data

    assert_refused(response, 415, "unsupported_media_type")
    assert message_row(rc.db_path, bob["message"])["availability"] == "Alive"


def test_it_answers_a_pager_message_as_a_form_with_a_json_415(
    client: Client, rc: RunningEmulator, bob: dict[str, Any]
) -> None:
    body = {"to": [extension_of(rc, "agent2")], "text": "Hi"}

    response = client.post(api("pager_send", bob["mailbox"]), body, headers=send_headers(bob))

    assert_refused(response, 415, "unsupported_media_type")
    assert not Send.objects.exists()


def test_it_asks_for_a_form_when_a_fax_comes_as_json(client: Client, bob: dict[str, Any]) -> None:
    body = {"to": ["+16505550101"], "documents": ["%PDF-1.4"]}

    response = as_json(client, api("fax_send_create", bob["mailbox"]), body, send_headers(bob))

    refused = assert_refused(response, 415, "unsupported_media_type")
    assert refused["message"] == "Send the request body as multipart/form-data."
    assert not Send.objects.exists()


# --- Query strings --------------------------------------------------------------------------


def test_it_reads_an_empty_filter_as_no_filter(client: Client, bob: dict[str, Any]) -> None:
    url = api("conversations", bob["mailbox"])

    empty = client.get(url, {"type": "", "read": "", "start": "", "page": ""}, headers=bob["auth"])
    unfiltered = client.get(url, headers=bob["auth"])

    assert empty.status_code == unfiltered.status_code == 200
    assert empty.json() == unfiltered.json()


@pytest.mark.parametrize(
    ("params", "field"),
    [({"type": "sms "}, "type"), ({"number": "1" * 41}, "number"), ({"page": "10001"}, "page")],
)
def test_it_refuses_a_filter_the_schema_does_not_allow(
    client: Client, bob: dict[str, Any], params: dict[str, str], field: str
) -> None:
    response = client.get(api("conversations", bob["mailbox"]), params, headers=bob["auth"])

    assert field in assert_refused(response, 400, "invalid")["fields"]


@pytest.mark.parametrize("flag", ["null", "1", "yes", "True"])
def test_it_refuses_a_download_flag_that_is_neither_true_nor_false(
    client: Client, rc: RunningEmulator, bob: dict[str, Any], flag: str
) -> None:
    attachment = attachment_ids(rc.db_path, bob["message"])[-1]
    url = api("attachment", bob["mailbox"], bob["message"], attachment)

    response = client.get(url, {"download": flag}, headers=bob["auth"])

    assert set(assert_refused(response, 400, "invalid")["fields"]) == {"download"}


def test_it_downloads_with_download_true(
    client: Client, rc: RunningEmulator, bob: dict[str, Any]
) -> None:
    attachment = attachment_ids(rc.db_path, bob["message"])[-1]
    url = api("attachment", bob["mailbox"], bob["message"], attachment)

    downloaded = client.get(url, {"download": "true"}, headers=bob["auth"])
    shown = client.get(url, {"download": "false"}, headers=bob["auth"])

    assert downloaded.status_code == shown.status_code == 200
    assert downloaded["Content-Disposition"].startswith("attachment")
    assert shown["Content-Disposition"].startswith("inline")


# --- The schema -----------------------------------------------------------------------------


@pytest.fixture
def schema(client: Client, db: None) -> dict[str, Any]:
    served: dict[str, Any] = client.get(reverse("api:schema"), {"format": "json"}).json()
    return served


def operation(schema: dict[str, Any], operation_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(
        op
        for operations in schema["paths"].values()
        for op in operations.values()
        if op["operationId"] == operation_id
    )
    return found


def test_the_schema_says_an_empty_optional_query_value_counts_as_none(
    schema: dict[str, Any],
) -> None:
    listing = operation(schema, "conversations_list")

    query = [p for p in listing["parameters"] if p["in"] == "query"]

    assert {p["name"] for p in query} >= {"type", "start", "number", "page"}
    assert all(p["allowEmptyValue"] is True for p in query)


def test_the_schema_gives_an_attachment_its_own_content_type(schema: dict[str, Any]) -> None:
    download = operation(schema, "attachment_download")

    assert list(download["responses"]["200"]["content"]) == ["*/*"]
    assert list(download["responses"]["206"]["content"]) == ["*/*"]
    assert "400" in download["responses"]


def test_the_schema_takes_ids_in_bodies_as_numbers_or_digits(schema: dict[str, Any]) -> None:
    pager = schema["components"]["schemas"]["PagerSendInputRequest"]["properties"]

    for name in ("reply_on", "conversation_id"):
        kinds = [variant["type"] for variant in pager[name]["oneOf"]]
        assert kinds == ["integer", "string"], name
        assert pager[name]["oneOf"][0]["minimum"] == 1


def test_the_schema_says_which_bodies_are_json_only(schema: dict[str, Any]) -> None:
    for operation_id in ("message_delete", "conversation_read_status_update", "pager_send"):
        body = operation(schema, operation_id)["requestBody"]["content"]
        assert list(body) == ["application/json"], operation_id
    fax = operation(schema, "fax_send")["requestBody"]["content"]
    assert list(fax) == ["multipart/form-data"]
