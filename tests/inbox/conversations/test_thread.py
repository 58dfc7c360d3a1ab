"""A thread: the conversation's messages in time order as bubbles, delivery statuses in plain
words, pictures, faxes and voicemails in place, untrusted text as text, and access."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client
from django.urls import reverse

from emulator.mailstore import NewAttachment
from tests.emulator.factories import (
    conversation_of,
    make_fax,
    make_sms,
    make_voicemail,
    unique_number,
)
from tests.inbox.conftest import extension_of
from tests.inbox.support import found, own_day, set_delivery_failure
from tests.support.emulator import RunningEmulator

PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)


def thread_url(running: RunningEmulator, conversation_id: int, which: str = "agent") -> str:
    return reverse("inbox:thread", args=[extension_of(running, which), conversation_id])


def message_url(running: RunningEmulator, message_id: int, which: str = "agent") -> str:
    return reverse("inbox:message", args=[extension_of(running, which), message_id])


def bubbles(page: str) -> list[tuple[str, str]]:
    return re.findall(r'<li class="bubble ([^"]+)" id="message-\d+">(.*?)</li>\n', page, re.S)


@pytest.fixture
def conversation(rc: RunningEmulator) -> tuple[int, list[int]]:
    """A conversation of bob's with a customer: in, out (delivered), in, out (failed)."""
    bob = extension_of(rc, "agent")
    day, _ = own_day()
    customer = unique_number()
    ids = [
        make_sms(rc.db_path, bob, other_number=customer, text="Hi, is my order ready?",
                 created_ts=day + 10),
        make_sms(rc.db_path, bob, other_number=customer, text="Yes, come by at 5.",
                 created_ts=day + 20, direction="Outbound", message_status="Delivered"),
        make_sms(rc.db_path, bob, other_number=customer, text="Great, thanks!",
                 created_ts=day + 30),
        make_sms(rc.db_path, bob, other_number=customer, text="See you then.",
                 created_ts=day + 40, direction="Outbound"),
    ]  # fmt: skip
    set_delivery_failure(rc, ids[3], "DeliveryFailed", "SMS-CAR-411")
    return conversation_of(rc.db_path, ids[0]), ids


def test_it_shows_the_messages_in_time_order_as_bubbles_by_direction(
    bob_client: Client, rc: RunningEmulator, conversation: tuple[int, list[int]]
) -> None:
    conversation_id, _ = conversation

    page = bob_client.get(thread_url(rc, conversation_id)).content.decode()

    shown = bubbles(page)
    assert [kind.split()[0] for kind, _ in shown] == ["inbound", "outbound", "inbound", "outbound"]
    texts = [found(r'<p class="bubble-text">(.*?)</p>', body) for _, body in shown]
    assert texts == [
        "Hi, is my order ready?",
        "Yes, come by at 5.",
        "Great, thanks!",
        "See you then.",
    ]
    assert all(re.search(r"<time id=\"message-\d+-time\" datetime=", body) for _, body in shown)
    assert "SMS from (209)" in shown[0][1]
    assert "SMS by (650) 555-0102" in shown[1][1]


def test_it_gives_the_delivery_status_of_outbound_messages_in_plain_words(
    bob_client: Client, rc: RunningEmulator, conversation: tuple[int, list[int]]
) -> None:
    conversation_id, _ = conversation

    page = bob_client.get(thread_url(rc, conversation_id)).content.decode()

    shown = bubbles(page)
    assert '<p class="delivery">' not in shown[0][1]  # inbound: no delivery status
    assert re.search(r'<p class="delivery">\s*Delivered\s*</p>', shown[1][1])
    assert re.search(
        r'<p class="delivery failed">\s*Failed: the carrier says the number is not in service',
        shown[3][1],
    )


@pytest.mark.parametrize(
    ("status", "words"),
    [("Queued", "Queued"), ("Sent", "Sent"), ("SendingFailed", "Failed: the number cannot")],
)
def test_it_names_every_delivery_status(
    bob_client: Client, rc: RunningEmulator, status: str, words: str
) -> None:
    day, _ = own_day()
    sent = make_sms(
        rc.db_path, extension_of(rc, "agent"), direction="Outbound", message_status=status,
        created_ts=day,
    )  # fmt: skip
    if status == "SendingFailed":
        set_delivery_failure(rc, sent, status, "SMS-UP-410")

    page = bob_client.get(thread_url(rc, conversation_of(rc.db_path, sent))).content.decode()

    assert re.search(rf'<p class="delivery[^"]*">\s*{words}', page)


def test_it_shows_pictures_in_place(bob_client: Client, rc: RunningEmulator) -> None:
    day, _ = own_day()
    mms = make_sms(
        rc.db_path, extension_of(rc, "agent"), text="Look", created_ts=day,
        attachments=[NewAttachment("MmsAttachment", "image/png", PNG)],
    )  # fmt: skip

    page = bob_client.get(thread_url(rc, conversation_of(rc.db_path, mms))).content.decode()

    picture = re.search(r'<img src="([^"]+)" alt="Picture sent by [^"]+"', page)
    assert picture is not None
    assert picture.group(1).startswith(f"/inbox/{extension_of(rc, 'agent')}/messages/{mms}/")
    assert "MMS from" in page
    assert "Download picture" in page
    assert bob_client.get(picture.group(1)).status_code == 200


def test_it_shows_a_fax_with_its_page_count_and_a_pdf_view(
    bob_client: Client, rc: RunningEmulator
) -> None:
    day, _ = own_day()
    fax = make_fax(rc.db_path, extension_of(rc, "agent"), created_ts=day)

    page = bob_client.get(message_url(rc, fax)).content.decode()

    assert "Fax, 1 page" in page
    frame = re.search(r'<iframe class="pdf-view" src="([^"]+)" title="Fax from [^"]+"', page)
    assert frame is not None
    assert "Download PDF" in page
    assert bob_client.get(frame.group(1))["Content-Type"] == "application/pdf"


def test_it_shows_a_voicemail_with_a_player_and_its_duration(
    bob_client: Client, rc: RunningEmulator
) -> None:
    day, _ = own_day()
    voicemail = make_voicemail(rc.db_path, extension_of(rc, "agent"), created_ts=day, duration=83)

    page = bob_client.get(message_url(rc, voicemail)).content.decode()

    assert re.search(r'<audio controls preload="metadata" src="/inbox/[^"]+">', page)
    assert '<span class="duration">1:23</span>' in page
    assert "Download recording" in page


def test_it_sends_messages_of_a_conversation_to_their_thread(
    bob_client: Client, rc: RunningEmulator, conversation: tuple[int, list[int]]
) -> None:
    conversation_id, ids = conversation

    response = bob_client.get(message_url(rc, ids[0]))

    assert response.status_code == 302
    # at the message: its thread's page that shows it (the first here), scrolled to it
    assert response["Location"] == f"{thread_url(rc, conversation_id)}#message-{ids[0]}"


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        'Visit <a href="https://evil.example">here</a> or https://evil.example',
    ],
)
def test_it_shows_customer_text_as_text(
    bob_client: Client, rc: RunningEmulator, hostile: str
) -> None:
    day, _ = own_day()
    sms = make_sms(rc.db_path, extension_of(rc, "agent"), text=hostile, created_ts=day)

    page = bob_client.get(thread_url(rc, conversation_of(rc.db_path, sms))).content.decode()

    assert hostile not in page
    assert f'<p class="bubble-text">{html.escape(hostile)}</p>' in page
    assert 'href="https://evil.example"' not in page  # no link is made of it


def test_it_keeps_line_breaks_of_long_texts(bob_client: Client, rc: RunningEmulator) -> None:
    day, _ = own_day()
    sms = make_sms(rc.db_path, extension_of(rc, "agent"), text="one\ntwo <b>", created_ts=day)

    page = bob_client.get(thread_url(rc, conversation_of(rc.db_path, sms))).content.decode()

    assert '<p class="bubble-text">one<br>two &lt;b&gt;</p>' in page


def test_it_lets_admins_read_an_agents_thread(
    alice_client: Client, rc: RunningEmulator, conversation: tuple[int, list[int]]
) -> None:
    conversation_id, _ = conversation

    response = alice_client.get(thread_url(rc, conversation_id))

    assert response.status_code == 200
    assert "In the mailbox of Sam Rivera (ext. 102)" in response.content.decode()


def test_it_hides_threads_from_another_agent(
    charlie_client: Client, rc: RunningEmulator, conversation: tuple[int, list[int]]
) -> None:
    conversation_id, ids = conversation

    assert charlie_client.get(thread_url(rc, conversation_id)).status_code == 404
    assert charlie_client.get(message_url(rc, ids[0])).status_code == 404
    # nor through charlie's own mailbox: RingCentral does not find it there
    assert charlie_client.get(thread_url(rc, conversation_id, "agent2")).status_code == 404
    assert charlie_client.get(message_url(rc, ids[0], "agent2")).status_code == 404


def test_it_hides_threads_from_strangers(
    dave_client: Client, rc: RunningEmulator, conversation: tuple[int, list[int]]
) -> None:
    conversation_id, ids = conversation

    assert dave_client.get(thread_url(rc, conversation_id)).status_code == 404
    assert dave_client.get(message_url(rc, ids[0])).status_code == 404


def test_it_answers_404_for_unknown_conversations_and_messages(
    bob_client: Client, rc: RunningEmulator
) -> None:
    assert bob_client.get(thread_url(rc, 123456789)).status_code == 404
    assert bob_client.get(message_url(rc, 123456789)).status_code == 404


@pytest.mark.parametrize("page", ["0", "-3", "two"])
def test_it_reads_a_page_number_that_cannot_be_as_the_first_page(
    bob_client: Client, rc: RunningEmulator, conversation: tuple[int, list[int]], page: str
) -> None:
    conversation_id, _ = conversation

    response = bob_client.get(thread_url(rc, conversation_id), {"page": page})

    assert response.status_code == 200
    assert "Hi, is my order ready?" in response.content.decode()


def test_it_answers_a_page_past_any_thread_with_not_found(
    bob_client: Client, rc: RunningEmulator, conversation: tuple[int, list[int]]
) -> None:
    conversation_id, _ = conversation

    response = bob_client.get(thread_url(rc, conversation_id), {"page": "791405712607663620096"})

    assert response.status_code == 404  # not RingCentral's refusal of a 70-bit page number
    assert "Page not found" in response.content.decode()
