"""The workspace in real Chromium: a person's day in its three panes.

At a desktop's size a row opens its conversation beside the list without a page load (the URL,
the open row and the tab's title follow it; Back returns to the list), a thread's own address
shows the list beside it, a reply from the pane's composer reaches RingCentral (the emulator,
through a real worker), and the keyboard assigns, closes, replies and moves between
conversations. Without JavaScript the same work is done by links and forms. On a phone one
pane shows at a time, the sidebar and the further filters fold away, and every control is a
44-pixel target. The theme switch is remembered; the system's dark scheme is followed without
it. Unread conversations show in the tab's title and on its icon, and a conversation arriving
while the list is open does not shake the page.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from accounts.models import User
from inbox.live.sync import mailbox_counter_bump
from inbox.models import Send
from tests.accounts.support import point_dashboard_at
from tests.e2e.support import AGENT, cache_of_its_own, sign_in
from tests.emulator.factories import conversation_of, make_sms, unique_number
from tests.support.celery_worker import Worker, sending_worker
from tests.support.emulator import RunningEmulator
from tests.support.sends import outbound

ADMIN = "admin"
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
TOUCH = 44  # px: the smallest target a finger hits reliably
LIGHT_BACKGROUND = "rgb(255, 255, 255)"
DARK_BACKGROUND = "rgb(17, 19, 23)"
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error("csp-violation " + JSON.stringify({
    directive: event.effectiveDirective, blocked: event.blockedURI.slice(0, 40),
  }));
}, true);
"""
MEASURE_SHIFTS = """
window.layoutShift = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (!entry.hadRecentInput) {
      window.layoutShift += entry.value;
    }
  }
}).observe({ type: "layout-shift", buffered: true });
"""
# every visible control: what a finger has to hit
SMALL_TARGETS = """(minimum) => {
  const controls = document.querySelectorAll(
    "a[href], button, input:not([type=hidden]), select, textarea, summary");
  const small = [];
  for (const control of controls) {
    let box = control.getBoundingClientRect();
    if (control.type === "checkbox" || control.type === "radio") {
      // a checkbox is hit through its label too: the two together are the target
      for (const label of control.labels || []) {
        const around = label.getBoundingClientRect();
        const left = Math.min(box.left, around.left);
        const top = Math.min(box.top, around.top);
        box = new DOMRect(left, top, Math.max(box.right, around.right) - left,
          Math.max(box.bottom, around.bottom) - top);
      }
    }
    if (!control.checkVisibility({ visibilityProperty: true }) || !box.width ||
        !box.height || control.closest(".visually-hidden")) {
      continue;  // not drawn: in a folded part, behind the menu, or for screen readers
    }
    if (box.width < minimum - 0.5 || box.height < minimum - 0.5) {
      const name = (control.getAttribute("aria-label") || control.textContent || control.name ||
        control.type || "").replace(/\\s+/g, " ").trim().slice(0, 40);
      small.push(`${control.tagName.toLowerCase()}${control.className ?
        "." + String(control.className).trim().replace(/\\s+/g, ".") : ""} "${name}" ` +
        `${Math.round(box.width)}x${Math.round(box.height)}`);
    }
  }
  return small;
}"""


@pytest.fixture(autouse=True)
def own_cache(settings: Any) -> None:
    cache_of_its_own(settings, "workspace-e2e")


@pytest.fixture
def sending(
    settings: Any, live_server: Any, emulator_factory: Any, tmp_path: Path
) -> Iterator[tuple[RunningEmulator, Worker]]:
    """The emulator (SMS move on every half second) and a worker that takes the sends."""
    callback = f"{live_server.url}/accounts/callback/"
    running = emulator_factory("--redirect-uri", callback, "--sms-step", "0.5")
    point_dashboard_at(settings, running, redirect_uri=callback)
    with sending_worker(tmp_path, running, name="e2e-workspace") as worker:
        yield running, worker


@pytest.fixture
def in_a_context(browser: Any) -> Iterator[Callable[..., Any]]:
    """A page in a browser context of its own, made with `options` (size, JavaScript,
    colour scheme, stored cookies); the contexts close when the test ends."""
    contexts: list[Any] = []

    def page_of(**options: Any) -> Any:
        context = browser.new_context(**options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield page_of
    for context in contexts:
        context.close()


def local(number: str) -> str:
    """`+12095550111` as the list shows it: `(209) 555-0111`."""
    return f"({number[2:5]}) {number[5:8]}-{number[8:]}"


def list_pane(page: Any) -> Any:
    return page.locator("#list-pane")


def thread_pane(page: Any) -> Any:
    return page.locator("#thread-pane")


def row_of(page: Any, customer: str) -> Any:
    return list_pane(page).locator("[data-row]").filter(has_text=local(customer))


def thread_heading(page: Any) -> Any:
    return thread_pane(page).get_by_role("heading", level=1)


def mailbox_of(running: RunningEmulator, which: str = AGENT) -> str:
    return f"/inbox/{running.user(which)['extension_id']}/"


def customer_thread(running: RunningEmulator, which: str = AGENT) -> tuple[str, str]:
    """A fresh conversation of `which`'s with a customer: (its path, the customer's number)."""
    customer = unique_number()
    first = make_sms(running.db_path, running.user(which)["extension_id"], other_number=customer,
                     text="Is my order ready?", created_ts=time.time() - 120)  # fmt: skip
    return (
        f"{mailbox_of(running, which)}conversations/{conversation_of(running.db_path, first)}/",
        (customer),
    )


def background_of(page: Any) -> str:
    return str(page.evaluate("() => getComputedStyle(document.body).backgroundColor"))


def keys_ready(page: Any) -> None:
    """The page's shortcuts listen (its scripts run after the page shows)."""
    page.locator("html[data-inbox-keys=ready]").wait_for(state="attached")


def still_the_same_page(page: Any) -> bool:
    return bool(page.evaluate("() => window.stillTheSamePage === true"))


def test_a_day_in_the_three_panes_at_a_desktop(
    in_a_context: Callable[..., Any], live_server: Any, sending: tuple[RunningEmulator, Worker]
) -> None:
    running, worker = sending
    path, customer = customer_thread(running)
    mailbox = mailbox_of(running)
    page = in_a_context(viewport=DESKTOP)
    sign_in(page, live_server, running, mailbox)

    # the list, and an empty thread pane beside it
    expect(list_pane(page).get_by_role("heading", name="Inbox", exact=True)).to_be_visible()
    expect(thread_pane(page).get_by_text("No conversation open")).to_be_visible()

    # a row opens its conversation in the thread pane, without a page load
    page.evaluate("() => { window.stillTheSamePage = true; }")
    row_of(page, customer).get_by_role("link").first.click()
    expect(thread_heading(page)).to_have_text(local(customer))
    expect(page).to_have_url(re.compile(re.escape(path)))
    expect(row_of(page, customer).locator("[data-open]")).to_have_attribute("aria-current", "true")
    expect(page).to_have_title(re.compile(rf"^(\(\d+\) )?{re.escape(local(customer))} · Inbox"))
    # a bubble's controls keep their short names, described by the bubble's heading and time
    bubble = thread_pane(page).get_by_role("article").filter(has_text="Is my order ready?")
    expect(bubble.get_by_role("link", name="Delete message…")).to_have_accessible_description(
        re.compile(rf"^(Unread )?SMS from {re.escape(local(customer))} \w{{3}} \d+, \d{{4}}, ")
    )
    # the tab's unread count goes in front of a title as a page brings it (with or without a
    # count), and again after each live update: the area code is not a count
    bare = f"{local(customer)} · Inbox · Team Inbox"
    for title in (bare, f"(1) {bare}", None, None):
        page.evaluate(
            """(title) => {
                if (title !== null) document.title = title;
                document.dispatchEvent(new Event("inbox:live-refreshed"));
            }""",
            title,
        )
        total = int(page.locator("html").get_attribute("data-unread-total") or "0")
        expect(page).to_have_title(f"({total}) {bare}" if total else bare)
    expect(list_pane(page).locator("[data-conversations]")).to_be_visible()
    assert still_the_same_page(page)

    # Back: the list's address again, with no conversation open
    page.go_back()
    expect(page).to_have_url(re.compile(re.escape(mailbox) + r"$"))
    expect(thread_pane(page).get_by_text("No conversation open")).to_be_visible()

    # the thread's own address: the thread, and the list it fetches for itself beside it
    page.goto(live_server.url + path)
    expect(thread_heading(page)).to_have_text(local(customer))
    expect(list_pane(page).locator("[data-conversations]")).to_be_visible()
    expect(row_of(page, customer).locator("[data-open]")).to_have_attribute("aria-current", "true")

    # a reply from the pane's composer reaches the customer
    text = f"It is ready, come by at five ({uuid.uuid4().hex[:6]})"
    thread_pane(page).get_by_label("Message").fill(text)
    thread_pane(page).get_by_role("button", name="Send", exact=True).click()
    bubble = thread_pane(page).get_by_role("article").filter(has_text=text)
    expect(bubble).to_be_visible()
    expect(bubble.get_by_text("Delivered", exact=True)).to_be_visible(timeout=30_000)
    send = Send.objects.get(text=text)
    assert send.rc_status == "Delivered", worker.output()
    sent = [m for m in outbound(running, AGENT) if m.get("subject") == text]
    assert len(sent) == 1 and sent[0]["to"][0]["phoneNumber"] == customer
    expect(list_pane(page).locator("[data-conversations]")).to_be_visible()

    # the keyboard: a assigns to me, e closes, ? shows the shortcuts and Esc hides them,
    # r goes to the reply box
    keys_ready(page)
    page.evaluate("() => document.activeElement.blur()")  # the keys are the page's, not a field's
    page.keyboard.press("a")
    expect(page.locator("[data-ownership-assignee]")).to_have_text("Sam Rivera")
    keys_ready(page)  # the form's answer is a page of its own
    page.keyboard.press("e")
    expect(page.locator("[data-ownership-status]")).to_have_text("Done")
    keys_ready(page)
    shortcuts = page.get_by_role("dialog", name="Keyboard shortcuts")
    page.keyboard.press("?")
    expect(shortcuts).to_be_visible()
    page.keyboard.press("Escape")
    expect(shortcuts).to_be_hidden()
    page.keyboard.press("r")
    expect(thread_pane(page).get_by_label("Message")).to_be_focused()

    # j and k move from the open conversation, Enter opens the one chosen, in the pane
    page.keyboard.press("Escape")  # out of the reply box
    expect(list_pane(page).locator("[data-row].is-open")).to_have_count(1)
    rows = list_pane(page).locator("[data-row]")
    keys = rows.evaluate_all("(rows) => rows.map((row) => row.classList.contains('is-open'))")
    opened = keys.index(True)
    assert opened + 1 < len(keys), "the open conversation is the last of the list"
    page.evaluate("() => { window.stillTheSamePage = true; }")
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    chosen = rows.nth(opened + 1)
    expect(chosen).to_have_class(re.compile(r"\bis-current\b"))
    expect(chosen.locator("[data-open]")).to_be_focused()
    href = chosen.locator("[data-open]").get_attribute("href")
    assert href is not None
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(href.split("?")[0])))
    expect(chosen.locator("[data-open]")).to_have_attribute("aria-current", "true")
    expect(thread_heading(page)).not_to_have_text(local(customer))
    assert still_the_same_page(page)


def test_it_works_by_links_and_forms_without_javascript(
    in_a_context: Callable[..., Any], live_server: Any, ringcentral: RunningEmulator
) -> None:
    path, customer = customer_thread(ringcentral)
    mailbox = mailbox_of(ringcentral)
    page = in_a_context(viewport=DESKTOP, java_script_enabled=False)
    sign_in(page, live_server, ringcentral, mailbox)

    expect(list_pane(page).get_by_role("heading", name="Inbox", exact=True)).to_be_visible()
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Mine")
    ).to_be_visible()
    row_of(page, customer).get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(re.escape(path)))
    expect(thread_heading(page)).to_have_text(local(customer))
    expect(list_pane(page).get_by_role("link", name="Conversations")).to_be_visible()

    text = f"See you at five ({uuid.uuid4().hex[:6]})"
    thread_pane(page).get_by_label("Message").fill(text)
    thread_pane(page).get_by_role("button", name="Send", exact=True).click()
    expect(thread_pane(page).get_by_role("article").filter(has_text=text)).to_be_visible()
    assert Send.objects.filter(text=text).count() == 1

    thread_pane(page).get_by_role("button", name="Assign to me").click()
    expect(page.locator("[data-ownership-assignee]")).to_have_text("Sam Rivera")
    expect(page.get_by_text("Sam Rivera assigned this to themselves")).to_be_visible()

    # the theme switch is a form too
    page.get_by_role("button", name="Switch to the dark theme").click()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    expect(thread_heading(page)).to_have_text(local(customer))


def test_the_bar_above_a_short_page_on_a_phone_is_as_tall_as_above_a_long_one(
    in_a_context: Callable[..., Any], live_server: Any, ringcentral: RunningEmulator
) -> None:
    """The folded sidebar is a bar of its own height: a page shorter than the screen (no
    contacts yet) does not lend it the room it leaves."""
    page = in_a_context(viewport=PHONE)
    sign_in(page, live_server, ringcentral, mailbox_of(ringcentral))
    heights = {}
    for path in ("/contacts/", mailbox_of(ringcentral)):
        page.goto(live_server.url + path)
        expect(page.get_by_role("heading", level=1).first).to_be_visible()
        bar = page.locator("[data-sidebar]").bounding_box()
        top = page.locator(".sidebar-top").bounding_box()
        assert bar is not None and top is not None
        heights[path] = (round(bar["height"]), round(top["height"]))
    contacts, inbox = heights["/contacts/"], heights[mailbox_of(ringcentral)]
    assert contacts == inbox, heights
    assert contacts[0] - contacts[1] <= 1, heights  # the bar's own row, and its border


@pytest.mark.parametrize("which", [AGENT, ADMIN])
def test_one_pane_at_a_time_on_a_phone(
    in_a_context: Callable[..., Any], live_server: Any, ringcentral: RunningEmulator, which: str
) -> None:
    """An admin's list has more controls: the bulk deletion's checkboxes and bar."""
    path, customer = customer_thread(ringcentral, which)
    mailbox = mailbox_of(ringcentral, which)
    page = in_a_context(viewport=PHONE)
    sign_in(page, live_server, ringcentral, mailbox, which)

    # the list alone, as wide as the screen
    expect(list_pane(page).locator("[data-conversations]")).to_be_visible()
    expect(thread_pane(page)).to_be_hidden()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    small = page.evaluate(SMALL_TARGETS, TOUCH)
    assert small == [], "controls smaller than 44x44 px in the list:\n" + "\n".join(small)

    # the filters beyond the number search fold away
    expect(page.get_by_label("Phone number")).to_be_visible()
    expect(page.get_by_label("Direction")).to_be_hidden()
    page.get_by_text("More filters").click()
    expect(page.get_by_label("Direction")).to_be_visible()
    page.get_by_text("More filters").click()
    expect(page.get_by_label("Direction")).to_be_hidden()

    # the sidebar sits behind the menu button
    menu = page.get_by_role("button", name="Menu")
    mine = page.get_by_role("navigation", name="Main").get_by_role("link", name="Mine")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(mine).to_be_hidden()
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(mine).to_be_visible()
    small = page.evaluate(SMALL_TARGETS, TOUCH)
    assert small == [], "controls smaller than 44x44 px with the menu open:\n" + "\n".join(small)
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(mine).to_be_hidden()

    # a row opens the thread alone, with a way back
    row_of(page, customer).get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(re.escape(path)))
    expect(thread_heading(page)).to_have_text(local(customer))
    expect(list_pane(page)).to_be_hidden()
    back = page.get_by_role("link", name="Back to the conversations")
    expect(back).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    small = page.evaluate(SMALL_TARGETS, TOUCH)
    assert small == [], "controls smaller than 44x44 px in the thread:\n" + "\n".join(small)

    back.click()
    expect(list_pane(page).locator("[data-conversations]")).to_be_visible()
    expect(thread_pane(page)).to_be_hidden()


def test_the_theme_is_switched_remembered_and_follows_the_system(
    in_a_context: Callable[..., Any], live_server: Any, ringcentral: RunningEmulator
) -> None:
    mailbox = mailbox_of(ringcentral)
    page = in_a_context(viewport=DESKTOP, color_scheme="light")
    sign_in(page, live_server, ringcentral, mailbox)
    expect(list_pane(page).locator("[data-conversations]")).to_be_visible()
    assert page.locator("html").get_attribute("data-theme") is None
    assert background_of(page) == LIGHT_BACKGROUND

    page.get_by_role("button", name="Switch to the dark theme").click()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    assert background_of(page) == DARK_BACKGROUND
    expect(page.get_by_role("button", name="Switch to the light theme")).to_be_visible()

    page.reload()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    assert background_of(page) == DARK_BACKGROUND
    another = page.context.new_page()
    another.goto(live_server.url + mailbox)
    expect(another.locator("html")).to_have_attribute("data-theme", "dark")
    assert background_of(another) == DARK_BACKGROUND

    # no choice made: the system's scheme decides
    state = page.context.storage_state()
    state["cookies"] = [cookie for cookie in state["cookies"] if cookie["name"] != "theme"]
    system = in_a_context(viewport=DESKTOP, storage_state=state)
    system.emulate_media(color_scheme="dark")
    system.goto(live_server.url + mailbox)
    expect(list_pane(system).locator("[data-conversations]")).to_be_visible()
    assert system.locator("html").get_attribute("data-theme") is None
    assert background_of(system) == DARK_BACKGROUND
    system.emulate_media(color_scheme="light")
    assert background_of(system) == LIGHT_BACKGROUND


def test_unread_shows_in_the_title_and_icon_and_a_new_row_does_not_shift_the_page(
    in_a_context: Callable[..., Any], live_server: Any, ringcentral: RunningEmulator
) -> None:
    extension = int(ringcentral.user(AGENT)["extension_id"])
    mailbox = mailbox_of(ringcentral)
    page = in_a_context(viewport=DESKTOP)
    violations: list[dict[str, Any]] = []
    page.add_init_script(REPORT_VIOLATIONS)
    page.add_init_script(MEASURE_SHIFTS)
    page.on(
        "console",
        lambda message: (
            violations.append(json.loads(message.text.split(" ", 1)[1]))
            if message.text.startswith("csp-violation ")
            else None
        ),
    )
    sign_in(page, live_server, ringcentral, mailbox)
    expect(list_pane(page).locator("[data-conversations]")).to_be_visible()

    unread = int(list_pane(page).locator("[data-unread-count]").inner_text())
    assert unread > 0
    expect(page).to_have_title(re.compile(r"^\(\d+\) "))
    icon = page.locator("link[rel=icon]")
    expect(icon).to_have_attribute("href", re.compile(r"^data:image/png;base64,"))
    expect(page.locator("html[data-live=on]")).to_have_count(1)
    time.sleep(2.5)  # the page has its first change counter
    assert violations == []

    # a conversation arrives while the list is open
    assert page.evaluate("() => PerformanceObserver.supportedEntryTypes.includes('layout-shift')")
    before = page.evaluate("() => window.layoutShift")
    text = f"Do you deliver on Sundays? ({uuid.uuid4().hex[:6]})"
    make_sms(ringcentral.db_path, extension, other_number=unique_number(), text=text,
             created_ts=time.time() - 1)  # fmt: skip
    cache.clear()  # no cached RingCentral answer without the new message
    user = User.objects.get(rc_extension_id=extension)
    assert user.rc_account_id is not None
    mailbox_counter_bump(account_id=user.rc_account_id, extension_id=extension)
    expect(list_pane(page).locator("[data-row]").first).to_contain_text(text, timeout=15_000)
    page.wait_for_timeout(1000)  # shifts are reported after the frame that made them
    shift = page.evaluate("() => window.layoutShift") - before
    print(f"cumulative layout shift as the row arrived: {shift:.4f}")
    assert shift < 0.1
    expect(page).to_have_title(re.compile(rf"^\({unread + 1}\) "))
    assert violations == []
