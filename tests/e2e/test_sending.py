"""Sending in real Chromium, with a real Celery worker process and the emulator: a reply in
a thread appears at once as Queued and turns Delivered without a reload; an over-long text
and a number that cannot be read get their messages and send nothing."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from inbox.models import Send
from tests.accounts.support import point_dashboard_at
from tests.e2e.support import AGENT, cache_of_its_own, customer_thread, sign_in
from tests.support.celery_worker import Worker, sending_worker
from tests.support.emulator import RunningEmulator
from tests.support.sends import outbound, request_count


@pytest.fixture(autouse=True)
def own_cache(settings: Any) -> None:
    cache_of_its_own(settings, "sending-e2e")


@pytest.fixture
def sending(
    settings: Any, live_server: Any, emulator_factory: Any, tmp_path: Path
) -> Iterator[tuple[RunningEmulator, Worker]]:
    """The emulator (SMS move on every half second) and a worker that takes the sends."""
    callback = f"{live_server.url}/accounts/callback/"
    running = emulator_factory("--redirect-uri", callback, "--sms-step", "0.5")
    point_dashboard_at(settings, running, redirect_uri=callback)
    with sending_worker(tmp_path, running, name="e2e-sends") as worker:
        yield running, worker


def test_a_reply_shows_queued_then_delivered_without_a_reload(
    page: Any, live_server: Any, sending: tuple[RunningEmulator, Worker]
) -> None:
    running, worker = sending
    path, customer = customer_thread(running)
    sign_in(page, live_server, running, path)
    expect(page.get_by_role("heading", name="Reply by SMS")).to_be_visible()
    text = f"Yes, it is ready ({uuid.uuid4().hex[:6]})"

    page.get_by_label("Message").fill(text)
    expect(page.get_by_text("1 SMS (GSM-7)")).to_be_visible()
    page.get_by_role("button", name="Send", exact=True).click()

    bubble = page.get_by_role("article").filter(has_text=text)
    expect(bubble).to_be_visible()
    page.evaluate("window.stillTheSamePage = true")  # gone if the page reloads
    expect(bubble.get_by_text("Delivered", exact=True)).to_be_visible(timeout=30_000)
    assert page.evaluate("window.stillTheSamePage === true")
    send = Send.objects.get(text=text)
    assert send.rc_status == "Delivered", worker.output()
    sent = [m for m in outbound(running, AGENT) if m.get("subject") == text]
    assert len(sent) == 1
    assert sent[0]["to"][0]["phoneNumber"] == customer


def test_the_first_paint_of_a_reply_says_queued(
    page: Any, live_server: Any, sending: tuple[RunningEmulator, Worker]
) -> None:
    """Stop the worker first: the bubble the server renders after the post is Queued, with
    its place in the queue."""
    running, worker = sending
    path, _ = customer_thread(running)
    sign_in(page, live_server, running, path)
    worker.kill()

    page.get_by_label("Message").fill("See you at five")
    page.get_by_role("button", name="Send", exact=True).click()

    bubble = page.get_by_role("article").filter(has_text="See you at five")
    expect(bubble.get_by_text("Queued", exact=True)).to_be_visible()
    expect(bubble.get_by_text("in queue")).to_be_visible()
    expect(bubble.get_by_role("button", name="Cancel")).to_be_visible()
    expect(bubble.get_by_role("button", name="Retry")).to_be_hidden()


def test_an_over_long_text_and_a_bad_number_are_refused_and_nothing_is_sent(
    page: Any, live_server: Any, sending: tuple[RunningEmulator, Worker]
) -> None:
    running, _ = sending
    path, _ = customer_thread(running)
    sign_in(page, live_server, running, path)
    before = request_count(running, operation="createSMSMessage")

    page.get_by_label("Message").fill("a" * 999 + "👍")
    expect(page.get_by_text("1,001 / 1,000 characters")).to_be_visible()
    page.get_by_role("button", name="Send", exact=True).click()
    expect(
        page.get_by_role("alert").filter(has_text="The text is 1,001 characters long")
    ).to_be_visible()
    expect(page.get_by_label("Message")).to_be_focused()

    page.get_by_role("link", name="New conversation").click()
    expect(page.get_by_role("heading", name="New conversation")).to_be_visible()
    page.get_by_label("To").fill("555-12")
    page.get_by_label("Message").fill("Hello there")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.get_by_text("“555-12” is not a valid phone number")).to_be_visible()
    expect(page.get_by_label("To")).to_have_value("555-12")

    time.sleep(1)
    assert not Send.objects.exists()
    assert request_count(running, operation="createSMSMessage") == before
    assert not [m for m in outbound(running, AGENT) if m.get("subject") == "Hello there"]


def test_retry_shows_the_new_send_and_says_it_was_sent_again(
    page: Any, live_server: Any, sending: tuple[RunningEmulator, Worker]
) -> None:
    """The worker is stopped, so the new send stays Queued where the page shows it."""
    running, worker = sending
    path, _ = customer_thread(running)
    sign_in(page, live_server, running, path)
    expect(page.get_by_role("heading", name="Reply by SMS")).to_be_visible()
    worker.kill()
    page.get_by_label("Message").fill("Your order ships today")
    page.get_by_role("button", name="Send", exact=True).click()
    failed = page.get_by_role("article").filter(has_text="Your order ships today")
    expect(failed.get_by_text("Queued", exact=True)).to_be_visible()
    Send.objects.filter(text="Your order ships today").update(
        status=Send.Status.FAILED, last_error="RingCentral refused this message."
    )
    expect(failed.get_by_role("button", name="Retry")).to_be_visible()  # the page's poll
    expect(failed.get_by_role("button", name="Retry")).to_have_accessible_description(
        re.compile(r"^SMS by you \w{3} \d+, \d{4}, ")
    )

    failed.get_by_role("button", name="Retry").click()

    notice = page.get_by_role("status").filter(has_text="Sent again as a new message.")
    expect(notice).to_be_visible()
    again = Send.objects.get(retry_of__text="Your order ships today")
    bubble = page.locator(f"#send-{again.pk}")
    expect(bubble.get_by_text("Sent again after a failure")).to_be_visible()
    expect(bubble.get_by_text("Queued", exact=True)).to_be_visible()
    old = page.locator(f"#send-{again.retry_of_id}")
    expect(old.get_by_role("button", name="Retry")).to_be_hidden()
    old.get_by_role("link", name="Sent again as a new message").click()
    mailbox = running.user(AGENT)["extension_id"]
    expect(page).to_have_url(f"{live_server.url}/inbox/{mailbox}/sends/{again.pk}/")
    expect(page.get_by_role("heading", name="Your message to")).to_be_visible()
