"""Saved replies in real Chromium: an admin adds a team-wide reply and an agent one of their
own on the Saved replies page; in a conversation the agent types "/" in the SMS composer,
filters the list, picks with the arrow keys and Enter, and gets the text with the customer's,
their own and the mailbox's names filled in, counted by the composer's counter; a customer
without a name leaves a visible blank; and a reply holding markup goes in as text."""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.sync_api import expect

from accounts.models import User
from inbox.models import SavedReply
from tests.e2e.support import AGENT, cache_of_its_own, customer_thread, sign_in
from tests.e2e.test_accessibility import BLOCKING, axe_violations
from tests.emulator.factories import conversation_of, unique_number
from tests.inbox.replies.support import named_sms
from tests.support.emulator import RunningEmulator

TEAM_TEXT = "Hi {contact.first_name}, your order is ready. {agent.first_name}, {mailbox.name}"
OWN_TEXT = "Thanks {contact.first_name}, talk soon!"


@pytest.fixture(autouse=True)
def own_cache(settings: Any) -> None:
    cache_of_its_own(settings, "replies-e2e")


def add_reply(page: Any, name: str, text: str, *, team_wide: bool = False) -> None:
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Text", exact=True).fill(text)
    if team_wide:
        page.get_by_label("Everyone in the team").check()
    page.get_by_role("button", name="Save the reply").click()
    expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible()


def named_thread(running: RunningEmulator, name: str) -> str:
    extension = running.user(AGENT)["extension_id"]
    message = named_sms(running.db_path, extension, number=unique_number(), name=name,
                        created_ts=time.time() - 60)  # fmt: skip
    return f"/inbox/{extension}/conversations/{conversation_of(running.db_path, message)}/"


def open_list(page: Any) -> Any:
    """Type "/" in the message; the list of saved replies opens."""
    message = page.get_by_label("Message")
    message.click()
    message.press_sequentially("/")
    listbox = page.get_by_role("listbox", name="Saved replies")
    expect(listbox).to_be_visible()
    expect(page.get_by_role("combobox", name="Search saved replies")).to_be_focused()
    return listbox


def test_an_agent_inserts_a_saved_reply_with_its_variables_filled(
    browser: Any, page: Any, live_server: Any, ringcentral: RunningEmulator
) -> None:
    admin = browser.new_context()
    admin.set_default_timeout(15_000)
    admins_page = admin.new_page()
    sign_in(admins_page, live_server, ringcentral, "/saved-replies/", which="admin")
    expect(admins_page.get_by_role("heading", name="Saved replies", level=1)).to_be_visible()
    add_reply(admins_page, "Order ready", TEAM_TEXT, team_wide=True)
    admin.close()
    assert SavedReply.objects.get(name="Order ready").owner is None

    sign_in(page, live_server, ringcentral, "/saved-replies/")
    team = page.get_by_role("list", name="Team-wide replies")
    expect(team.get_by_role("heading", name="Order ready")).to_be_visible()
    expect(team.get_by_role("link", name="Edit Order ready")).to_have_count(0)  # read-only
    add_reply(page, "Closing", OWN_TEXT)
    agent = User.objects.get(rc_extension_id=ringcentral.user(AGENT)["extension_id"])
    expected = f"Hi Fatima, your order is ready. {agent.first_name}, {agent.get_full_name()}"

    page.goto(live_server.url + named_thread(ringcentral, "Fatima Rossi"))
    listbox = open_list(page)
    expect(listbox.get_by_role("option")).to_have_count(2)
    assert [v for v in axe_violations(page) if v["impact"] in BLOCKING] == []
    page.keyboard.type("clos")
    expect(listbox.get_by_role("option")).to_have_count(1)
    expect(listbox.get_by_role("option", name="Closing")).to_be_visible()
    for _ in "clos":
        page.keyboard.press("Backspace")
    page.keyboard.type("ord")
    expect(listbox.get_by_role("option")).to_have_count(1)
    option = listbox.get_by_role("option", name="Order ready")
    expect(option).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowDown")  # one option: the choice stays on it
    page.keyboard.press("Enter")

    message = page.get_by_label("Message")
    expect(listbox).to_be_hidden()
    expect(message).to_be_focused()
    expect(message).to_have_value(expected)
    expect(page.get_by_text(f"{len(expected)} / 1,000 characters · 1 SMS (GSM-7)")).to_be_visible()

    # a customer without a name: the blank shows, never the placeholder
    path, _ = customer_thread(ringcentral)
    page.goto(live_server.url + path)
    message = page.get_by_label("Message")
    message.click()
    message.press_sequentially("Hello /")
    listbox = page.get_by_role("listbox", name="Saved replies")
    expect(listbox.get_by_role("option")).to_have_count(2)
    combobox = page.get_by_role("combobox", name="Search saved replies")
    expect(combobox).to_have_attribute("aria-expanded", "true")
    first = listbox.get_by_role("option").nth(0)
    expect(combobox).to_have_attribute("aria-activedescendant", first.get_attribute("id"))
    page.keyboard.press("ArrowDown")
    closing = listbox.get_by_role("option", name="Closing")
    expect(closing).to_have_attribute("aria-selected", "true")
    expect(combobox).to_have_attribute("aria-activedescendant", closing.get_attribute("id"))
    page.keyboard.press("Enter")

    inserted = "Hello Thanks [first name], talk soon!"
    expect(message).to_have_value(inserted)
    assert "{contact.first_name}" not in message.input_value()
    expect(page.get_by_text(f"{len(inserted)} / 1,000 characters · 1 SMS (GSM-7)")).to_be_visible()


def test_escape_closes_the_list_and_a_tap_inserts_markup_as_text(
    page: Any, live_server: Any, ringcentral: RunningEmulator
) -> None:
    path, _ = customer_thread(ringcentral)
    sign_in(page, live_server, ringcentral, "/saved-replies/")
    add_reply(page, "Markup", "<script>window.pwned = 1</script><b>bold</b>")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + path)

    listbox = open_list(page)
    page.keyboard.press("Escape")
    message = page.get_by_label("Message")
    expect(listbox).to_be_hidden()
    expect(message).to_be_focused()
    expect(message).to_have_value("/")

    page.get_by_role("button", name="Insert a saved reply").click()
    option = listbox.get_by_role("option", name="Markup")
    expect(option).to_contain_text("<script>window.pwned = 1</script><b>bold</b>")
    option.click()

    expect(message).to_have_value("/<script>window.pwned = 1</script><b>bold</b>")
    assert page.evaluate("() => window.pwned === undefined")
    assert page.locator(".replies-option b").count() == 0
