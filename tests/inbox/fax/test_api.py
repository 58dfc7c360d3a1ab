"""The fax JSON API without a worker: Idempotency-Key, multipart sends, what is refused (and
that nothing is queued then), resend/forward input, cover pages, the schema, and access."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from inbox.models import Send
from tests.emulator.factories import make_fax, make_sms, unique_number
from tests.inbox.conftest import extension_of
from tests.inbox.fax.support import pdf_with_image
from tests.support.emulator import RunningEmulator


@pytest.fixture(autouse=True)
def own_media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def fax_url(running: RunningEmulator, which: str = "agent") -> str:
    return reverse("api:fax_send_create", args=[extension_of(running, which)])


def resend_url(running: RunningEmulator, which: str = "agent") -> str:
    return reverse("api:fax_resend", args=[extension_of(running, which)])


def multipart(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "to": ["+16505550101", "650 555 0102"],
        "documents": [SimpleUploadedFile("a&b.pdf", pdf_with_image(2000))],
        "cover_index": "13",
        "cover_page_text": "Urgent: sign today",
        "resolution": "High",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


def test_it_queues_a_fax_once_per_idempotency_key(bob_client: Client, rc: RunningEmulator) -> None:
    headers = key()
    first = bob_client.post(fax_url(rc), multipart(), headers=headers)
    again = bob_client.post(fax_url(rc), multipart(), headers=headers)

    assert first.status_code == again.status_code == 202, first.content
    body = first.json()
    assert body["id"] == again.json()["id"]
    assert body["status"] == "queued"
    assert [r["number"] for r in body["recipients"]] == ["+16505550101", "+16505550102"]
    send = Send.objects.get()
    assert (send.cover_index, send.cover_page_text, send.resolution) == (
        13,
        "Urgent: sign today",
        "High",
    )
    assert send.documents.get().name == "a_b.pdf"
    detail = bob_client.get(body["url"])
    assert detail.status_code == 200
    assert detail.json()["id"] == body["id"]


def test_it_needs_an_idempotency_key(bob_client: Client, rc: RunningEmulator) -> None:
    for headers in ({}, {"Idempotency-Key": "not-a-uuid"}):
        answer = bob_client.post(fax_url(rc), multipart(), headers=headers)
        assert answer.status_code == 400
        assert answer.json()["code"] == "idempotency_key_required"
        assert "Idempotency-Key header" in answer.json()["message"]
    assert Send.objects.count() == 0


@pytest.mark.parametrize(
    ("changes", "field", "says"),
    [
        (
            {"documents": [SimpleUploadedFile("x.mp3", b"ID3")]},
            "documents",
            "cannot be faxed",
        ),
        (
            {"documents": [SimpleUploadedFile("x.png", b"GIF89a....")]},
            "documents",
            "is not a PNG file",
        ),
        ({"to": ["+1 (555) 0"]}, "to", "not a valid phone number"),
        ({"cover_index": "99"}, "cover_index", "not one RingCentral offers"),
        ({"send_at": "2001-01-01T00:00:00Z"}, "send_at", "has passed"),
    ],
)
def test_it_refuses_what_cannot_be_faxed_with_a_sentence(
    bob_client: Client, rc: RunningEmulator, changes: dict[str, Any], field: str, says: str
) -> None:
    answer = bob_client.post(fax_url(rc), multipart(**changes), headers=key())
    assert answer.status_code == 400, answer.content
    body = answer.json()
    assert body["code"] == "invalid"
    assert says in " ".join(body["fields"][field])
    assert Send.objects.count() == 0


def test_it_refuses_more_than_50_mb(bob_client: Client, rc: RunningEmulator) -> None:
    documents = [
        SimpleUploadedFile("a.pdf", pdf_with_image(26 * 1024 * 1024)),
        SimpleUploadedFile("b.pdf", pdf_with_image(26 * 1024 * 1024)),
    ]
    answer = bob_client.post(fax_url(rc), multipart(documents=documents), headers=key())
    assert answer.status_code == 413
    assert answer.json()["code"] == "documents_too_large"
    assert "at most 50 MB" in answer.json()["message"]
    assert Send.objects.count() == 0


def test_it_lists_ringcentrals_cover_pages(bob_client: Client, rc: RunningEmulator) -> None:
    url = reverse("api:fax_cover_pages", args=[extension_of(rc, "agent")])
    pages = bob_client.get(url).json()["cover_pages"]
    assert {"id": 0, "name": "None"} in pages
    assert {"id": 6, "name": "Confidential"} in pages
    assert len(pages) == 14


def test_it_forwards_a_received_fax_by_its_id(bob_client: Client, rc: RunningEmulator) -> None:
    received = make_fax(rc.db_path, extension_of(rc, "agent"))
    answer = bob_client.post(
        resend_url(rc),
        {"original_message_id": str(received), "to": ["+16505550177"]},
        content_type="application/json",
        headers=key(),
    )
    assert answer.status_code == 202, answer.content
    send = Send.objects.get()
    assert (send.original_message_id, send.recipients) == (received, ["+16505550177"])
    assert answer.json()["original_message_id"] == str(received)


def test_it_refuses_to_resend_what_is_not_a_fax(bob_client: Client, rc: RunningEmulator) -> None:
    sms = make_sms(rc.db_path, extension_of(rc, "agent"), other_number=unique_number(), text="x")
    answer = bob_client.post(
        resend_url(rc), {"original_message_id": sms}, content_type="application/json", headers=key()
    )
    assert answer.status_code == 400
    assert "Only a fax" in answer.json()["fields"]["original_message_id"][0]
    received = make_fax(rc.db_path, extension_of(rc, "agent"))
    answer = bob_client.post(
        resend_url(rc),
        {"original_message_id": received},
        content_type="application/json",
        headers=key(),
    )
    assert answer.status_code == 400
    assert answer.json()["fields"]["to"] == ["Enter the number to forward this fax to."]
    assert Send.objects.count() == 0


def test_it_hides_the_fax_api_from_strangers(
    bob_client: Client, charlie_client: Client, alice_client: Client, dave_client: Client,
    rc: RunningEmulator,
) -> None:  # fmt: skip
    bobs_fax = make_fax(rc.db_path, extension_of(rc, "agent"))
    for client in (charlie_client, alice_client, dave_client):
        assert client.post(fax_url(rc, "agent"), multipart(), headers=key()).status_code == 404
        assert (
            client.get(reverse("api:fax_cover_pages", args=[extension_of(rc, "agent")])).status_code
            == 404
        )
    # charlie, in his own mailbox, cannot forward bob's fax: it is not in his store
    answer = charlie_client.post(
        resend_url(rc, "agent2"),
        {"original_message_id": bobs_fax, "to": ["+16505550177"]},
        content_type="application/json",
        headers=key(),
    )
    assert answer.status_code == 404
    assert answer.json()["code"] == "not_found"
    bob_client.post(fax_url(rc), multipart(), headers=key())
    send = Send.objects.get()
    detail = reverse("api:fax_send", args=[extension_of(rc, "agent2"), send.pk])
    assert charlie_client.get(detail).status_code == 404
    assert Send.objects.count() == 1


def test_it_documents_the_fax_api(client: Client, db: None) -> None:
    paths = yaml.safe_load(client.get(reverse("api:schema")).content)["paths"]
    assert "post" in paths["/api/mailboxes/{extension_id}/fax/"]
    assert (
        "multipart/form-data"
        in paths["/api/mailboxes/{extension_id}/fax/"]["post"]["requestBody"]["content"]
    )
    assert "post" in paths["/api/mailboxes/{extension_id}/fax/resend/"]
    assert "get" in paths["/api/mailboxes/{extension_id}/fax-cover-pages/"]
    parameters = paths["/api/mailboxes/{extension_id}/fax/"]["post"]["parameters"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in parameters)
