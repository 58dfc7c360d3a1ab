"""The JSON API: the pages' reads and writes, session and token authentication, errors as JSON
with a code and a sentence, the OpenAPI schema and its page, and 404 for whoever may not see
a mailbox."""

from __future__ import annotations

import io
from typing import Any

import pytest
import yaml
from django.core.management import call_command
from django.http import StreamingHttpResponse
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from accounts.models import User
from emulator.mailstore import NewAttachment
from inbox.models import AuditEntry
from tests.emulator.factories import attachment_ids, conversation_of, make_sms, message_row
from tests.inbox.conftest import extension_of
from tests.inbox.support import day_of, own_day, set_faults
from tests.support.emulator import RunningEmulator

PNG = b"\x89PNG\r\n\x1a\n" + bytes(300)


def api(name: str, *args: int) -> str:
    return reverse(f"api:{name}", args=args)


@pytest.fixture
def bobs(rc: RunningEmulator) -> tuple[int, int, int]:
    """(mailbox, conversation, message): an MMS conversation of bob's, of a day of its own."""
    day, _ = own_day()
    message_id = make_sms(
        rc.db_path, extension_of(rc, "agent"), text="<b>Hi</b>", created_ts=day,
        attachments=[NewAttachment("MmsAttachment", "image/png", PNG)],
    )  # fmt: skip
    return extension_of(rc, "agent"), conversation_of(rc.db_path, message_id), message_id


def test_it_lists_the_mailboxes_one_may_open(
    alice_client: Client, bob_client: Client, rc: RunningEmulator
) -> None:
    admins = alice_client.get(api("mailboxes")).json()["mailboxes"]
    agents = bob_client.get(api("mailboxes")).json()["mailboxes"]

    assert [m["extension_number"] for m in admins] == ["101", "102", "103", "201", "202"]
    assert agents == [
        {"extension_id": str(extension_of(rc, "agent")), "extension_number": "102",
         "name": "Sam Rivera", "is_own": True, "is_team": False},
    ]  # fmt: skip


def test_it_lists_conversations_with_the_pages_filters(
    bob_client: Client, rc: RunningEmulator, bobs: tuple[int, int, int]
) -> None:
    mailbox, conversation_id, message_id = bobs
    next_day, _ = own_day()
    make_sms(rc.db_path, mailbox, created_ts=next_day)  # at midnight, after the window
    start = message_row(rc.db_path, message_id)["creation_ts"]

    body = bob_client.get(
        api("conversations", mailbox), {"start": day_of(start), "end": day_of(start)}
    ).json()

    assert body["mailbox"]["name"] == "Sam Rivera"
    assert isinstance(body["unread_count"], int)
    assert body["has_next"] is False
    (row,) = body["conversations"]
    assert row["id"] == str(message_id)
    assert row["conversation_id"] == str(conversation_id)
    assert row["type"] == "MMS"
    assert row["text"] == "<b>Hi</b>"  # as written: JSON consumers escape it themselves
    assert row["attachments"][0]["url"].startswith(f"/api/mailboxes/{mailbox}/messages/")


def test_it_explains_invalid_filters(bob_client: Client, rc: RunningEmulator) -> None:
    response = bob_client.get(api("conversations", extension_of(rc, "agent")), {"type": "fish"})

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["message"].endswith(".")
    assert "type" in body["fields"]


def test_it_returns_a_thread_and_a_message(
    bob_client: Client, rc: RunningEmulator, bobs: tuple[int, int, int]
) -> None:
    mailbox, conversation_id, message_id = bobs

    thread = bob_client.get(api("conversation", mailbox, conversation_id)).json()
    message = bob_client.get(api("message", mailbox, message_id)).json()

    assert [m["id"] for m in thread["messages"]] == [str(message_id)]
    assert thread["has_older"] is False
    assert message["other_party"] and message["unread"] is True


def test_it_streams_attachments(
    bob_client: Client, rc: RunningEmulator, bobs: tuple[int, int, int]
) -> None:
    mailbox, _, message_id = bobs
    attachment_id = attachment_ids(rc.db_path, message_id)[-1]

    response = bob_client.get(
        api("attachment", mailbox, message_id, attachment_id), HTTP_RANGE="bytes=0-7"
    )

    assert isinstance(response, StreamingHttpResponse)
    assert response.status_code == 206
    assert b"".join(response.streaming_content) == PNG[:8]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_it_marks_read_and_deletes(
    bob_client: Client, rc: RunningEmulator, bobs: tuple[int, int, int]
) -> None:
    mailbox, conversation_id, message_id = bobs

    read = bob_client.post(
        api("conversation_read_status", mailbox, conversation_id),
        {"read_status": "Read"},
        content_type="application/json",
    )
    deleted = bob_client.post(
        api("message_delete", mailbox, message_id), {}, content_type="application/json"
    )

    assert read.status_code == 200
    assert read.json()["outcome"] == "done"
    assert deleted.json() == {
        "outcome": "done",
        "message": "Deleted the message.",
        "audit_entry_id": str(AuditEntry.objects.latest("id").pk),
    }
    assert message_row(rc.db_path, message_id)["availability"] == "Deleted"


def test_it_refuses_purging_to_agents_as_json(
    bob_client: Client, rc: RunningEmulator, bobs: tuple[int, int, int]
) -> None:
    mailbox, _, message_id = bobs

    response = bob_client.post(
        api("message_delete", mailbox, message_id), {"purge": True}, content_type="application/json"
    )

    assert response.status_code == 403
    assert response.json()["code"] == "purge_not_allowed"


def test_it_accepts_tokens_for_scripts(
    bob_client: Client, rc: RunningEmulator, bobs: tuple[int, int, int]
) -> None:
    mailbox, _, message_id = bobs
    bob = User.objects.get(rc_extension_id=mailbox)
    token = Token.objects.create(user=bob)
    script = Client(enforce_csrf_checks=True)

    listed = script.get(api("mailboxes"), HTTP_AUTHORIZATION=f"Token {token.key}")
    marked = script.post(
        api("message_read_status", mailbox, message_id),
        {"read_status": "Read"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )

    assert listed.status_code == 200
    assert marked.status_code == 200
    assert message_row(rc.db_path, message_id)["read_status"] == "Read"


def test_it_asks_browsers_for_the_csrf_token_on_writes(
    bob_client: Client, rc: RunningEmulator, bobs: tuple[int, int, int]
) -> None:
    mailbox, _, message_id = bobs
    browser = Client(enforce_csrf_checks=True)
    browser.cookies = bob_client.cookies

    response = browser.post(
        api("message_delete", mailbox, message_id), {}, content_type="application/json"
    )

    assert response.status_code == 403
    assert message_row(rc.db_path, message_id)["availability"] == "Alive"


def test_it_answers_unauthenticated_requests_as_json(client: Client, db: None) -> None:
    anonymous = client.get(api("mailboxes"))
    bad_token = client.get(api("mailboxes"), HTTP_AUTHORIZATION="Token nope")

    assert anonymous.status_code in (401, 403)
    assert anonymous.json()["code"] == "not_authenticated"
    assert bad_token.json() == {
        "code": "authentication_failed",
        "message": "This API token is not valid. Ask an admin for a new one.",
    }


def test_it_says_when_ringcentral_does_not_answer(
    emulator_factory: Any, settings: Any, db: None
) -> None:
    from tests.inbox.conftest import point_at, signed_in

    running = point_at(settings, emulator_factory())
    client = signed_in(running, "agent")
    set_faults(running, error_rate=1.0)

    response = client.get(api("conversations", extension_of(running, "agent")))

    assert response.status_code == 503
    assert response.json() == {
        "code": "ringcentral_unavailable",
        "message": "RingCentral did not answer. Try again in a moment.",
    }


ID_ENDPOINTS = [
    ("conversations", "get", "mailbox"),
    ("conversation", "get", "conversation"),
    ("conversation_read_status", "post", "conversation"),
    ("conversation_delete", "post", "conversation"),
    ("message", "get", "message"),
    ("message_read_status", "post", "message"),
    ("message_delete", "post", "message"),
    ("attachment", "get", "attachment"),
]


def endpoint(
    name: str, kind: str, mailbox: int, ids: tuple[int, int, int], running: RunningEmulator
) -> str:
    _, conversation_id, message_id = ids
    if kind == "mailbox":
        return api(name, mailbox)
    if kind == "conversation":
        return api(name, mailbox, conversation_id)
    if kind == "message":
        return api(name, mailbox, message_id)
    return api(name, mailbox, message_id, attachment_ids(running.db_path, message_id)[-1])


def call(client: Client, method: str, url: str, **headers: Any) -> Any:
    data = {"read_status": "Read"} if url.endswith("read-status/") else {}
    if method == "get":
        return client.get(url, **headers)
    return client.post(url, data, content_type="application/json", **headers)


@pytest.mark.parametrize(("name", "method", "kind"), ID_ENDPOINTS)
def test_it_hides_a_mailbox_from_another_agent(
    charlie_client: Client,
    rc: RunningEmulator,
    bobs: tuple[int, int, int],
    name: str,
    method: str,
    kind: str,
) -> None:
    bob, charlie = extension_of(rc, "agent"), extension_of(rc, "agent2")

    through_bobs = call(charlie_client, method, endpoint(name, kind, bob, bobs, rc))
    through_own = call(charlie_client, method, endpoint(name, kind, charlie, bobs, rc))

    assert through_bobs.status_code == 404
    assert through_bobs.json()["code"] == "not_found"
    if kind != "mailbox":  # charlie's own list is his to see
        assert through_own.status_code == 404
    assert message_row(rc.db_path, bobs[2])["availability"] == "Alive"


@pytest.mark.parametrize(("name", "method", "kind"), ID_ENDPOINTS)
def test_it_hides_a_mailbox_from_strangers(
    rc: RunningEmulator, bobs: tuple[int, int, int], name: str, method: str, kind: str, db: None
) -> None:
    dave = User.objects.create_user("dave")
    token = Token.objects.create(user=dave)

    response = call(
        Client(), method, endpoint(name, kind, bobs[0], bobs, rc),
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )  # fmt: skip

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_it_publishes_an_openapi_schema(client: Client, db: None) -> None:
    response = client.get(reverse("api:schema"))

    schema = yaml.safe_load(response.content)
    paths = schema["paths"]
    assert schema["openapi"].startswith("3.")
    assert "/api/mailboxes/{extension_id}/conversations/" in paths
    assert "post" in paths["/api/mailboxes/{extension_id}/messages/{message_id}/delete/"]
    assert {"cookieAuth", "tokenAuth"} <= set(schema["components"]["securitySchemes"])


def test_it_documents_the_api_on_a_page_without_outside_assets(client: Client, db: None) -> None:
    page = client.get(reverse("api:docs")).content.decode()

    assert "swagger-ui" in page
    assert "/static/drf_spectacular_sidecar/" in page
    assert "cdn" not in page.lower()


def test_the_schema_generates_without_warnings(db: None) -> None:
    output = io.StringIO()

    call_command("spectacular", "--validate", "--fail-on-warn", stdout=output)

    assert "openapi:" in output.getvalue()
