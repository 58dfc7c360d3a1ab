"""Two people in one team mailbox's conversation, each in a browser of their own: Sam sees
Riley arrive ("Riley is viewing"), type ("Riley is typing…") and leave; and when Riley
replies while Sam is writing, Sam's Send asks first ("Riley replied … ago — send anyway?"):
Cancel keeps his text, Send anyway sends it. Every wait is for a condition, with a deadline
of a few seconds."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import expect

from inbox.models import Send, TeamMailbox
from tests.e2e.support import cache_of_its_own, sign_in
from tests.emulator.factories import conversation_of, make_sms
from tests.inbox.conftest import sign_in as sign_in_client
from tests.inbox.team.conftest import connect_by_jwt, members_set, person
from tests.support.emulator import RunningEmulator
from tests.support.sends import TaskRecorder, tasks_record

SOON = 3_000  # ms: presence shows within a second; this leaves room for a slow machine


@pytest.fixture(autouse=True)
def own_cache(settings: Any) -> None:
    cache_of_its_own(settings, "presence-e2e")


@pytest.fixture(autouse=True)
def recorded_tasks(monkeypatch: pytest.MonkeyPatch) -> TaskRecorder:
    """Sends stay queued: what matters here is that they were made, not delivered."""
    return tasks_record(monkeypatch)


def signed_in_page(browser: Any, live_server: Any, running: RunningEmulator, which: str) -> Any:
    page = browser.new_context().new_page()
    page.set_default_timeout(15_000)
    sign_in(page, live_server, running, "/inbox/", which)
    expect(page.get_by_role("link", name="Inbox", exact=True)).to_be_visible()
    return page


@pytest.fixture
def team_thread(
    browser: Any, live_server: Any, ringcentral: RunningEmulator
) -> tuple[Any, Any, str]:
    """Sam and Riley signed in, both members of Support Line, and a conversation of it:
    (Sam's page, Riley's page, the conversation's address)."""
    sam = signed_in_page(browser, live_server, ringcentral, "agent")
    riley = signed_in_page(browser, live_server, ringcentral, "agent2")
    admin = Client()
    sign_in_client(admin, ringcentral, "admin")
    team: TeamMailbox = connect_by_jwt(admin, ringcentral)
    members_set(admin, team, person(ringcentral, "agent"), person(ringcentral, "agent2"))
    first = make_sms(
        ringcentral.db_path, team.extension_id, other_number="+12095550188",
        text="Where is my parcel?", created_ts=time.time() - 120,
    )  # fmt: skip
    path = (
        f"/inbox/{team.extension_id}/conversations/{conversation_of(ringcentral.db_path, first)}/"
    )
    return sam, riley, f"{live_server.url}{path}"


def presence(page: Any) -> Any:
    """The line that says who else is here: a polite live region, announced as it changes."""
    line = page.locator("[data-presence]")
    expect(line).to_have_attribute("aria-live", "polite")
    return line


def test_sam_sees_riley_arrive_type_and_leave(team_thread: tuple[Any, Any, str]) -> None:
    sam, riley, thread = team_thread
    sam.goto(thread)
    expect(sam.get_by_role("heading", name="Reply by SMS")).to_be_visible()
    expect(presence(sam)).to_have_text("")

    riley.goto(thread)
    expect(presence(sam)).to_have_text("Riley is viewing", timeout=SOON)
    expect(presence(riley)).to_have_text("Sam is viewing", timeout=SOON)

    riley.get_by_label("Message").press_sequentially("Checking the tracking", delay=20)
    expect(presence(sam)).to_have_text("Riley is typing…", timeout=SOON)

    riley.goto(riley.url.split("/conversations/")[0] + "/")  # back to the list
    expect(presence(sam)).to_have_text("", timeout=SOON)


def test_opening_another_conversation_beside_the_list_leaves_the_first(
    team_thread: tuple[Any, Any, str], ringcentral: RunningEmulator
) -> None:
    sam, riley, thread = team_thread
    extension = int(thread.split("/inbox/")[1].split("/")[0])
    make_sms(
        ringcentral.db_path, extension, other_number="+12095550189",
        text="Do you ship to Canada?", created_ts=time.time() - 60,
    )  # fmt: skip
    sam.goto(thread)
    riley.goto(thread.split("/conversations/")[0] + "/")

    rows = riley.locator("#list-pane [data-row]")
    rows.filter(has_text="Where is my parcel?").get_by_role("link").first.click()
    expect(riley.locator("#thread-pane h1")).not_to_have_text("No conversation open")
    expect(presence(sam)).to_have_text("Riley is viewing", timeout=SOON)

    rows.filter(has_text="Do you ship to Canada?").get_by_role("link").first.click()
    expect(presence(sam)).to_have_text("", timeout=SOON)


def test_send_asks_when_someone_else_replied_meanwhile(
    team_thread: tuple[Any, Any, str],
) -> None:
    sam, riley, thread = team_thread
    sam.goto(thread)
    riley.goto(thread)
    expect(presence(sam)).to_have_text("Riley is viewing", timeout=SOON)
    text = f"Sorry, it ships today ({uuid.uuid4().hex[:6]})"
    sam.get_by_label("Message").fill(text)

    riley.get_by_label("Message").fill("It left the warehouse this morning.")
    riley.get_by_role("button", name="Send", exact=True).click()
    expect(riley.get_by_role("article").filter(has_text="left the warehouse")).to_be_visible()

    sam.get_by_role("button", name="Send", exact=True).click()
    question = sam.get_by_role("alert").filter(has_text="send anyway?")
    expect(question).to_have_text(re.compile(r"^Riley replied \d+ s ago — send anyway\?$"))
    expect(sam.get_by_role("button", name="Send anyway")).to_be_focused()
    sam.get_by_role("button", name="Cancel").click()
    expect(question).to_be_hidden()
    expect(sam.get_by_label("Message")).to_have_value(text)
    assert not Send.objects.filter(text=text).exists()

    riley.get_by_label("Message").fill("Tracking number to follow.")
    riley.get_by_role("button", name="Send", exact=True).click()
    expect(riley.get_by_role("article").filter(has_text="Tracking number")).to_be_visible()
    sam.get_by_role("button", name="Send", exact=True).click()
    expect(question).to_be_visible()
    sam.get_by_role("button", name="Send anyway").click()

    expect(sam.get_by_role("article").filter(has_text=text)).to_be_visible()
    assert Send.objects.get(text=text).owner.first_name == "Sam"
