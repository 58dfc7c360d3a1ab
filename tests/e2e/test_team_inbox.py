"""A team inbox in real Chromium, with a real Celery worker and the emulator over HTTP: an admin
connects Support Line by signing in as it and adds Sam and Riley; Sam opens it, takes a
conversation, replies (the SMS goes out from Support Line's number, the bubble says "Sam via
Support Line") and marks it Done; an SMS the customer sends then reopens it on Riley's open
page without a reload. An agent who is not a member of a team mailbox gets a 404 on every
address of it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from inbox.models import ConversationState, Send, TeamMailbox
from tests.accounts.support import point_dashboard_at
from tests.e2e.support import sign_in
from tests.emulator.factories import conversation_of, make_sms
from tests.inbox.live.support import inject_sms
from tests.support.celery_worker import Worker, cache_shared_with_workers, sending_worker
from tests.support.emulator import RunningEmulator
from tests.support.sends import outbound, wait_until

CUSTOMER = "+12095550171"


@pytest.fixture
def ringcentral(settings: Any, live_server: Any, emulator_factory: Any) -> RunningEmulator:
    callback = f"{live_server.url}/accounts/callback/"
    running = emulator_factory("--redirect-uri", callback, "--sms-step", "0.5")
    settings.WEBHOOK_BASE_URL = live_server.url
    return point_dashboard_at(settings, running, redirect_uri=callback)


@pytest.fixture
def worker(tmp_path: Path, ringcentral: RunningEmulator) -> Iterator[Worker]:
    with (
        cache_shared_with_workers() as prefix,
        sending_worker(
            tmp_path, ringcentral, name="team", env={"CACHE_KEY_PREFIX": prefix}, concurrency=2
        ) as started,
    ):
        yield started


def sign_in_as(browser: Any, live_server: Any, running: RunningEmulator, which: str) -> Any:
    """A new browser context with `which` signed in, on their inbox."""
    page = browser.new_context().new_page()
    page.set_default_timeout(15_000)
    sign_in(page, live_server, running, "/inbox/", which)
    expect(page.get_by_role("link", name="Inbox", exact=True)).to_be_visible()
    return page


def test_an_admin_connects_a_team_mailbox_and_a_member_replies_as_it(
    browser: Any, live_server: Any, ringcentral: RunningEmulator, worker: Worker
) -> None:
    sam = sign_in_as(browser, live_server, ringcentral, "agent")
    riley = sign_in_as(browser, live_server, ringcentral, "agent2")
    alex = sign_in_as(browser, live_server, ringcentral, "admin")
    support = ringcentral.user("201")
    first = make_sms(
        ringcentral.db_path, int(support["extension_id"]), other_number=CUSTOMER,
        text="Hi, my parcel never came", created_ts=time.time() - 300,
    )  # fmt: skip
    conversation = conversation_of(ringcentral.db_path, first)

    # the admin connects Support Line by signing in as it at RingCentral
    alex.get_by_role("link", name="Team mailboxes").click()
    alex.get_by_role("button", name="Connect a team mailbox").click()
    expect(alex.get_by_role("heading", name="Sign in to RingCentral")).to_be_visible()
    alex.get_by_label("Email or phone number").fill(support["username"])
    alex.get_by_label("Password").fill(support["password"])
    alex.get_by_role("button", name="Sign in", exact=True).click()
    expect(alex.get_by_role("heading", name="Team mailboxes")).to_be_visible()
    alex.get_by_role("link", name="Edit Support Line").click()
    alex.get_by_label("Sam Rivera").check()
    alex.get_by_label("Riley Chen").check()
    alex.get_by_role("button", name="Save Support Line").click()
    expect(alex.get_by_role("row", name="Support Line")).to_contain_text("Riley Chen, Sam Rivera")
    team = TeamMailbox.objects.get(extension_id=int(support["extension_id"]))

    # Sam finds it among his mailboxes, opens the conversation, takes it and replies
    sam.goto(f"{live_server.url}/inbox/")
    sam.get_by_label("Mailbox", exact=True).select_option(label="Support Line")
    sam.goto(f"{live_server.url}/inbox/{team.extension_id}/conversations/{conversation}/")
    expect(sam.get_by_role("heading", name="Reply by SMS")).to_be_visible()
    sam.get_by_role("button", name="Assign to me").click()
    expect(sam.get_by_text("Sam Rivera assigned this to themselves")).to_be_visible()
    sam.get_by_label("Message").fill("Sorry about that, a new one ships today.")
    sam.get_by_role("button", name="Send").click()
    bubble = sam.get_by_role("article").filter(has_text="a new one ships today")
    expect(bubble).to_contain_text("Sam via Support Line")

    send = Send.objects.get(extension_id=team.extension_id)

    def submitted() -> bool:
        send.refresh_from_db()
        return send.rc_message_id is not None

    wait_until(submitted, seconds=30, what=f"the send at RingCentral:\n{worker.output()}")
    (sent,) = [m for m in outbound(ringcentral, "201") if m["id"] == send.rc_message_id]
    assert sent["from"]["phoneNumber"] == support["sms_numbers"][0]
    assert sent["to"][0]["phoneNumber"] == CUSTOMER

    # Sam marks it Done
    sam.get_by_role("button", name="Close conversation").click()
    expect(sam.locator("[data-ownership-status]")).to_have_text("Done")

    # Riley, a member too, sees who of the team replied and that it is done
    riley.goto(f"{live_server.url}/inbox/{team.extension_id}/conversations/{conversation}/")
    expect(riley.get_by_role("article").filter(has_text="a new one ships today")).to_contain_text(
        "Sam via Support Line"
    )
    expect(riley.locator("[data-ownership-status]")).to_have_text("Done")
    expect(riley.locator("html[data-live=on]")).to_have_count(1)
    time.sleep(2.5)  # the page has its first change counter

    # the customer writes again: the conversation reopens on Riley's page, no reload
    inject_sms(ringcentral, to_extension="201", sender=CUSTOMER, text="It still has not come")
    expect(riley.get_by_role("article").filter(has_text="It still has not come")).to_be_visible(
        timeout=15_000
    )
    state = ConversationState.objects.get(extension_id=team.extension_id, thread_id=conversation)

    def reopened() -> bool:
        state.refresh_from_db()
        return state.status == ConversationState.Status.OPEN

    wait_until(reopened, seconds=15, what=f"the conversation reopened:\n{worker.output()}")
    expect(riley.locator("[data-ownership-status]")).to_have_text("Open", timeout=15_000)
    assert state.assignee is not None and state.assignee.first_name == "Sam"


def test_an_agent_who_is_not_a_member_gets_404_everywhere_in_it(
    browser: Any, live_server: Any, ringcentral: RunningEmulator
) -> None:
    alex = sign_in_as(browser, live_server, ringcentral, "admin")
    sam = sign_in_as(browser, live_server, ringcentral, "agent")
    billing = ringcentral.user("202")
    alex.get_by_role("link", name="Team mailboxes").click()
    alex.get_by_label("JWT credential").fill(billing["jwt"])
    alex.get_by_role("button", name="Connect with the JWT").click()
    expect(alex.get_by_role("heading", name="Billing")).to_be_visible()
    message = make_sms(ringcentral.db_path, int(billing["extension_id"]), text="Invoice?")
    conversation = conversation_of(ringcentral.db_path, message)
    base = f"{live_server.url}/inbox/{billing['extension_id']}"

    for path in (
        "/",
        f"/conversations/{conversation}/",
        f"/messages/{message}/",
        "/new/sms/",
        "/deleted/",
    ):
        answer = sam.goto(base + path)
        assert answer is not None and answer.status == 404, path
        expect(sam.get_by_role("heading", name="Page not found")).to_be_visible()
    api = sam.request.get(
        f"{live_server.url}/api/mailboxes/{billing['extension_id']}/conversations/"
    )
    assert api.status == 404
