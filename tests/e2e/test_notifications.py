"""Desktop notifications and the sidebar's counts in real Chromium: off until the person turns
them on (the browser asks once), then a message that arrives while the tab is in the
background is told once; the sidebar's count of the mailbox moves with it.

The browser's own notifications cannot be seen from a test, so the page's `Notification` is a
stand-in that records what it is asked to show, and `document.hidden` is the test's to set:
both before any of the page's scripts run. Everything else is the product's: the sync of the
mailbox (what the worker would run), its change counter, the page's event stream or poll, the
page's merge and the sidebar's counts.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from accounts.models import User
from inbox.live.sync import mailbox_sync
from tests.e2e.support import AGENT, cache_of_its_own, sign_in
from tests.emulator.factories import make_sms, unique_number
from tests.support.emulator import RunningEmulator

STAND_IN = """
window.__notes = [];
window.__hidden = false;
Object.defineProperty(document, "hidden", { get: () => window.__hidden, configurable: true });
class StandInNotification {
  constructor(title, options) { window.__notes.push(title + ": " + options.body); }
  close() {}
}
StandInNotification.permission = "default";
StandInNotification.requestPermission = () => {
  window.__asked = (window.__asked || 0) + 1;
  StandInNotification.permission = "granted";
  return Promise.resolve("granted");
};
window.Notification = StandInNotification;
"""


@pytest.fixture(autouse=True)
def own_cache(settings: Any) -> None:
    cache_of_its_own(settings, "notifications-e2e")


def arrives(running: RunningEmulator, user: User, text: str) -> None:
    """An SMS from a new customer, synced into the index as the worker would."""
    assert user.rc_account_id is not None and user.rc_extension_id is not None
    make_sms(running.db_path, user.rc_extension_id, other_number=unique_number(), text=text,
             created_ts=time.time() - 1)  # fmt: skip
    cache.clear()
    mailbox_sync(account_id=user.rc_account_id, extension_id=user.rc_extension_id)


def own_unread(page: Any) -> int:
    return int(page.locator("[data-own-unread]").get_attribute("data-own-unread") or 0)


def test_a_message_in_the_background_is_told_once_notifications_are_on(
    page: Any, live_server: Any, ringcentral: RunningEmulator
) -> None:
    person = ringcentral.user(AGENT)
    page.add_init_script(STAND_IN)
    sign_in(page, live_server, ringcentral, f"/inbox/{person['extension_id']}/")
    user = User.objects.get(rc_extension_id=int(person["extension_id"]))
    assert user.rc_account_id is not None
    mailbox_sync(account_id=user.rc_account_id, extension_id=int(person["extension_id"]))
    page.reload()
    expect(page.locator("[data-own-unread]")).to_have_count(1)
    expect(page.locator("html[data-live=on]")).to_have_count(1)
    time.sleep(2.5)  # the page has its first change counter

    # off by default: a message in the background tells nobody
    page.evaluate("() => { window.__hidden = true; }")
    before = own_unread(page)
    arrives(ringcentral, user, f"First, unheard ({uuid.uuid4().hex[:6]})")
    expect(page.locator("[data-own-unread]")).to_have_attribute(
        "data-own-unread", str(before + 1), timeout=15_000
    )
    assert page.evaluate("() => window.__notes") == []

    # turned on: the browser is asked once, and the next message is told
    page.evaluate("() => { window.__hidden = false; }")
    bell = page.get_by_role("button", name="Desktop notifications")
    expect(bell).to_have_attribute("aria-pressed", "false")
    bell.click()
    expect(bell).to_have_attribute("aria-pressed", "true")
    assert page.evaluate("() => window.__asked") == 1
    page.evaluate("() => { window.__hidden = true; }")
    arrives(ringcentral, user, f"Second, told ({uuid.uuid4().hex[:6]})")
    expect(page.locator("[data-own-unread]")).to_have_attribute(
        "data-own-unread", str(before + 2), timeout=15_000
    )
    page.wait_for_function("() => window.__notes.length > 0", timeout=15_000)
    assert page.evaluate("() => window.__notes") == ["Team Inbox: New message in your inbox"]

    # while the person looks at the page, nothing pops up
    page.evaluate("() => { window.__hidden = false; }")
    arrives(ringcentral, user, f"Third, seen ({uuid.uuid4().hex[:6]})")
    expect(page.locator("[data-own-unread]")).to_have_attribute(
        "data-own-unread", str(before + 3), timeout=15_000
    )
    assert len(page.evaluate("() => window.__notes")) == 1


def test_a_change_in_another_mailbox_refreshes_the_sidebar_alone(
    page: Any, live_server: Any, ringcentral: RunningEmulator
) -> None:
    """An admin reads an agent's mailbox; a message for the admin's own mailbox moves the
    sidebar's count without the open page fetching itself: the sidebar comes alone."""
    admin = ringcentral.user("admin")
    agent = ringcentral.user(AGENT)
    open_path = f"/inbox/{agent['extension_id']}/"
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    sign_in(page, live_server, ringcentral, open_path, "admin")
    user = User.objects.get(rc_extension_id=int(admin["extension_id"]))
    assert user.rc_account_id is not None
    mailbox_sync(account_id=user.rc_account_id, extension_id=int(admin["extension_id"]))
    page.goto(f"{live_server.url}{open_path}")
    expect(page.locator("[data-own-unread]")).to_have_count(1)
    expect(page.locator("html[data-live=on]")).to_have_count(1)
    time.sleep(2.5)  # the page has its first change counters
    before = own_unread(page)
    requested.clear()

    arrives(ringcentral, user, f"For the admin ({uuid.uuid4().hex[:6]})")

    expect(page.locator("[data-own-unread]")).to_have_attribute(
        "data-own-unread", str(before + 1), timeout=15_000
    )
    assert any(url.endswith("/workspace/sidebar/") for url in requested), requested
    assert not [url for url in requested if url.split("?")[0].endswith(open_path)], requested
