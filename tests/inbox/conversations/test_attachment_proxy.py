"""The attachment proxy: bytes streamed from RingCentral, ranges, the headers that keep hostile
files harmless, nothing of RingCentral's reaching the browser, and access."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import StreamingHttpResponse
from django.test import Client
from django.urls import reverse

from emulator.mailstore import NewAttachment
from tests.emulator.factories import attachment_ids, make_fax, make_sms, make_voicemail
from tests.inbox.conftest import extension_of
from tests.inbox.support import own_day
from tests.support.emulator import RunningEmulator

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
PDF = b"%PDF-1.4\n" + b"0" * 5000 + b"\n%%EOF\n"


def attachment_url(running: RunningEmulator, message_id: int, which: str = "agent") -> str:
    attachment_id = attachment_ids(running.db_path, message_id)[-1]
    return reverse(
        "inbox:attachment", args=[extension_of(running, which), message_id, attachment_id]
    )


def body(response: Any) -> bytes:
    assert isinstance(response, StreamingHttpResponse)
    return b"".join(response.streaming_content)  # type: ignore[arg-type]


def picture(running: RunningEmulator, content: bytes = PNG, content_type: str = "image/png") -> int:
    day, _ = own_day()
    return make_sms(
        running.db_path, extension_of(running, "agent"), text="", created_ts=day,
        attachments=[NewAttachment("MmsAttachment", content_type, content)],
    )  # fmt: skip


def test_it_streams_a_picture_inline(bob_client: Client, rc: RunningEmulator) -> None:
    response = bob_client.get(attachment_url(rc, picture(rc)))

    assert response.status_code == 200
    assert body(response) == PNG
    assert response["Content-Type"] == "image/png"
    assert response["Content-Length"] == str(len(PNG))
    assert response["Content-Disposition"].startswith("inline;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].startswith("sandbox;")
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert response["Cache-Control"].startswith("private")
    assert response["Accept-Ranges"] == "bytes"


def test_it_shows_faxes_and_voicemails_inline(bob_client: Client, rc: RunningEmulator) -> None:
    day, _ = own_day()
    fax = make_fax(rc.db_path, extension_of(rc, "agent"), content=PDF, created_ts=day)
    voicemail = make_voicemail(rc.db_path, extension_of(rc, "agent"), created_ts=day)

    pdf = bob_client.get(attachment_url(rc, fax))
    audio = bob_client.get(attachment_url(rc, voicemail))

    assert body(pdf) == PDF
    assert pdf["Content-Type"] == "application/pdf"
    assert (
        pdf["Content-Disposition"]
        == f'inline; filename="message-{fax}-{attachment_ids(rc.db_path, fax)[0]}.pdf"'
    )
    assert pdf["Content-Security-Policy"].startswith("sandbox;")
    assert "default-src 'none'" in pdf["Content-Security-Policy"]
    assert audio["Content-Type"] == "audio/x-wav"
    assert audio["Content-Disposition"].startswith("inline;")
    assert audio["Content-Security-Policy"].startswith("sandbox;")


@pytest.mark.parametrize(
    "content_type", ["text/html", "image/svg+xml", "application/octet-stream", "video/mp4"]
)
def test_it_offers_anything_else_as_a_download(
    bob_client: Client, rc: RunningEmulator, content_type: str
) -> None:
    hostile = b"<html><script>alert(document.cookie)</script></html>"

    response = bob_client.get(attachment_url(rc, picture(rc, hostile, content_type)))

    assert body(response) == hostile
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].startswith("sandbox;")


def test_it_downloads_pictures_when_asked(bob_client: Client, rc: RunningEmulator) -> None:
    response = bob_client.get(attachment_url(rc, picture(rc)), {"download": "1"})

    assert response["Content-Disposition"].startswith("attachment;")


def test_it_answers_a_range_with_exactly_those_bytes(
    bob_client: Client, rc: RunningEmulator
) -> None:
    url = attachment_url(rc, picture(rc))

    middle = bob_client.get(url, HTTP_RANGE="bytes=100-199")
    tail = bob_client.get(url, HTTP_RANGE=f"bytes={len(PNG) - 10}-")

    assert middle.status_code == 206
    assert body(middle) == PNG[100:200]
    assert middle["Content-Range"] == f"bytes 100-199/{len(PNG)}"
    assert middle["Content-Length"] == "100"
    assert tail.status_code == 206
    assert body(tail) == PNG[-10:]
    assert tail["Content-Range"] == f"bytes {len(PNG) - 10}-{len(PNG) - 1}/{len(PNG)}"


def test_it_refuses_ranges_it_cannot_serve(bob_client: Client, rc: RunningEmulator) -> None:
    url = attachment_url(rc, picture(rc))

    assert bob_client.get(url, HTTP_RANGE="bytes=0-1,5-6").status_code == 416
    assert bob_client.get(url, HTTP_RANGE="bytes=9-2").status_code == 416
    assert bob_client.get(url, HTTP_RANGE=f"bytes={len(PNG) + 5}-").status_code == 416


def test_it_never_passes_ringcentral_urls_or_tokens_on(
    bob_client: Client, rc: RunningEmulator
) -> None:
    response = bob_client.get(attachment_url(rc, picture(rc)))
    headers = " ".join(f"{name}: {value}" for name, value in response.items())

    body(response)
    assert rc.url not in headers
    assert "restapi" not in headers
    assert "Bearer" not in headers
    assert "Authorization" not in headers


def test_it_lets_admins_fetch_attachments_of_their_agents(
    alice_client: Client, rc: RunningEmulator
) -> None:
    response = alice_client.get(attachment_url(rc, picture(rc)))

    assert response.status_code == 200
    assert body(response) == PNG


def test_it_hides_attachments_from_strangers(dave_client: Client, rc: RunningEmulator) -> None:
    assert dave_client.get(attachment_url(rc, picture(rc))).status_code == 404


def test_it_hides_attachments_from_another_agent(
    charlie_client: Client, rc: RunningEmulator
) -> None:
    message_id = picture(rc)

    assert charlie_client.get(attachment_url(rc, message_id)).status_code == 404
    # asking through charlie's own mailbox: RingCentral does not find it there either
    assert charlie_client.get(attachment_url(rc, message_id, "agent2")).status_code == 404


def test_it_answers_404_for_an_attachment_of_another_message(
    bob_client: Client, rc: RunningEmulator
) -> None:
    first, second = picture(rc), picture(rc)
    attachment_of_second = attachment_ids(rc.db_path, second)[-1]

    url = reverse("inbox:attachment", args=[extension_of(rc, "agent"), first, attachment_of_second])

    assert bob_client.get(url).status_code == 404
