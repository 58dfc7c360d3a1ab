"""Search in real Chromium.

- A message arriving at RingCentral is found by a word in it within the live-update time: the
  person presses `/`, types the word in the sidebar's box and submits; the emulator's webhook
  reaches the live server, a real Celery worker syncs the mailbox into the index, and the
  search page shows the hit (rendered with it, or brought by its live update).
- A hit opens its thread at the message: on the thread's page that holds it (an old message of
  a long thread is on the second), marked by the :target style and in view, not scrolled past
  to the newest message.
- axe-core finds nothing serious or critical on the search page (hits, no match, nothing asked
  yet) in either theme, at a desktop's size and a phone's.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from accounts.models import User
from inbox.live.sync import mailbox_counter_bump, mailbox_sync, mailboxes_sync_due
from inbox.models import MailboxSubscription, MailboxSync
from tests.accounts.support import point_dashboard_at
from tests.e2e.support import AGENT, cache_of_its_own, customer_thread, sign_in
from tests.e2e.test_accessibility import BLOCKING, axe_violations
from tests.emulator.factories import conversation_of, make_sms, unique_number
from tests.inbox.live.support import inject_sms
from tests.support.celery_worker import Worker, cache_shared_with_workers, sending_worker
from tests.support.emulator import RunningEmulator
from tests.support.sends import wait_until

LIVE_BOUND = 5.0  # seconds: what the live inbox's browser tests allow an arrival
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
THREAD_PAGE = 100


@pytest.fixture
def ringcentral(settings: Any, live_server: Any, emulator_factory: Any) -> RunningEmulator:
    """An emulator that sends people back to the live server after they sign in and delivers
    its webhook notifications to it."""
    callback = f"{live_server.url}/accounts/callback/"
    running = emulator_factory("--redirect-uri", callback, "--sms-step", "0.5")
    settings.WEBHOOK_BASE_URL = live_server.url
    return point_dashboard_at(settings, running, redirect_uri=callback)


@pytest.fixture
def worker(tmp_path: Path, ringcentral: RunningEmulator) -> Iterator[Worker]:
    """A worker for this test's live and send tasks, sharing this process's cache under a
    prefix of its own (as the live inbox's tests run theirs)."""
    with (
        cache_shared_with_workers() as prefix,
        sending_worker(
            tmp_path, ringcentral, name="search", env={"CACHE_KEY_PREFIX": prefix}, concurrency=2
        ) as started,
    ):
        yield started


def agent_of(running: RunningEmulator) -> User:
    return User.objects.get(rc_extension_id=int(running.user(AGENT)["extension_id"]))


def indexed(running: RunningEmulator) -> bool:
    extension = int(running.user(AGENT)["extension_id"])
    return MailboxSync.objects.filter(extension_id=extension, indexed_at__isnull=False).exists()


def sidebar_box(page: Any) -> Any:
    return page.get_by_role("search", name="Quick search").get_by_label("Search", exact=True)


def test_the_sidebar_finds_an_arriving_message_by_a_word_within_the_live_update_time(
    page: Any, live_server: Any, ringcentral: RunningEmulator, worker: Worker
) -> None:
    _, customer = customer_thread(ringcentral)
    extension = int(ringcentral.user(AGENT)["extension_id"])
    sign_in(page, live_server, ringcentral, f"/inbox/{extension}/")
    expect(page.locator("[data-conversations]")).to_be_visible()

    def subscribed() -> bool:
        assert worker.process.poll() is None, f"the worker stopped:\n{worker.output()}"
        return MailboxSubscription.objects.filter(
            extension_id=extension, status=MailboxSubscription.Status.ACTIVE
        ).exists()

    wait_until(subscribed, seconds=30, what="the subscription made at sign-in by the worker")
    mailboxes_sync_due()  # what beat runs: the first sync, on the worker
    wait_until(lambda: indexed(ringcentral), seconds=30, what="the first sync, by the worker")
    page.locator("html[data-live=on]").wait_for(state="attached")
    word = f"marmalade{uuid.uuid4().hex[:6]}"

    inject_sms(ringcentral, to_extension="102", sender=customer, text=f"Is the {word} jar here?")
    started = time.monotonic()
    page.keyboard.press("/")
    box = sidebar_box(page)
    expect(box).to_be_focused()
    box.fill(word)
    box.press("Enter")

    hit = page.locator("[data-search-hit]").filter(has_text=word)
    expect(hit).to_be_visible(timeout=LIVE_BOUND * 1000)
    assert time.monotonic() - started < LIVE_BOUND + 0.5
    expect(page).to_have_url(f"{live_server.url}/inbox/search/?q={word}")
    expect(hit.locator("mark")).to_have_text(word)
    expect(hit).to_contain_text("Received")
    # the path it took: the webhook's sync, on the worker, wrote it into the index
    state = MailboxSync.objects.get(extension_id=extension)
    assert state.syncs >= 2 and state.change_counter >= 1


def test_a_hit_opens_its_thread_at_the_message_marked_and_in_view(
    page: Any, live_server: Any, ringcentral: RunningEmulator, settings: Any
) -> None:
    cache_of_its_own(settings, "search-hit")
    extension = int(ringcentral.user(AGENT)["extension_id"])
    customer = unique_number()
    start = time.time() - 2 * 86400
    count = THREAD_PAGE + 60
    target = 10  # 149 newer: the thread's second page, far from that page's newest
    ids = [
        make_sms(ringcentral.db_path, extension, other_number=customer,
                 text="The heron has landed" if n == target else f"Update number {n}",
                 created_ts=start + 60 * n, direction="Inbound" if n % 2 else "Outbound")
        for n in range(count)
    ]  # fmt: skip
    sign_in(page, live_server, ringcentral, "/inbox/search/")
    expect(page.get_by_role("heading", name="Search", exact=True)).to_be_visible()
    agent = agent_of(ringcentral)
    assert agent.rc_account_id is not None
    assert mailbox_sync(account_id=agent.rc_account_id, extension_id=extension).full
    page.set_viewport_size(DESKTOP)

    page.get_by_label("Search messages, numbers and names").fill("heron")
    page.get_by_role("button", name="Search", exact=True).click()
    hit = page.locator("[data-search-hit]").filter(has_text="The heron has landed")
    expect(hit).to_have_count(1)
    expect(page).to_have_url(f"{live_server.url}/inbox/search/?q=heron")  # htmx pushed it
    hit.get_by_role("link").click()

    conversation = conversation_of(ringcentral.db_path, ids[0])
    expect(page).to_have_url(
        f"{live_server.url}/inbox/{extension}/conversations/{conversation}/"
        f"?page=2#message-{ids[target]}"
    )
    message = page.locator(f"#message-{ids[target]}")
    expect(message).to_be_visible()
    page.wait_for_load_state("load")
    expect(message).to_be_in_viewport()
    assert message.evaluate("node => node.matches(':target')")
    assert message.evaluate("node => getComputedStyle(node).outlineStyle") == "solid"
    # the page's newest message is far below, out of sight: the target was not scrolled past
    expect(page.locator(f"#message-{ids[count - THREAD_PAGE - 1]}")).not_to_be_in_viewport()


def test_a_live_refresh_answered_after_a_new_search_leaves_the_new_results(
    page: Any, live_server: Any, ringcentral: RunningEmulator, settings: Any
) -> None:
    """A change in the mailbox makes the open page fetch itself again; should the person
    search for something else before that answer comes, the answer (of the search they left)
    is not morphed over the new results."""
    cache_of_its_own(settings, "search-stale")
    extension = int(ringcentral.user(AGENT)["extension_id"])
    for text in ("The heron has landed", "An otter was seen by the pier"):
        make_sms(ringcentral.db_path, extension, text=text, created_ts=time.time() - 600)
    sign_in(page, live_server, ringcentral, "/inbox/search/")
    agent = agent_of(ringcentral)
    assert agent.rc_account_id is not None
    assert mailbox_sync(account_id=agent.rc_account_id, extension_id=extension).full
    page.goto(f"{live_server.url}/inbox/search/?q=heron")
    page.locator("html[data-live-stream=open]").wait_for(state="attached")
    expect(page.locator("[data-search-hit]").filter(has_text="heron")).to_have_count(1)
    page.evaluate(
        """() => { window.liveRefreshed = 0; document.addEventListener("inbox:live-refreshed",
        () => { window.liveRefreshed += 1; }); }"""
    )

    # the page's refresh after a change is held back at the network ...
    held: list[Any] = []

    def hold(route: Any) -> None:
        if route.request.headers.get("x-live-refresh") and "q=heron" in route.request.url:
            held.append(route)
        else:
            route.continue_()

    page.route("**/inbox/search/**", hold)
    mailbox_counter_bump(account_id=agent.rc_account_id, extension_id=extension)
    for _ in range(100):  # the handler runs while Playwright waits
        if held:
            break
        page.wait_for_timeout(100)
    assert held, "the page did not fetch itself after the change"

    # ... while the person searches for something else
    page.get_by_label("Search messages, numbers and names").fill("otter")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator("[data-search-hit]").filter(has_text="otter")).to_have_count(1)
    expect(page).to_have_url(f"{live_server.url}/inbox/search/?q=otter")

    held[0].continue_()  # the answer of the search left comes in
    page.wait_for_function("() => window.liveRefreshed >= 1")
    expect(page.locator("[data-search-hit]").filter(has_text="otter")).to_have_count(1)
    expect(page.locator("[data-search-hit]").filter(has_text="heron")).to_have_count(0)
    assert page.get_by_label("Search messages, numbers and names").input_value() == "otter"


def test_the_search_page_has_no_serious_accessibility_violation(
    browser: Any, live_server: Any, ringcentral: RunningEmulator, settings: Any
) -> None:
    cache_of_its_own(settings, "search-axe")
    extension = int(ringcentral.user(AGENT)["extension_id"])
    customer = unique_number()
    make_sms(ringcentral.db_path, extension, other_number=customer,
             text="<b>Where</b> is my parcel? The tracking page says nothing.",
             created_ts=time.time() - 3600)  # fmt: skip
    make_sms(ringcentral.db_path, extension, other_number=customer, direction="Outbound",
             text="Your parcel left the depot.", created_ts=time.time() - 600)  # fmt: skip
    context = browser.new_context(viewport=DESKTOP)
    context.set_default_timeout(15_000)
    page = context.new_page()
    sign_in(page, live_server, ringcentral, "/inbox/search/")
    expect(page.get_by_role("heading", name="Search", exact=True)).to_be_visible()
    agent = agent_of(ringcentral)
    assert agent.rc_account_id is not None
    assert mailbox_sync(account_id=agent.rc_account_id, extension_id=extension).full
    state = context.storage_state()
    context.close()

    seen: list[str] = []
    for theme in ("light", "dark"):
        themed = browser.new_context(storage_state=state, viewport=DESKTOP)
        themed.set_default_timeout(15_000)
        themed.add_cookies([{"name": "theme", "value": theme, "url": live_server.url}])
        page = themed.new_page()
        page.emulate_media(color_scheme=theme)
        for size in (DESKTOP, PHONE):
            page.set_viewport_size(size)
            for query, ready in (
                ("parcel", "[data-search-hit]"),
                ("", '[data-search-empty="start"]'),
                ("nothing-like-this", '[data-search-empty="no-match"]'),
                ("parcel&start=soon", "#id_start_error .field-error"),
            ):
                page.goto(f"{live_server.url}/inbox/search/?q={query}")
                expect(page.locator(ready).first).to_be_visible()
                page.wait_for_load_state("load")
                for violation in axe_violations(page):
                    if violation["impact"] in BLOCKING:
                        where = f"{theme} {size['width']}px q={query}"
                        nodes = "; ".join(node["target"] for node in violation["nodes"])
                        seen.append(f"{where}: {violation['id']} {violation['help']} ({nodes})")
        themed.close()

    assert not seen, "\n".join(seen)
