"""The inbox in real Chromium against the emulator's demo mailbox: sign in, the list, filters,
a thread with a picture, a fax and a voicemail (each rendered), mark unread, delete a message
and see the list reflect it, and the keyboard shortcuts."""

from __future__ import annotations

import re
import sqlite3
import time
import uuid
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.emulator import RunningEmulator

AGENT = "agent"


@pytest.fixture(autouse=True)
def own_cache(settings: Any) -> None:
    """The demo users' ids are the same in every emulator: a cache of this test's own."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"inbox-e2e-{uuid.uuid4().hex}",
        }
    }


def newest(running: RunningEmulator, sql: str) -> sqlite3.Row:
    """The newest message of the agent's mailbox in the last 30 days matching `sql`."""
    extension_id = running.user(AGENT)["extension_id"]
    with sqlite3.connect(running.db_path) as db:
        db.row_factory = sqlite3.Row
        query = (
            "SELECT m.* FROM message m JOIN attachment a ON a.message_id = m.id "  # noqa: S608
            f"WHERE m.extension_id = ? AND m.availability = 'Alive' AND {sql} "
            "AND m.creation_ts > ? ORDER BY m.creation_ts DESC LIMIT 1"
        )
        row: sqlite3.Row | None = db.execute(
            query, (extension_id, time.time() - 29 * 86400)
        ).fetchone()
    assert row is not None, sql
    return row


def local(number: str) -> str:
    """`16505550101` (the store's digits) as the list shows it: `(650) 555-0101`."""
    return f"({number[1:4]}) {number[4:7]}-{number[7:]}"


def sign_in(page: Any, live_server: Any, running: RunningEmulator) -> None:
    person = running.user(AGENT)
    page.goto(f"{live_server.url}/inbox/")
    expect(page.get_by_role("heading", name="Sign in to RingCentral")).to_be_visible()
    page.get_by_label("Email or phone number").fill(person["username"])
    page.get_by_label("Password").fill(person["password"])
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(lambda url: url.startswith(live_server.url), wait_until="load")
    expect(page.get_by_role("heading", name="Inbox", exact=True)).to_be_visible()


def conversations(page: Any) -> Any:
    return page.get_by_role("list", name="Inbox").get_by_role("listitem")


def test_it_reads_filters_opens_marks_and_deletes(
    page: Any, live_server: Any, ringcentral: RunningEmulator
) -> None:
    mms = newest(ringcentral, "a.type = 'MmsAttachment' AND length(trim(m.numbers)) = 23")
    customer = next(n for n in mms["numbers"].split() if not n.startswith("1650555010"))
    fax = newest(ringcentral, "m.type = 'Fax'")
    voicemail = newest(ringcentral, "m.type = 'VoiceMail'")

    # sign in → list
    sign_in(page, live_server, ringcentral)
    expect(page).to_have_title(re.compile(r"^\(\d+\) Sam Rivera · Inbox · Team Inbox$"))
    expect(conversations(page).first).to_be_visible()
    assert conversations(page).count() > 5

    # filter by number → the picture's conversation → the picture, rendered
    page.get_by_label("Phone number").fill(local(customer))
    page.get_by_role("button", name="Filter").click()
    expect(conversations(page)).to_have_count(1)
    conversations(page).first.get_by_role("link").click()
    picture = page.get_by_role("img", name=re.compile("^Picture sent by"))
    expect(picture.first).to_be_visible()
    picture.first.evaluate("img => img.decode()")
    assert picture.first.evaluate("img => img.naturalWidth") > 0

    # mark the conversation unread, from the thread
    toggle = page.get_by_role("button", name=re.compile("^Mark conversation (un)?read$"))
    if toggle.inner_text() == "Mark conversation read":
        toggle.click()
    page.get_by_role("button", name="Mark conversation unread").click()
    expect(page.get_by_role("status")).to_contain_text("Marked the conversation unread.")
    expect(page.get_by_role("button", name="Mark conversation read")).to_be_visible()

    # delete one message of it, after confirming → back to the list, which reflects it
    bubbles = page.locator("ol.thread > li")
    before = bubbles.count()
    last_text = bubbles.last.locator(".bubble-text").inner_text() if before else ""
    bubbles.last.get_by_role("link", name="Delete message…").click()
    expect(page.get_by_role("heading", name="Delete this message?")).to_be_visible()
    page.get_by_role("button", name="Delete message").click()
    expect(page.get_by_role("status")).to_contain_text("Deleted the message.")
    expect(page.get_by_role("heading", name="Inbox", exact=True)).to_be_visible()
    row = conversations(page).filter(has_text=local(customer))
    if before > 1:
        expect(row).to_have_count(1)
        if last_text:
            expect(row.locator(".preview")).not_to_have_text(last_text)
    else:
        expect(row).to_have_count(0)

    # a fax: page count and the PDF in place
    page.goto(f"{live_server.url}/inbox/{ringcentral.user(AGENT)['extension_id']}/?type=fax")
    link = conversations(page).filter(has_text="Fax").first.get_by_role("link")
    with page.expect_response(re.compile(rf"/messages/{fax['id']}/attachments/\d+/$")) as pdf:
        link.click()
    assert pdf.value.status == 200
    assert pdf.value.headers["content-type"] == "application/pdf"
    # the thread's caption, not a row's preview in the list beside it
    expect(
        page.locator("#thread-pane").get_by_text(re.compile(r"^\s*Fax, \d+ pages?"))
    ).to_be_visible()
    expect(page.locator("iframe.pdf-view")).to_be_visible()
    # the frame holds the PDF itself (Chromium's viewer shows it, sandbox and all)
    frame = page.locator("iframe.pdf-view").element_handle().content_frame()
    assert frame.evaluate("() => document.contentType") == "application/pdf"

    # a voicemail: a player that has loaded the recording, and its duration
    page.goto(f"{live_server.url}/inbox/{ringcentral.user(AGENT)['extension_id']}/?type=voicemail")
    conversations(page).first.get_by_role("link").click()
    audio = page.locator("audio")
    expect(audio).to_be_visible()
    page.wait_for_function("() => document.querySelector('audio').readyState >= 1")
    assert audio.evaluate("a => a.duration") > 0
    expect(page.locator(".duration")).to_have_text(re.compile(r"^\d+:\d\d$"))
    assert voicemail["type"] == "VoiceMail"


def test_it_works_from_the_keyboard(
    page: Any, live_server: Any, ringcentral: RunningEmulator
) -> None:
    sign_in(page, live_server, ringcentral)
    page.locator("html[data-inbox-keys=ready]").wait_for(state="attached")
    rows = conversations(page)
    counter = page.locator("[data-unread-count]")

    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    expect(rows.nth(0)).to_have_class(re.compile(r"\bis-current\b"))
    page.keyboard.press("j")
    expect(rows.nth(1)).to_have_class(re.compile(r"\bis-current\b"))
    expect(rows.nth(1).get_by_role("link")).to_be_focused()

    unread_before = int(counter.inner_text())
    was_unread = "is-unread" in (rows.nth(1).get_attribute("class") or "")
    page.keyboard.press("u")
    expect(rows.nth(1)).to_have_class(
        re.compile(r"\bis-unread\b") if not was_unread else re.compile(r"^(?!.*is-unread)")
    )
    expect(counter).to_have_text(str(unread_before + (-1 if was_unread else 1)))
    expect(page).to_have_title(re.compile(rf"^\({unread_before + (-1 if was_unread else 1)}\)"))

    page.keyboard.press("/")  # the sidebar's search box
    expect(page.get_by_label("Search", exact=True)).to_be_focused()
    page.keyboard.press("j")  # typing in the search box is not a shortcut
    expect(page.get_by_label("Search", exact=True)).to_have_value("j")

    page.get_by_label("Search", exact=True).fill("")
    rows.nth(1).get_by_role("link").focus()
    href = rows.nth(1).get_by_role("link").get_attribute("href")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(href.split("?")[0])))


def test_it_fits_a_phone_screen(page: Any, live_server: Any, ringcentral: RunningEmulator) -> None:
    page.set_viewport_size({"width": 375, "height": 740})
    sign_in(page, live_server, ringcentral)

    width = page.evaluate("() => document.documentElement.scrollWidth")

    assert width <= 375
    expect(conversations(page).first).to_be_visible()
