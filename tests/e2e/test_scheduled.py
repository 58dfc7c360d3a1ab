"""Scheduled SMS in real Chromium (in London's time zone): "Send later" in the composer and on
the new conversation page, the thread's "Scheduled for …" bubble with Edit and Cancel, and its
release into the queue when its time comes (moved here by a test hook, not waited for)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from inbox.models import Send
from inbox.scheduled.services import scheduled_sends_release
from tests.e2e.support import cache_of_its_own, customer_thread, sign_in
from tests.e2e.test_accessibility import BLOCKING, axe_violations
from tests.support.emulator import RunningEmulator

LONDON = ZoneInfo("Europe/London")


@pytest.fixture(autouse=True)
def own_cache(settings: Any) -> None:
    cache_of_its_own(settings, "scheduled-e2e")


@pytest.fixture
def london_page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(timezone_id="Europe/London")
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def tomorrow_at(hour: int, minute: int = 0) -> datetime:
    day = datetime.now(LONDON) + timedelta(days=1)
    return day.replace(hour=hour, minute=minute, second=0, microsecond=0)


def label(when: datetime) -> str:
    year = f" {when.year}" if when.year != datetime.now(LONDON).year else ""
    return f"{when:%a} {when.day} {when:%b}{year}, {when:%H:%M}"


def schedule_in_composer(page: Any, text: str, when: datetime) -> Any:
    page.get_by_label("Message").fill(text)
    page.get_by_text("Send later", exact=True).click()
    page.get_by_label("Send at (your time zone: Europe/London)").fill(f"{when:%Y-%m-%dT%H:%M}")
    expect(page.get_by_label("Cancel if they write first")).to_be_checked()
    page.get_by_role("button", name="Schedule").click()
    bubble = page.get_by_role("article").filter(has_text=text)
    expect(bubble.get_by_text(f"Scheduled for {label(when)}")).to_be_visible()
    return bubble


def test_send_later_then_edit_then_cancel(
    london_page: Any, live_server: Any, ringcentral: RunningEmulator
) -> None:
    page = london_page
    path, _ = customer_thread(ringcentral)
    sign_in(page, live_server, ringcentral, path)
    expect(page.get_by_role("heading", name="Reply by SMS")).to_be_visible()
    when = tomorrow_at(9)

    bubble = schedule_in_composer(page, "See you <tomorrow> & then", when)

    send = Send.objects.get(text="See you <tomorrow> & then")
    assert (send.status, send.scheduled_zone) == (Send.Status.SCHEDULED, "Europe/London")
    assert send.scheduled_for == when
    expect(bubble.get_by_role("link", name=f"Edit the message scheduled for {label(when)}"))
    assert not [v for v in axe_violations(page) if v["impact"] in BLOCKING]

    bubble.get_by_role("link", name="Edit").click()
    expect(page.get_by_role("heading", name="Change the scheduled message")).to_be_visible()
    page.get_by_role("textbox", name="Message").fill("See you at ten instead")
    later = tomorrow_at(10, 30)
    page.get_by_label("Send at (your time zone: Europe/London)").fill(f"{later:%Y-%m-%dT%H:%M}")
    page.get_by_role("button", name="Save the scheduled message").click()

    bubble = page.get_by_role("article").filter(has_text="See you at ten instead")
    expect(bubble.get_by_text(f"Scheduled for {label(later)}")).to_be_visible()

    bubble.get_by_role("link", name="Cancel").click()
    expect(page.get_by_role("heading", name="Cancel the scheduled message?")).to_be_visible()
    page.get_by_role("button", name="Cancel the message").click()

    bubble = page.get_by_role("article").filter(has_text="See you at ten instead")
    expect(bubble.get_by_text("Cancelled", exact=True)).to_be_visible()
    expect(bubble.get_by_role("link", name="Edit")).to_have_count(0)
    send.refresh_from_db()
    assert send.status == Send.Status.CANCELLED


def test_its_time_comes_and_it_joins_the_queue(
    london_page: Any, live_server: Any, ringcentral: RunningEmulator
) -> None:
    page = london_page
    path, _ = customer_thread(ringcentral)
    sign_in(page, live_server, ringcentral, path)
    schedule_in_composer(page, "Your parcel is on its way", tomorrow_at(8))
    send = Send.objects.get(text="Your parcel is on its way")

    # the test hook: its time has come (no worker runs here, so it stays in the queue)
    past = datetime.now(LONDON) - timedelta(minutes=1)
    Send.objects.filter(pk=send.pk).update(scheduled_for=past)
    assert scheduled_sends_release() == [send.pk]
    page.reload()

    bubble = page.get_by_role("article").filter(has_text="Your parcel is on its way")
    expect(bubble.get_by_text("Queued", exact=True)).to_be_visible()
    expect(bubble.get_by_text("Scheduled for", exact=False)).to_have_count(0)


def test_send_later_on_the_new_conversation_page(
    london_page: Any, live_server: Any, ringcentral: RunningEmulator
) -> None:
    page = london_page
    extension = ringcentral.user("agent")["extension_id"]
    sign_in(page, live_server, ringcentral, f"/inbox/{extension}/new/sms/")
    expect(page.get_by_role("heading", name="New conversation")).to_be_visible()
    customer = f"+1209{random.SystemRandom().randrange(2_000_000, 8_000_000)}"
    when = tomorrow_at(11, 15)

    page.get_by_role("textbox", name="To").fill(customer)
    page.get_by_role("textbox", name="Message").fill("Your <table> & chairs arrive tomorrow")
    page.get_by_text("Send later", exact=True).click()
    page.get_by_label("Send at (your time zone: Europe/London)").fill(f"{when:%Y-%m-%dT%H:%M}")
    reply_box = page.get_by_role("checkbox", name="Cancel if they write first")
    expect(reply_box).to_be_checked()
    expect(reply_box).to_have_accessible_description(
        "Any text from one of the recipients to the number it is sent from cancels it."
    )
    assert not [v for v in axe_violations(page) if v["impact"] in BLOCKING]
    page.get_by_role("button", name="Schedule").click()

    expect(page.get_by_text(f"Scheduled for {label(when)}.", exact=True)).to_be_visible()
    bubble = page.get_by_role("article").filter(has_text="Your <table> & chairs arrive tomorrow")
    expect(bubble.get_by_text(f"Scheduled for {label(when)}", exact=True)).to_be_visible()
    expect(bubble.get_by_role("link", name=f"Cancel the message scheduled for {label(when)}"))
    send = Send.objects.get(text="Your <table> & chairs arrive tomorrow")
    assert (send.status, send.recipients, send.conversation_id) == (
        Send.Status.SCHEDULED, [customer], None,
    )  # fmt: skip
    assert (send.scheduled_for, send.scheduled_zone, send.cancel_on_reply) == (
        when, "Europe/London", True,
    )  # fmt: skip
