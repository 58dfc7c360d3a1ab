"""The JSON API's failures: 401 with a challenge for anonymous callers, a CSRF failure that says
so, JSON 404s and 405s for every address under `/api/`, a schema that documents each error
answer an operation can give, and ids, days and pages out of range refused before they reach
the database or RingCentral."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from accounts.models import User
from tests.inbox.conftest import extension_of
from tests.support.emulator import RunningEmulator

ERROR_KEYS = {"code", "message"}


@pytest.fixture
def token(db: None) -> str:
    """An API token of dave's: signed in to the dashboard, no RingCentral mailbox of his own."""
    dave = User.objects.create_user("dave", password=uuid.uuid4().hex)
    key: str = Token.objects.create(user=dave).key
    return key


@pytest.fixture
def bobs(bob_client: Client, rc: RunningEmulator) -> tuple[str, str]:
    """The address of a write on bob's own mailbox, and an API token of his."""
    extension_id = extension_of(rc, "agent")
    bob = User.objects.get(rc_extension_id=extension_id)
    url = reverse("api:message_read_status", args=[extension_id, 1])
    return url, Token.objects.create(user=bob).key


def script(token: str) -> dict[str, str]:
    return {"Authorization": f"Token {token}"}


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body: dict[str, Any] = response.json()
    assert set(body) >= ERROR_KEYS
    assert body["code"] == code
    assert body["message"].endswith("."), body
    return body


# --- Authentication -----------------------------------------------------------------------


def test_it_challenges_anonymous_callers_with_401(client: Client, db: None) -> None:
    listed = client.get(reverse("api:mailboxes"))
    posted = client.post(
        reverse("api:message_delete", args=[5000000102, 1]), {}, content_type="application/json"
    )

    for response in (listed, posted):
        assert_error(response, 401, "not_authenticated")
        assert response["WWW-Authenticate"] == "Token"


def test_it_challenges_a_bad_token_with_401(client: Client, db: None) -> None:
    response = client.get(reverse("api:mailboxes"), headers=script("nope"))

    assert_error(response, 401, "authentication_failed")
    assert response["WWW-Authenticate"] == "Token"


def test_it_keeps_the_browsers_session_working(dave_client: Client) -> None:
    response = dave_client.get(reverse("api:mailboxes"))

    assert response.status_code == 200
    assert response.json() == {"mailboxes": []}


def test_it_says_when_the_csrf_token_is_missing(dave_client: Client) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.cookies = dave_client.cookies
    browser.cookies["csrftoken"] = "a" * 32  # set by the pages it has seen

    response = browser.post(
        reverse("api:message_delete", args=[5000000102, 1]), {}, content_type="application/json"
    )

    body = assert_error(response, 403, "csrf_failed")
    assert body["message"].startswith("CSRF token missing.")
    assert "X-CSRFToken" in body["message"]


def test_it_takes_a_session_write_with_its_csrf_token(dave_client: Client) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.cookies = dave_client.cookies
    secret = "a" * 32
    browser.cookies["csrftoken"] = secret

    response = browser.post(
        reverse("api:message_delete", args=[5000000102, 1]),
        {},
        content_type="application/json",
        headers={"X-CSRFToken": secret},
    )

    assert_error(response, 404, "not_found")  # past the CSRF check; the mailbox is not dave's


# --- Unknown addresses and methods --------------------------------------------------------

UNKNOWN = [
    "/api/mailboxes/0/sends/x/",
    "/api/mailboxes/x/conversations/",
    "/api/mailboxes/1/messages/2/attachments/x/",
    "/api/no-such-thing/",
    "/api/no-such-thing",
    "/api/",
]


@pytest.mark.parametrize("url", UNKNOWN)
def test_it_answers_unknown_addresses_with_a_json_404(client: Client, token: str, url: str) -> None:
    as_script = client.get(url, headers=script(token))
    anonymous = client.get(url)

    assert_error(as_script, 404, "not_found")
    assert_error(anonymous, 404, "not_found")


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "options"])
def test_it_answers_unknown_addresses_with_a_json_404_for_every_method(
    dave_client: Client, method: str
) -> None:
    browser = Client(enforce_csrf_checks=True)  # no CSRF token: the address decides first
    browser.cookies = dave_client.cookies

    response = getattr(browser, method)("/api/mailboxes/0/sends/x/")

    assert_error(response, 404, "not_found")


def test_it_redirects_a_missing_slash_to_the_address_that_exists(client: Client, db: None) -> None:
    response = client.get("/api/mailboxes?page=2")

    assert response.status_code == 301
    assert response["Location"] == "/api/mailboxes/?page=2"


def test_it_names_the_address_with_the_slash_on_a_write(client: Client, token: str) -> None:
    response = client.post("/api/mailboxes/1/sms", {}, headers=script(token))

    body = assert_error(response, 404, "not_found")
    assert "/api/mailboxes/1/sms/" in body["message"]


def test_it_answers_a_wrong_method_with_a_json_405(client: Client, token: str) -> None:
    response = client.delete(reverse("api:mailboxes"), headers=script(token))

    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"]


@pytest.mark.parametrize("name", ["api:schema", "api:docs"])
def test_it_answers_a_wrong_method_on_the_schema_with_a_json_405(
    client: Client, db: None, name: str
) -> None:
    response = client.post(reverse(name))

    assert_error(response, 405, "method_not_allowed")


def test_it_answers_a_body_of_the_wrong_type_with_a_json_415(
    client: Client, bobs: tuple[str, str]
) -> None:
    url, token = bobs

    response = client.post(url, "Read", content_type="text/plain", headers=script(token))

    assert_error(response, 415, "unsupported_media_type")


def test_it_answers_a_body_that_is_not_json_with_a_json_400(
    client: Client, bobs: tuple[str, str]
) -> None:
    url, token = bobs

    response = client.post(url, "{", content_type="application/json", headers=script(token))

    assert_error(response, 400, "parse_error")


def test_it_answers_a_body_too_large_with_a_json_413(
    client: Client, bobs: tuple[str, str], settings: Any
) -> None:
    url, token = bobs
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100

    response = client.post(
        url,
        {"read_status": "Read", "padding": "x" * 200},
        content_type="application/json",
        headers=script(token),
    )

    assert_error(response, 413, "request_too_large")


# --- The schema ---------------------------------------------------------------------------


def api_operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, operations in schema["paths"].items()
        if path.startswith("/api/")
        for method, operation in operations.items()
    ]


def documented(schema: dict[str, Any], operation: dict[str, Any], status: int) -> dict[str, Any]:
    """The JSON schema the operation documents for `status`, references resolved."""
    answer = operation["responses"].get(str(status))
    assert answer is not None, f"{operation['operationId']} does not document {status}"
    assert list(answer["content"]) == ["application/json"], operation["operationId"]
    reference: str = answer["content"]["application/json"]["schema"]["$ref"]
    found: dict[str, Any] = schema["components"]["schemas"][reference.rsplit("/", 1)[-1]]
    return found


@pytest.fixture
def schema(client: Client, db: None) -> dict[str, Any]:
    served: dict[str, Any] = client.get(reverse("api:schema"), {"format": "json"}).json()
    return served


def test_the_schema_documents_the_errors_every_operation_can_give(schema: dict[str, Any]) -> None:
    operations = api_operations(schema)
    assert len(operations) >= 18

    for _, _, operation in operations:
        for status in (401, 403, 404, 502, 503):
            envelope = documented(schema, operation, status)
            assert set(envelope["required"]) >= ERROR_KEYS, operation["operationId"]
        assert "WWW-Authenticate" in operation["responses"]["401"]["headers"]
        assert "Retry-After" in operation["responses"]["503"]["headers"]


def test_the_schema_documents_the_errors_of_a_request_body(schema: dict[str, Any]) -> None:
    with_body = [op for _, _, op in api_operations(schema) if "requestBody" in op]
    assert len(with_body) >= 8

    for operation in with_body:
        for status in (400, 413, 415):
            documented(schema, operation, status)
        invalid = documented(schema, operation, 400)
        assert "fields" in invalid["properties"], operation["operationId"]


def test_the_schema_documents_what_only_some_operations_give(schema: dict[str, Any]) -> None:
    by_id = {op["operationId"]: op for _, _, op in api_operations(schema)}

    documented(schema, by_id["conversations_list"], 400)
    documented(schema, by_id["attachment_download"], 416)
    documented(schema, by_id["send_retry"], 409)
    documented(schema, by_id["send_cancel"], 409)
    assert "409" not in by_id["message_read"]["responses"]


# --- Values out of range -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("post", "/api/mailboxes/{mailbox}/conversations/29255367545415344128/delete/"),
        ("get", "/api/mailboxes/{mailbox}/messages/9223372036854775808/"),
        ("get", "/api/mailboxes/99999999999999999999/conversations/"),
    ],
)
def test_it_answers_ids_past_int64_with_a_json_404(
    client: Client, rc: RunningEmulator, bobs: tuple[str, str], method: str, url: str
) -> None:
    _, token = bobs
    address = url.format(mailbox=extension_of(rc, "agent"))

    response = getattr(client, method)(address, headers=script(token))

    assert_error(response, 404, "not_found")


@pytest.mark.parametrize(
    ("name", "body", "field"),
    [
        ("fax_resend", {"original_message_id": 2**63}, "original_message_id"),
        ("pager_send", {"to": [2**63], "text": "Hi"}, "to"),
        ("pager_send", {"reply_on": 2**63, "text": "Hi"}, "reply_on"),
        ("sms_send", {"from_number": "+16505550100", "to": ["+16505550101"],
                      "conversation_id": 2**63}, "conversation_id"),
    ],
)  # fmt: skip
def test_it_refuses_ids_past_int64_in_a_body(
    client: Client,
    rc: RunningEmulator,
    bobs: tuple[str, str],
    name: str,
    body: dict[str, Any],
    field: str,
) -> None:
    _, token = bobs
    headers = {**script(token), "Idempotency-Key": str(uuid.uuid4())}

    response = client.post(
        reverse(f"api:{name}", args=[extension_of(rc, "agent")]),
        body,
        content_type="application/json",
        headers=headers,
    )

    assert set(assert_error(response, 400, "invalid")["fields"]) == {field}


@pytest.mark.parametrize("day", ["0034-12-27", "1999-12-31"])
def test_it_refuses_days_before_the_message_store_began(
    client: Client, rc: RunningEmulator, bobs: tuple[str, str], day: str
) -> None:
    _, token = bobs
    url = reverse("api:conversations", args=[extension_of(rc, "agent")])

    started = client.get(url, {"start": day}, headers=script(token))
    ended = client.get(url, {"end": day}, headers=script(token))

    assert "start" in assert_error(started, 400, "invalid")["fields"]
    assert "end" in assert_error(ended, 400, "invalid")["fields"]


@pytest.mark.parametrize("page", ["791405712607663620096", "0", "two"])
def test_it_refuses_a_thread_page_that_cannot_be(
    client: Client, rc: RunningEmulator, bobs: tuple[str, str], page: str
) -> None:
    _, token = bobs
    url = reverse("api:conversation", args=[extension_of(rc, "agent"), 1])

    response = client.get(url, {"page": page}, headers=script(token))

    assert set(assert_error(response, 400, "invalid")["fields"]) == {"page"}
