"""The sending API: SMS/MMS and pager sends with an Idempotency-Key (required, a UUID; the
same key twice is one send, 201 then 200), validation errors per field with nothing queued,
a send's status read from the database alone, Retry, Cancel, the schema, and 404 for anyone
sending from a mailbox not their own."""

from __future__ import annotations

import time
import uuid
from typing import Any

import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from accounts.models import User
from inbox.models import Send
from tests.inbox.conftest import extension_of
from tests.inbox.sending.test_composer import customer_number
from tests.inbox.support import rc_calls
from tests.support.emulator import RunningEmulator

PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)


def api(name: str, *args: int) -> str:
    return reverse(f"api:{name}", args=args)


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


def sms(rc: RunningEmulator, **fields: Any) -> dict[str, Any]:
    return {"from_number": rc.user("agent")["sms_numbers"][0], "to": [customer_number()],
            "text": "Your order is ready.", **fields}  # fmt: skip


def bob_sms(client: Client, rc: RunningEmulator, headers: dict[str, str], **fields: Any) -> Any:
    url = api("sms_send", extension_of(rc, "agent"))
    return client.post(url, sms(rc, **fields), content_type="application/json", headers=headers)


def test_it_queues_an_sms_and_answers_with_the_send(
    bob_client: Client, rc: RunningEmulator
) -> None:
    answer = bob_sms(bob_client, rc, key(), to=["(209) 555-0147"])

    assert answer.status_code == 201
    body = answer.json()
    assert body["recipients"] == ["+12095550147"]
    assert (body["kind"], body["status"], body["state"], body["final"]) == (
        "sms", "queued", "queued", False,
    )  # fmt: skip
    assert body["queue_position"] >= 1
    assert Send.objects.get(pk=int(body["id"])).text == "Your order is ready."


def test_it_sends_once_for_the_same_key(bob_client: Client, rc: RunningEmulator) -> None:
    headers = key()

    first = bob_sms(bob_client, rc, headers)
    second = bob_sms(bob_client, rc, headers, text="Something else")

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert Send.objects.count() == 1


def test_it_requires_an_idempotency_key_that_is_a_uuid(
    bob_client: Client, rc: RunningEmulator
) -> None:
    missing = bob_sms(bob_client, rc, {})
    wrong = bob_sms(bob_client, rc, {"Idempotency-Key": "twice"})

    assert (missing.status_code, missing.json()["code"]) == (400, "idempotency_key_missing")
    assert "Idempotency-Key header" in missing.json()["message"]
    assert (wrong.status_code, wrong.json()["code"]) == (400, "idempotency_key_invalid")
    assert not Send.objects.exists()


def test_it_refuses_an_over_long_text_with_a_field_error(
    bob_client: Client, rc: RunningEmulator
) -> None:
    answer = bob_sms(bob_client, rc, key(), text="é" * 1001)

    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == "invalid"
    assert "1,001 characters long" in body["fields"]["text"][0]
    assert not Send.objects.exists()


def test_it_refuses_a_bad_number_with_a_field_error(
    bob_client: Client, rc: RunningEmulator
) -> None:
    answer = bob_sms(bob_client, rc, key(), to=["not a number"])

    assert answer.status_code == 400
    assert "“not a number” is not a phone number" in answer.json()["fields"]["to"][0]
    assert not Send.objects.exists()


def test_it_refuses_a_from_number_that_is_not_the_users(
    bob_client: Client, rc: RunningEmulator
) -> None:
    answer = bob_sms(bob_client, rc, key(), from_number=rc.user("admin")["sms_numbers"][0])

    assert answer.status_code == 400
    assert "from_number" in answer.json()["fields"]
    assert not Send.objects.exists()


def test_it_takes_mms_files_as_multipart_and_refuses_wrong_ones(
    bob_client: Client, rc: RunningEmulator
) -> None:
    url = api("sms_send", extension_of(rc, "agent"))
    good = {**sms(rc), "attachments": [SimpleUploadedFile("a.png", PNG, "image/png")]}
    bad = {**sms(rc), "attachments": [SimpleUploadedFile("a.exe", b"MZ", "image/png")]}

    created = bob_client.post(url, good, headers=key())
    refused = bob_client.post(url, bad, headers=key())

    assert created.status_code == 201, created.content
    assert Send.objects.get().documents.get().content_type == "image/png"
    assert refused.status_code == 400
    assert "“a.exe” cannot be sent" in refused.json()["fields"]["attachments"][0]


def test_it_queues_a_pager_message_to_people_of_the_account(
    bob_client: Client, rc: RunningEmulator
) -> None:
    url = api("pager_send", extension_of(rc, "agent"))
    charlie = extension_of(rc, "agent2")

    sent = bob_client.post(url, {"to": [charlie], "text": "Lunch?"},
                           content_type="application/json", headers=key())  # fmt: skip
    stranger = bob_client.post(url, {"to": [123], "text": "Hi"},
                               content_type="application/json", headers=key())  # fmt: skip

    assert sent.status_code == 201
    assert sent.json()["recipients"] == [str(charlie)]
    assert stranger.status_code == 400
    assert "Page people of your own account only" in stranger.json()["fields"]["to"][0]


def test_it_sends_only_from_ones_own_mailbox(
    alice_client: Client, dave_client: Client, rc: RunningEmulator
) -> None:
    bobs = extension_of(rc, "agent")
    for client in (alice_client, dave_client):
        answer = client.post(api("sms_send", bobs), sms(rc),
                             content_type="application/json", headers=key())  # fmt: skip
        assert answer.status_code == 404
        assert answer.json()["code"] == "not_found"
    assert not Send.objects.exists()


def test_it_needs_csrf_for_the_browsers_session(rc: RunningEmulator, db: None) -> None:
    from tests.inbox.conftest import sign_in

    client = Client(enforce_csrf_checks=True)
    sign_in(client, rc, "agent")

    answer = bob_sms(client, rc, key())

    assert answer.status_code == 403
    assert not Send.objects.exists()


def test_it_takes_an_api_token_without_csrf(bob_client: Client, rc: RunningEmulator) -> None:
    user = User.objects.get(rc_extension_id=extension_of(rc, "agent"))
    token = Token.objects.create(user=user)
    script = Client(enforce_csrf_checks=True)

    answer = bob_sms(script, rc, {**key(), "Authorization": f"Token {token.key}"})

    assert answer.status_code == 201


def test_it_shows_a_send_from_the_database_only(bob_client: Client, rc: RunningEmulator) -> None:
    created = bob_sms(bob_client, rc, key()).json()
    url = api("send", extension_of(rc, "agent"), int(created["id"]))
    since = time.time()

    answer = bob_client.get(url)

    assert answer.status_code == 200
    assert answer.json()["id"] == created["id"]
    time.sleep(0.2)
    assert rc_calls(rc, since) == 0


def test_it_hides_sends_from_others(
    bob_client: Client, charlie_client: Client, dave_client: Client, rc: RunningEmulator
) -> None:
    send_id = int(bob_sms(bob_client, rc, key()).json()["id"])
    Send.objects.filter(pk=send_id).update(status=Send.Status.FAILED)

    for client, which in ((charlie_client, "agent2"), (charlie_client, "agent"),
                          (dave_client, "agent")):  # fmt: skip
        mailbox = extension_of(rc, which)
        assert client.get(api("send", mailbox, send_id)).status_code == 404
        assert client.post(api("send_retry", mailbox, send_id), headers=key()).status_code == 404
        assert client.post(api("send_cancel", mailbox, send_id)).status_code == 404
    assert Send.objects.count() == 1


def test_it_retries_a_failed_send_once_per_key(bob_client: Client, rc: RunningEmulator) -> None:
    send_id = int(bob_sms(bob_client, rc, key()).json()["id"])
    url = api("send_retry", extension_of(rc, "agent"), send_id)

    too_early = bob_client.post(url, headers=key())
    Send.objects.filter(pk=send_id).update(status=Send.Status.FAILED)
    headers = key()
    first = bob_client.post(url, headers=headers)
    again = bob_client.post(url, headers=headers)

    assert too_early.status_code == 409
    assert "has not failed" in too_early.json()["message"]
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["retry_of"] == str(send_id)
    assert Send.objects.filter(retry_of_id=send_id).count() == 1


def test_it_cancels_a_queued_send(bob_client: Client, rc: RunningEmulator) -> None:
    send_id = int(bob_sms(bob_client, rc, key()).json()["id"])
    url = api("send_cancel", extension_of(rc, "agent"), send_id)

    cancelled = bob_client.post(url)
    again = bob_client.post(url)

    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")
    assert again.status_code == 409


def test_it_documents_the_sending_endpoints(client: Client, db: None) -> None:
    schema = yaml.safe_load(client.get(reverse("api:schema")).content)
    paths = schema["paths"]

    sms_post = paths["/api/mailboxes/{extension_id}/sms/"]["post"]
    assert {"application/json", "multipart/form-data"} <= set(sms_post["requestBody"]["content"])
    assert any(p["name"] == "Idempotency-Key" and p["required"] for p in sms_post["parameters"])
    assert {"200", "201", "400", "404"} <= set(sms_post["responses"])
    assert "post" in paths["/api/mailboxes/{extension_id}/pager/"]
    assert "get" in paths["/api/mailboxes/{extension_id}/sends/{send_id}/"]
    assert "post" in paths["/api/mailboxes/{extension_id}/sends/{send_id}/retry/"]
    assert "post" in paths["/api/mailboxes/{extension_id}/sends/{send_id}/cancel/"]
