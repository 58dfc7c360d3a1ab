"""The SMS and pager composers of a thread, the new-conversation and new-pager pages, the
send bubbles and their status endpoint, Retry and Cancel: what is refused (and that nothing
is queued then), idempotency, escaping, CSRF and access."""

from __future__ import annotations

import random
import re
import time
import uuid
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.models import User
from inbox.models import Send
from tests.emulator.factories import conversation_of, make_pager, make_sms
from tests.inbox.conftest import extension_of
from tests.inbox.support import found, own_day, rc_calls
from tests.support.emulator import RunningEmulator

PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)


def customer_number() -> str:
    """A number phonenumbers takes as valid (its exchange does not start with 0 or 1)."""
    return f"+1209{random.SystemRandom().randrange(2_000_000, 8_000_000)}"


def bob(rc: RunningEmulator) -> User:
    return User.objects.get(rc_extension_id=extension_of(rc, "agent"))


@pytest.fixture
def sms_thread(rc: RunningEmulator) -> tuple[int, str]:
    """A conversation of bob's with a customer: (conversation id, the customer's number)."""
    extension = extension_of(rc, "agent")
    day, _ = own_day()
    customer = customer_number()
    first = make_sms(rc.db_path, extension, other_number=customer, text="Is it ready?",
                     created_ts=day + 10)  # fmt: skip
    return conversation_of(rc.db_path, first), customer


def thread_url(rc: RunningEmulator, conversation_id: int, which: str = "agent") -> str:
    return reverse("inbox:thread", args=[extension_of(rc, which), conversation_id])


def reply_url(rc: RunningEmulator, conversation_id: int, which: str = "agent") -> str:
    return reverse("inbox:sms_reply", args=[extension_of(rc, which), conversation_id])


def form_of(page: str) -> dict[str, str]:
    """The reply composer's hidden key and default number, as the page renders them."""
    composer = found(r'<section class="composer".*?</section>', page, 0)
    return {
        "idempotency_key": found(r'name="idempotency_key" value="([^"]+)"', composer),
        "from_number": found(r'<option value="([^"]+)"[^>]*selected', composer),
    }


def reply(client: Client, rc: RunningEmulator, conversation_id: int, **fields: object) -> Any:
    data: dict[str, object] = {
        "idempotency_key": str(uuid.uuid4()),
        "from_number": rc.user("agent")["sms_numbers"][0],
        "text": "Yes, it is ready.",
        **fields,
    }
    return client.post(reply_url(rc, conversation_id), data)


# --------------------------------------------------------------------------- the composer


def test_it_renders_a_reply_composer_with_a_fresh_key_on_each_load(
    bob_client: Client, rc: RunningEmulator, sms_thread: tuple[int, str]
) -> None:
    conversation_id, customer = sms_thread
    first = bob_client.get(thread_url(rc, conversation_id)).content.decode()
    second = bob_client.get(thread_url(rc, conversation_id)).content.decode()

    assert 'enctype="multipart/form-data"' in first
    assert "To: (209)" in first and customer[-4:] in found(r"To: ([^<]+)", first)
    assert form_of(first)["from_number"] == rc.user("agent")["sms_numbers"][0]
    keys = {form_of(first)["idempotency_key"], form_of(second)["idempotency_key"]}
    assert len(keys) == 2
    assert all(uuid.UUID(key) for key in keys)
    assert "data-sms-text" in first and 'data-limit="1000"' in first


def test_it_queues_a_reply_to_the_other_party_and_shows_it_at_once(
    bob_client: Client, rc: RunningEmulator, sms_thread: tuple[int, str]
) -> None:
    conversation_id, customer = sms_thread

    answer = reply(bob_client, rc, conversation_id, text="Yes, come by at 5.")

    assert answer.status_code == 302
    assert answer["Location"].startswith(thread_url(rc, conversation_id))
    send = Send.objects.get(owner=bob(rc))
    assert (send.kind, send.recipients, send.text) == ("sms", [customer], "Yes, come by at 5.")
    assert send.conversation_id == conversation_id
    assert send.status == Send.Status.QUEUED
    page = bob_client.get(thread_url(rc, conversation_id)).content.decode()
    bubble = found(rf'<li class="bubble outbound send-bubble" id="send-{send.pk}">(.*?)</li>', page)
    assert "Yes, come by at 5." in bubble
    assert re.search(
        r"Queued</span><span data-send-detail> · (Next in queue\.|\d+ in queue)", bubble
    )
    assert 'data-final="false"' in bubble
    assert 'data-sends-status="' in page


def test_it_sends_once_when_the_same_form_is_posted_twice(
    bob_client: Client, rc: RunningEmulator, sms_thread: tuple[int, str]
) -> None:
    conversation_id, _ = sms_thread
    key = str(uuid.uuid4())

    reply(bob_client, rc, conversation_id, idempotency_key=key)
    reply(bob_client, rc, conversation_id, idempotency_key=key)

    assert Send.objects.filter(owner=bob(rc)).count() == 1


def test_it_refuses_an_over_long_text_and_keeps_what_was_typed(
    bob_client: Client, rc: RunningEmulator, sms_thread: tuple[int, str]
) -> None:
    conversation_id, _ = sms_thread
    text = "a" * 999 + "👍"  # 1001 UTF-16 units

    answer = reply(bob_client, rc, conversation_id, text=text)

    assert answer.status_code == 400
    page = answer.content.decode()
    assert "The text is 1,001 characters long; RingCentral takes at most 1,000" in page
    assert text in page
    assert not Send.objects.exists()


def test_it_refuses_a_from_number_that_is_not_the_users(
    bob_client: Client, rc: RunningEmulator, sms_thread: tuple[int, str]
) -> None:
    conversation_id, _ = sms_thread
    alices = rc.user("admin")["sms_numbers"][0]

    answer = reply(bob_client, rc, conversation_id, from_number=alices)

    assert answer.status_code == 400
    assert "Select a valid choice" in answer.content.decode()
    assert not Send.objects.exists()


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([("tool.exe", b"MZ\x90\x00")], "“tool.exe” cannot be sent by text message"),
        ([("photo.png", b"MZ\x90\x00 not a picture")], "is not the PNG file its name says"),
        ([(f"{i}.png", PNG) for i in range(11)], "Attach at most 10 files"),
        ([("a.png", PNG + bytes(800_000)), ("b.png", PNG + bytes(800_000))], "1.6 MB together"),
    ],
)
def test_it_refuses_files_ringcentral_would_not_take(
    bob_client: Client,
    rc: RunningEmulator,
    sms_thread: tuple[int, str],
    files: list[tuple[str, bytes]],
    message: str,
) -> None:
    conversation_id, _ = sms_thread
    uploads = [SimpleUploadedFile(name, content, "image/png") for name, content in files]

    answer = reply(bob_client, rc, conversation_id, attachments=uploads)

    assert answer.status_code == 400
    assert message in answer.content.decode()
    assert not Send.objects.exists()


def test_it_queues_an_mms_with_its_pictures(
    bob_client: Client, rc: RunningEmulator, sms_thread: tuple[int, str]
) -> None:
    conversation_id, _ = sms_thread
    picture = SimpleUploadedFile("../../My photo.png", PNG, "application/octet-stream")

    reply(bob_client, rc, conversation_id, text="", attachments=[picture])

    send = Send.objects.get(owner=bob(rc))
    document = send.documents.get()
    assert (document.name, document.content_type, document.size) == (
        "My_photo.png",
        "image/png",
        len(PNG),
    )


def test_it_escapes_the_text_in_the_bubble(
    bob_client: Client, rc: RunningEmulator, sms_thread: tuple[int, str]
) -> None:
    conversation_id, _ = sms_thread

    reply(bob_client, rc, conversation_id, text="<script>alert(1)</script>")

    page = bob_client.get(thread_url(rc, conversation_id)).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_it_enforces_csrf(rc: RunningEmulator, sms_thread: tuple[int, str], db: None) -> None:
    from tests.inbox.conftest import sign_in

    client = Client(enforce_csrf_checks=True)
    sign_in(client, rc, "agent")
    conversation_id, _ = sms_thread

    answer = reply(client, rc, conversation_id)

    assert answer.status_code == 403
    assert not Send.objects.exists()


def test_it_offers_no_composer_in_someone_elses_mailbox(
    alice_client: Client, rc: RunningEmulator, sms_thread: tuple[int, str]
) -> None:
    conversation_id, _ = sms_thread

    page = alice_client.get(thread_url(rc, conversation_id)).content.decode()
    assert 'class="composer"' not in page
    assert 'id="thread-title"' in page  # admins still read it

    answer = alice_client.post(
        reply_url(rc, conversation_id),
        {"idempotency_key": str(uuid.uuid4()), "text": "Hi", "from_number": "+16505550101"},
    )
    assert answer.status_code == 404
    assert not Send.objects.exists()


def test_it_hides_the_composer_from_strangers(
    dave_client: Client, rc: RunningEmulator, sms_thread: tuple[int, str]
) -> None:
    conversation_id, _ = sms_thread
    answer = dave_client.post(reply_url(rc, conversation_id), {"text": "Hi"})
    assert answer.status_code == 404


# --------------------------------------------------------------------------- new conversations


def test_it_starts_a_conversation_with_several_recipients(
    bob_client: Client, rc: RunningEmulator
) -> None:
    url = reverse("inbox:sms_new", args=[extension_of(rc, "agent")])
    page = bob_client.get(url).content.decode()
    assert "New conversation" in page
    key = found(r'name="idempotency_key" value="([^"]+)"', page)

    answer = bob_client.post(
        url,
        {
            "idempotency_key": key,
            "from_number": rc.user("agent")["sms_numbers"][0],
            "to": "(209) 555-0123, +1 650 555 0199",
            "text": "Hello both",
        },
    )

    send = Send.objects.get(owner=bob(rc))
    assert send.recipients == ["+12095550123", "+16505550199"]
    assert answer.status_code == 302
    assert answer["Location"] == reverse("inbox:send", args=[extension_of(rc, "agent"), send.pk])
    detail = bob_client.get(answer["Location"]).content.decode()
    assert "Hello both" in detail and "Queued" in detail


def test_it_refuses_a_number_it_cannot_read(bob_client: Client, rc: RunningEmulator) -> None:
    answer = bob_client.post(
        reverse("inbox:sms_new", args=[extension_of(rc, "agent")]),
        {
            "idempotency_key": str(uuid.uuid4()),
            "from_number": rc.user("agent")["sms_numbers"][0],
            "to": "555-12",
            "text": "Hello",
        },
    )

    assert answer.status_code == 400
    assert "“555-12” is not a valid phone number" in answer.content.decode()
    assert 'value="555-12"' in answer.content.decode()
    assert not Send.objects.exists()


def test_it_links_the_composers_from_the_mailbox_header(
    bob_client: Client, rc: RunningEmulator
) -> None:
    page = bob_client.get(reverse("inbox:conversations", args=[extension_of(rc, "agent")]))
    text = page.content.decode()
    assert reverse("inbox:sms_new", args=[extension_of(rc, "agent")]) in text
    assert reverse("inbox:pager_new", args=[extension_of(rc, "agent")]) in text


# --------------------------------------------------------------------------- pager


def test_it_pages_people_of_the_account(bob_client: Client, rc: RunningEmulator) -> None:
    url = reverse("inbox:pager_new", args=[extension_of(rc, "agent")])
    page = bob_client.get(url).content.decode()
    charlie = extension_of(rc, "agent2")
    assert f'value="{charlie}"' in page
    assert f'value="{extension_of(rc, "agent")}"' not in page  # not oneself

    bob_client.post(url, {"idempotency_key": str(uuid.uuid4()), "to": [charlie], "text": "Lunch?"})

    send = Send.objects.get(owner=bob(rc))
    assert (send.kind, send.recipients, send.text) == ("pager", [str(charlie)], "Lunch?")
    detail = bob_client.get(reverse("inbox:send", args=[extension_of(rc, "agent"), send.pk]))
    name = rc.user("agent2")["name"]
    assert f"Your pager message to {name} (ext. " in detail.content.decode()


def test_it_refuses_to_page_someone_outside_the_account(
    bob_client: Client, rc: RunningEmulator
) -> None:
    answer = bob_client.post(
        reverse("inbox:pager_new", args=[extension_of(rc, "agent")]),
        {"idempotency_key": str(uuid.uuid4()), "to": ["999999"], "text": "Hi"},
    )
    assert answer.status_code == 400
    assert not Send.objects.exists()


def test_it_replies_in_a_pager_thread_on_its_latest_message(
    bob_client: Client, rc: RunningEmulator
) -> None:
    day, _ = own_day()
    message_id = make_pager(rc.db_path, extension_of(rc, "agent"), text="Got a minute?",
                            created_ts=day)  # fmt: skip
    conversation_id = conversation_of(rc.db_path, message_id)
    page = bob_client.get(thread_url(rc, conversation_id)).content.decode()
    assert "Reply by pager" in page

    bob_client.post(
        reverse("inbox:pager_reply", args=[extension_of(rc, "agent"), conversation_id]),
        {"idempotency_key": str(uuid.uuid4()), "text": "Sure"},
    )

    send = Send.objects.get(owner=bob(rc))
    assert (send.kind, send.reply_on, send.recipients) == ("pager", message_id, [])


# --------------------------------------------------------------------------- status, retry, cancel


def queued_send(rc: RunningEmulator, conversation_id: int, **fields: object) -> Send:
    values: dict[str, object] = {
        "owner": bob(rc),
        "kind": Send.Kind.SMS,
        "account_id": bob(rc).rc_account_id,
        "extension_id": extension_of(rc, "agent"),
        "idempotency_key": uuid.uuid4(),
        "from_number": rc.user("agent")["sms_numbers"][0],
        "recipients": [customer_number()],
        "text": "Hello",
        "conversation_id": conversation_id,
        **fields,
    }
    return Send.objects.create(**values)


def status_url(rc: RunningEmulator, which: str = "agent") -> str:
    return reverse("inbox:sends_status", args=[extension_of(rc, which)])


def test_it_reports_statuses_from_the_database_without_calling_ringcentral(
    bob_client: Client, rc: RunningEmulator, sms_thread: tuple[int, str]
) -> None:
    conversation_id, _ = sms_thread
    waiting = queued_send(rc, conversation_id)
    delivered = queued_send(rc, conversation_id, status=Send.Status.SUBMITTED,
                            rc_status="Delivered", rc_message_id=1)  # fmt: skip
    failed = queued_send(rc, conversation_id, status=Send.Status.FAILED,
                         last_error="RingCentral refused the number.")  # fmt: skip
    since = time.time()

    answer = bob_client.get(status_url(rc), {"ids": f"{waiting.pk},{delivered.pk},{failed.pk}"})

    assert answer.status_code == 200
    sends = {s["id"]: s for s in answer.json()["sends"]}
    assert sends[waiting.pk]["label"] == "Queued" and not sends[waiting.pk]["final"]
    assert sends[waiting.pk]["can_cancel"]
    assert sends[delivered.pk]["label"] == "Delivered" and sends[delivered.pk]["final"]
    assert sends[failed.pk]["detail"] == "RingCentral refused the number."
    assert sends[failed.pk]["can_retry"]
    time.sleep(0.2)
    assert rc_calls(rc, since) == 0


def test_it_reports_only_the_users_own_sends(
    bob_client: Client,
    charlie_client: Client,
    dave_client: Client,
    rc: RunningEmulator,
    sms_thread: tuple[int, str],
) -> None:
    send = queued_send(rc, sms_thread[0])

    assert charlie_client.get(status_url(rc, "agent2"), {"ids": send.pk}).json() == {"sends": []}
    assert charlie_client.get(status_url(rc, "agent"), {"ids": send.pk}).status_code == 404
    assert dave_client.get(status_url(rc, "agent"), {"ids": send.pk}).status_code == 404


def test_it_refuses_ids_that_are_not_numbers(bob_client: Client, rc: RunningEmulator) -> None:
    assert bob_client.get(status_url(rc), {"ids": "1,x"}).status_code == 400


def test_it_cancels_a_queued_send(
    bob_client: Client, rc: RunningEmulator, sms_thread: tuple[int, str]
) -> None:
    send = queued_send(rc, sms_thread[0])
    url = reverse("inbox:send_cancel", args=[extension_of(rc, "agent"), send.pk])

    answer = bob_client.post(url, {"next": thread_url(rc, sms_thread[0])})

    assert answer.status_code == 302
    send.refresh_from_db()
    assert send.status == Send.Status.CANCELLED


def test_it_retries_a_failed_send_as_a_new_one(
    bob_client: Client, rc: RunningEmulator, sms_thread: tuple[int, str]
) -> None:
    failed = queued_send(rc, sms_thread[0], status=Send.Status.FAILED, last_error="No.")
    url = reverse("inbox:send_retry", args=[extension_of(rc, "agent"), failed.pk])
    key = str(uuid.uuid4())

    bob_client.post(url, {"idempotency_key": key})
    bob_client.post(url, {"idempotency_key": key})

    retry = Send.objects.get(retry_of=failed)
    assert (retry.text, retry.recipients, retry.status) == ("Hello", failed.recipients, "queued")
    page = bob_client.get(thread_url(rc, sms_thread[0])).content.decode()
    assert f'id="send-{failed.pk}"' in page and f'id="send-{retry.pk}"' in page
    assert "Sent again after a failure" in page


def send_url(rc: RunningEmulator, send: Send) -> str:
    return reverse("inbox:send", args=[extension_of(rc, "agent"), send.pk])


def retry(client: Client, rc: RunningEmulator, failed: Send, *, back: str | None) -> Any:
    data = {"idempotency_key": str(uuid.uuid4())}
    if back is not None:
        data["next"] = back
    return client.post(
        reverse("inbox:send_retry", args=[extension_of(rc, "agent"), failed.pk]), data
    )


@pytest.mark.parametrize("from_page", [True, False], ids=["its-page", "no-page"])
def test_it_takes_the_person_to_the_new_send_after_retry(
    bob_client: Client, rc: RunningEmulator, sms_thread: tuple[int, str], from_page: bool
) -> None:
    failed = queued_send(rc, sms_thread[0], status=Send.Status.FAILED, last_error="No.")

    answer = retry(bob_client, rc, failed, back=send_url(rc, failed) if from_page else None)

    again = Send.objects.get(retry_of=failed)
    assert answer.status_code == 302
    assert answer["Location"] == send_url(rc, again)
    page = bob_client.get(answer["Location"]).content.decode()
    assert '<li class="notice success">Sent again as a new message.</li>' in page
    assert f'id="send-{again.pk}"' in page and "Sent again after a failure" in page
    # the failed send says where it went, and offers no second Retry
    page = bob_client.get(send_url(rc, failed)).content.decode()
    assert f'<a href="{send_url(rc, again)}">Sent again as a new message</a>' in page
    assert re.search(r"<form [^>]*data-send-retry hidden>", page)


def test_it_shows_the_new_send_in_place_after_retry_in_the_thread(
    bob_client: Client, rc: RunningEmulator, sms_thread: tuple[int, str]
) -> None:
    failed = queued_send(rc, sms_thread[0], status=Send.Status.FAILED, last_error="No.")

    answer = retry(bob_client, rc, failed, back=thread_url(rc, sms_thread[0]))

    again = Send.objects.get(retry_of=failed)
    assert answer.status_code == 302
    assert answer["Location"] == f"{thread_url(rc, sms_thread[0])}#send-{again.pk}"
    page = bob_client.get(answer["Location"]).content.decode()
    assert '<li class="notice success">Sent again as a new message.</li>' in page
    assert f'id="send-{again.pk}"' in page
    assert f'<a href="{send_url(rc, again)}">Sent again as a new message</a>' in page


def test_it_hides_retry_and_cancel_from_others(
    bob_client: Client,
    charlie_client: Client,
    dave_client: Client,
    rc: RunningEmulator,
    sms_thread: tuple[int, str],
) -> None:
    send = queued_send(rc, sms_thread[0], status=Send.Status.FAILED)
    for name in ("inbox:send_retry", "inbox:send_cancel", "inbox:send"):
        for client, which in ((charlie_client, "agent2"), (dave_client, "agent")):
            url = reverse(name, args=[extension_of(rc, which), send.pk])
            data = {"idempotency_key": str(uuid.uuid4())}
            answer = client.get(url) if name == "inbox:send" else client.post(url, data)
            assert answer.status_code == 404, (name, which)
    assert Send.objects.count() == 1
    send.refresh_from_db()
    assert send.status == Send.Status.FAILED


def test_it_shows_a_send_once_when_ringcentral_lists_it(
    bob_client: Client, rc: RunningEmulator, sms_thread: tuple[int, str]
) -> None:
    conversation_id, customer = sms_thread
    listed = make_sms(rc.db_path, extension_of(rc, "agent"), other_number=customer,
                      direction="Outbound", text="On my way", created_ts=time.time())  # fmt: skip
    send = queued_send(rc, conversation_id, text="On my way", status=Send.Status.SUBMITTED,
                       rc_status="Sent", rc_message_id=listed)  # fmt: skip

    page = bob_client.get(thread_url(rc, conversation_id)).content.decode()

    assert page.count("On my way") == 1
    assert f'id="message-{listed}"' in page
    assert f'data-send-id="{send.pk}"' in page
    assert f'id="send-{send.pk}"' not in page
