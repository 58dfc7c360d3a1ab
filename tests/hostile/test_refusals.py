"""What no form would send, refused with a clear answer and nothing queued: a 50 MB body, a
100,000-character text, bytes that are not UTF-8 (in a form, a JSON body, a query string, a
path), 10,000 parts in one multipart body, a zip bomb named `.pdf` as a fax document, and a
query string of thousands of parameters.

Pages answer with an error page that says what happened (400, or 413 for a body too large),
the API with its JSON envelope (`code`, `message`); never a 500. Nothing is queued: no `Send`
row, no Celery task published, no work waiting for the transaction to commit.

These run in-process (Django's test client); `test_server.py` sends the same through a real
gunicorn and measures its worker's memory.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from inbox.models import Send
from tests.hostile.inputs import (
    FIFTY_MB,
    LONG_TEXT,
    NOT_UTF8,
    NOT_UTF8_PERCENT,
    api_error,
    json_body_of_size,
    json_not_utf8,
    multipart_flood,
    multipart_form,
    query_flood,
    zip_bomb,
)
from tests.inbox.conftest import extension_of
from tests.inbox.fax.support import pdf_with_image
from tests.support.emulator import RunningEmulator

FORM = "application/x-www-form-urlencoded"


@pytest.fixture(autouse=True)
def own_media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def nothing_queued(
    published_tasks: list[str], django_capture_on_commit_callbacks: Any
) -> Callable[[], Any]:
    """A context for one hostile request: afterwards, no send exists, no task was published
    and nothing waits for the transaction to commit."""

    @contextmanager
    def check() -> Iterator[None]:
        with django_capture_on_commit_callbacks() as after_commit:
            yield
        assert after_commit == []
        assert published_tasks == []
        assert Send.objects.count() == 0

    return check


def token(key: str) -> dict[str, str]:
    return {"Authorization": f"Token {key}", "Idempotency-Key": str(uuid.uuid4())}


def assert_api_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"] == "application/json"
    body = api_error(response.content)
    assert body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"].endswith("."), body
    return body


def assert_page(response: Any, status: int, *sentences: str) -> str:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("text/html")
    page: str = response.content.decode()
    for sentence in sentences:
        assert sentence in page, page[:3000]
    return page


def sms_api(rc: RunningEmulator) -> str:
    return reverse("api:sms_send", args=[extension_of(rc, "agent")])


def reply_page(rc: RunningEmulator, conversation_id: int) -> str:
    return reverse("inbox:sms_reply", args=[extension_of(rc, "agent"), conversation_id])


def fax_page(rc: RunningEmulator) -> str:
    return reverse("inbox:fax_new", args=[extension_of(rc, "agent")])


def fax_api(rc: RunningEmulator) -> str:
    return reverse("api:fax_send_create", args=[extension_of(rc, "agent")])


def reply_fields(rc: RunningEmulator, text: str) -> dict[str, str]:
    return {
        "idempotency_key": str(uuid.uuid4()),
        "from_number": rc.user("agent")["sms_numbers"][0],
        "text": text,
    }


# --- Bodies too large -------------------------------------------------------------------------


def test_it_refuses_a_50_mb_json_body_with_a_json_413(
    client: Client, rc: RunningEmulator, bob_token: str, nothing_queued: Any
) -> None:
    with nothing_queued():
        answer = client.post(
            sms_api(rc), json_body_of_size(FIFTY_MB), content_type="application/json",
            headers=token(bob_token),
        )  # fmt: skip

    assert_api_error(answer, 413, "request_too_large")


def test_it_refuses_a_50_mb_form_with_a_413_page(
    bob_client: Client, rc: RunningEmulator, bobs_thread: int, nothing_queued: Any
) -> None:
    body = b"text=" + b"x" * FIFTY_MB

    with nothing_queued():
        answer = bob_client.post(reply_page(rc, bobs_thread), body, content_type=FORM)

    assert_page(answer, 413, "too large", "Nothing was changed")


# --- A text of 100,000 characters ---------------------------------------------------------------


def test_it_refuses_a_text_of_100_000_characters_on_the_page(
    bob_client: Client, rc: RunningEmulator, bobs_thread: int, nothing_queued: Any
) -> None:
    with nothing_queued():
        answer = bob_client.post(reply_page(rc, bobs_thread), reply_fields(rc, LONG_TEXT))

    assert_page(answer, 400, "The text is 100,008 characters long", "at most 1,000")


def test_it_refuses_a_text_of_100_000_characters_in_the_api(
    client: Client, rc: RunningEmulator, bob_token: str, nothing_queued: Any
) -> None:
    sms = {"from_number": rc.user("agent")["sms_numbers"][0], "to": ["+12095550147"],
           "text": LONG_TEXT}  # fmt: skip

    with nothing_queued():
        answer = client.post(
            sms_api(rc), sms, content_type="application/json", headers=token(bob_token)
        )

    body = assert_api_error(answer, 400, "invalid")
    assert "100,008 characters" in str(body["fields"])


# --- Bytes that are not UTF-8 -------------------------------------------------------------------


def test_it_refuses_a_form_that_is_not_utf8(
    bob_client: Client, rc: RunningEmulator, bobs_thread: int, nothing_queued: Any
) -> None:
    fields = reply_fields(rc, "")
    encoded = "&".join(f"{name}={value}" for name, value in fields.items() if name != "text")
    percent = f"{encoded}&text={NOT_UTF8_PERCENT}".encode()
    raw = f"{encoded}&text=".encode() + NOT_UTF8

    for body in (percent, raw):
        with nothing_queued():
            answer = bob_client.post(reply_page(rc, bobs_thread), body, content_type=FORM)
        assert_page(answer, 400, "not UTF-8", "Nothing was changed")


def test_it_refuses_a_json_body_that_is_not_utf8(
    client: Client, rc: RunningEmulator, bob_token: str, nothing_queued: Any
) -> None:
    with nothing_queued():
        answer = client.post(
            sms_api(rc), json_not_utf8(), content_type="application/json", headers=token(bob_token)
        )

    assert_api_error(answer, 400, "parse_error")


def test_it_refuses_a_query_string_that_is_not_utf8(
    bob_client: Client, rc: RunningEmulator, bob_token: str
) -> None:
    extension = extension_of(rc, "agent")
    page = reverse("inbox:conversations", args=[extension])
    api = reverse("api:conversations", args=[extension])

    assert_page(bob_client.get(f"{page}?number={NOT_UTF8_PERCENT}"), 400, "not UTF-8")
    body = assert_api_error(
        Client().get(f"{api}?number={NOT_UTF8_PERCENT}", headers=token(bob_token)),
        400, "not_utf8",
    )  # fmt: skip
    assert "UTF-8" in str(body["message"])


def test_it_refuses_a_path_that_is_not_utf8(
    bob_client: Client, rc: RunningEmulator, bob_token: str
) -> None:
    extension = extension_of(rc, "agent")

    assert_page(bob_client.get(f"/inbox/{extension}/{NOT_UTF8_PERCENT}/"), 400, "not UTF-8")
    assert_api_error(
        Client().get(f"/api/mailboxes/{NOT_UTF8_PERCENT}/", headers=token(bob_token)),
        400, "not_utf8",
    )  # fmt: skip


# --- 10,000 parts in one multipart body ---------------------------------------------------------


@pytest.mark.parametrize(
    ("files", "sentence"),
    [(False, "more than 1,000 fields"), (True, "more than 100 files")],
    ids=["fields", "files"],
)
def test_it_refuses_10_000_parts_on_the_fax_page(
    bob_client: Client, rc: RunningEmulator, nothing_queued: Any, files: bool, sentence: str
) -> None:
    body, content_type = multipart_flood(10_000, files=files, field="documents")

    with nothing_queued():
        answer = bob_client.post(fax_page(rc), body, content_type=content_type)

    assert_page(answer, 400, sentence, "Nothing was changed")


@pytest.mark.parametrize(
    ("url", "field", "files", "code"),
    [
        (fax_api, "documents", False, "too_many_fields"),
        (fax_api, "documents", True, "too_many_files"),
        (sms_api, "attachments", False, "too_many_fields"),
        (sms_api, "attachments", True, "too_many_files"),
    ],
    ids=["fax-fields", "fax-files", "sms-fields", "sms-files"],
)
def test_it_refuses_10_000_parts_in_the_api(
    client: Client,
    rc: RunningEmulator,
    bob_token: str,
    nothing_queued: Any,
    url: Callable[[RunningEmulator], str],
    field: str,
    files: bool,
    code: str,
) -> None:
    body, content_type = multipart_flood(10_000, files=files, field=field)

    with nothing_queued():
        answer = client.post(url(rc), body, content_type=content_type, headers=token(bob_token))

    assert_api_error(answer, 400, code)


# --- A zip bomb named .pdf ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return zip_bomb()


def test_it_refuses_a_zip_bomb_named_pdf_on_the_fax_page(
    bob_client: Client, rc: RunningEmulator, nothing_queued: Any, bomb: bytes
) -> None:
    form = bob_client.get(fax_page(rc))
    assert form.status_code == 200
    fields = {
        "idempotency_key": str(uuid.uuid4()),
        "to": "+16505550123",
        "cover_index": "0",
        "resolution": "High",
        "documents": SimpleUploadedFile("scan.pdf", bomb, content_type="application/pdf"),
    }

    with nothing_queued():
        answer = bob_client.post(fax_page(rc), fields)

    assert_page(answer, 400, "“scan.pdf” is not a PDF file, whatever its name says")


def test_it_refuses_a_zip_bomb_named_pdf_in_the_api(
    client: Client, rc: RunningEmulator, bob_token: str, nothing_queued: Any, bomb: bytes
) -> None:
    fields = {
        "to": ["+16505550123"],
        "documents": [
            SimpleUploadedFile("cover.pdf", pdf_with_image(2000)),
            SimpleUploadedFile("scan.pdf", bomb, content_type="application/pdf"),
        ],
    }

    with nothing_queued():
        answer = client.post(fax_api(rc), fields, headers=token(bob_token))

    body = assert_api_error(answer, 400, "invalid")
    assert "“scan.pdf” is not a PDF file" in str(body["fields"])


# --- Thousands of parameters --------------------------------------------------------------------


def test_it_refuses_thousands_of_query_parameters(
    bob_client: Client, rc: RunningEmulator, bob_token: str
) -> None:
    extension = extension_of(rc, "agent")
    page = reverse("inbox:conversations", args=[extension])
    api = reverse("api:conversations", args=[extension])
    flood = query_flood(5_000)

    assert_page(bob_client.get(f"{page}?{flood}"), 400, "more than 1,000 fields")
    assert_api_error(Client().get(f"{api}?{flood}", headers=token(bob_token)), 400,
                     "too_many_fields")  # fmt: skip


def test_it_refuses_thousands_of_form_fields(
    bob_client: Client, rc: RunningEmulator, bobs_thread: int, nothing_queued: Any
) -> None:
    with nothing_queued():
        answer = bob_client.post(
            reply_page(rc, bobs_thread), query_flood(5_000).encode(), content_type=FORM
        )

    assert_page(answer, 400, "more than 1,000 fields")


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
def test_it_still_takes_a_reply_in_utf8(
    bob_client: Client, rc: RunningEmulator, bobs_thread: int, encoding: str
) -> None:
    """The checks above leave ordinary forms alone: a reply with accents and an emoji, as a
    browser encodes it either way, is queued."""
    fields = reply_fields(rc, "Olá 🙂 50% off & more")
    if encoding == "urlencoded":
        body, content_type = urlencode(fields).encode(), FORM
    else:
        body, content_type = multipart_form({k: v.encode() for k, v in fields.items()})

    answer = bob_client.post(reply_page(rc, bobs_thread), body, content_type=content_type)

    assert answer.status_code == 302, answer.content[:500]
    assert Send.objects.get().text == "Olá 🙂 50% off & more"
