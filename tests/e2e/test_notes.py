"""Notes and mentions in real Chromium, two people in two browsers: Alex writes a note in a
Support Line conversation mentioning Sam; Sam, on another page, is told in the page (and on the
desktop while the tab is in the background, notifications being on) and finds the
conversation in Mentions with a count, without reloading; opening it takes it out of
Mentions.

The browser's own notifications cannot be seen from a test, so Sam's page gets a stand-in
`Notification` (allowed, and turned on with the bell's setting) that records what it is asked
to show, and `document.hidden` is the test's to set: both before the page's scripts run."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import expect

from tests.e2e.support import cache_of_its_own, sign_in
from tests.e2e.test_accessibility import BLOCKING, axe_violations
from tests.emulator.factories import conversation_of, make_sms, unique_number
from tests.inbox.team.conftest import connect_by_jwt, members_set, person
from tests.support.emulator import RunningEmulator

STAND_IN = """
window.__notes = [];
window.__hidden = false;
Object.defineProperty(document, "hidden", { get: () => window.__hidden, configurable: true });
class StandInNotification {
  constructor(title, options) { window.__notes.push(title + ": " + options.body); }
  close() {}
}
StandInNotification.permission = "granted";
StandInNotification.requestPermission = () => Promise.resolve("granted");
window.Notification = StandInNotification;
window.localStorage.setItem("teamInbox.notifications", "on");
"""


@pytest.fixture(autouse=True)
def own_cache(settings: Any) -> None:
    cache_of_its_own(settings, "notes-e2e")


def browser_of(browser: Any, live_server: Any, running: RunningEmulator, which: str) -> Any:
    """A browser context of its own with `which` signed in, on their inbox."""
    page = browser.new_context().new_page()
    page.set_default_timeout(15_000)
    if which == "agent":
        page.add_init_script(STAND_IN)
    sign_in(page, live_server, running, "/inbox/", which)
    expect(page.get_by_role("link", name="Inbox", exact=True)).to_be_visible()
    return page


def test_a_mention_in_a_note_reaches_the_teammate_live_and_leaves_mentions_once_opened(
    browser: Any, live_server: Any, ringcentral: RunningEmulator
) -> None:
    alex = browser_of(browser, live_server, ringcentral, "admin")
    sam = browser_of(browser, live_server, ringcentral, "agent")
    admin = Client()
    admin.force_login(person(ringcentral, "admin"))
    team = connect_by_jwt(admin, ringcentral)
    members_set(admin, team, person(ringcentral, "agent"))
    first = make_sms(
        ringcentral.db_path, team.extension_id, other_number=unique_number(),
        text="Where is my parcel?", created_ts=time.time() - 300,
    )  # fmt: skip
    thread = (
        f"/inbox/{team.extension_id}/conversations/{conversation_of(ringcentral.db_path, first)}/"
    )

    # Sam works Support Line's list; nothing mentions him yet
    sam.goto(f"{live_server.url}/inbox/{team.extension_id}/")
    mentions = sam.get_by_role("link", name="Mentions")
    expect(mentions).to_be_visible()
    expect(sam.locator("#view-count-mentions")).to_have_count(0)
    expect(sam.locator("html[data-live-stream=open]")).to_have_count(1)

    # Alex writes a note in the conversation, mentioning Sam
    alex.goto(f"{live_server.url}{thread}")
    alex.get_by_text("Add an internal note").click()
    expect(alex.get_by_role("textbox", name="Internal note")).to_have_attribute(
        "placeholder", "Only your team sees this. @ and a name to mention a teammate"
    )
    alex.get_by_role("textbox", name="Internal note").fill(
        "@Sam can you call them back? <b>today</b>"
    )
    alex.get_by_role("button", name="Add note").click()
    note = alex.get_by_role("article").filter(has_text="Internal note by Alex Morgan")
    expect(note).to_contain_text("@Sam can you call them back? <b>today</b>")
    expect(note.locator(".mention")).to_have_text("@Sam")
    expect(alex.get_by_text("Note added; 1 teammate told.")).to_be_visible()

    # Sam is told in the page and sees the count, without a reload
    expect(sam.locator(".toast", has_text="Alex Morgan mentioned you")).to_be_visible()
    expect(sam.locator("#view-count-mentions")).to_contain_text("1")
    assert sam.evaluate("() => window.__notes") == []  # the tab is in sight: no desktop pop-up

    # a second mention while the tab is in the background is told on the desktop too
    sam.evaluate("() => { window.__hidden = true; }")
    alex.get_by_text("Add an internal note").click()
    alex.get_by_role("textbox", name="Internal note").fill("And @sam.rivera, the refund too")
    alex.get_by_role("button", name="Add note").click()
    expect(alex.get_by_role("article").filter(has_text="the refund too")).to_be_visible()
    sam.wait_for_function("() => window.__notes.length > 0")
    assert sam.evaluate("() => window.__notes") == ["Team Inbox: Alex Morgan mentioned you"]
    sam.evaluate("() => { window.__hidden = false; }")

    # Sam opens Mentions: the conversation is listed; opening it takes it out
    mentions.click()
    expect(sam.get_by_role("heading", name="Mentions", level=1)).to_be_visible()
    row = sam.get_by_role("link").filter(has_text="Alex Morgan mentioned you")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("the refund too")
    expect(sam.locator("#view-count-mentions")).to_contain_text("1")
    row.click()
    expect(
        sam.get_by_role("article").filter(has_text="Internal note by Alex Morgan")
    ).to_have_count(2)
    expect(sam.locator("#view-count-mentions")).to_have_count(0)
    expect(sam.get_by_role("link").filter(has_text="Alex Morgan mentioned you")).to_have_count(0)
    sam.goto(f"{live_server.url}/inbox/mentions/")
    expect(sam.get_by_text("No mentions waiting")).to_be_visible()

    # the thread with its notes, the note form and a note's own controls open, and Mentions:
    # no serious accessibility violation in either theme, on a desktop or a phone
    for theme in ("light", "dark"):
        alex.context.add_cookies([{"name": "theme", "value": theme, "url": live_server.url}])
        for size in ({"width": 1440, "height": 900}, {"width": 390, "height": 844}):
            alex.set_viewport_size(size)
            for path in (thread, "/inbox/mentions/"):
                alex.goto(f"{live_server.url}{path}")
                alex.wait_for_load_state("load")
                for summary in alex.locator(".note-composer summary, .note-change summary").all():
                    summary.click()
                blocking = [v for v in axe_violations(alex) if v["impact"] in BLOCKING]
                assert blocking == [], f"{path} [{theme}, {size['width']}]: {blocking}"
