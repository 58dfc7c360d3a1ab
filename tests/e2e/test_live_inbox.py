"""The live inbox in real Chromium: the emulator delivers webhook notifications to the live
server, which syncs and bumps the mailbox's change counter; open pages poll it and merge the
fresh page in without a reload.

The live tasks run in this process, each in a thread of its own after its countdown (a
stand-in for the worker, so that the worker, the live server and the test share one
in-memory cache); everything else — webhook, sync, RingCentral over HTTP — is the real path.
The send is made by the pipeline's own step, called here; its status then moves only by the
sync."""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from django.db import connections
from playwright.sync_api import expect

from accounts.models import User
from inbox import live_tasks
from inbox.live_sync import mailboxes_sync_due
from inbox.models import MailboxSubscription, MailboxSync, Send
from inbox.send_pipeline import send_process
from tests.accounts.support import point_dashboard_at
from tests.emulator.factories import conversation_of, make_sms
from tests.inbox.live_support import inject_sms
from tests.support.emulator import RunningEmulator
from tests.support.sends import sms_queue, tasks_record, wait_until

AGENT = "agent"


@pytest.fixture(autouse=True)
def own_cache(settings: Any) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"live-e2e-{uuid.uuid4().hex}",
        }
    }


@pytest.fixture(autouse=True)
def tasks_in_threads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[threading.Thread]]:
    """Live tasks run in threads here; the send pipeline's own tasks are not run at all."""
    tasks_record(monkeypatch)
    started: list[threading.Thread] = []
    for task in (live_tasks.rc_mailbox_sync, live_tasks.rc_subscription_ensure):

        def run(args: Any = None, kwargs: Any = None, *, _task: Any = task, **options: Any) -> None:
            def body() -> None:
                time.sleep(options.get("countdown") or 0)
                try:
                    _task.run(*(args or []), **(kwargs or {}))
                finally:
                    connections.close_all()

            thread = threading.Thread(target=body, daemon=True)
            started.append(thread)
            thread.start()

        monkeypatch.setattr(task, "apply_async", run)
    yield started
    for thread in started:
        thread.join(timeout=30)


@pytest.fixture
def ringcentral(settings: Any, live_server: Any, emulator_factory: Any) -> RunningEmulator:
    callback = f"{live_server.url}/accounts/callback/"
    running = emulator_factory("--redirect-uri", callback, "--sms-step", "0.5")
    settings.WEBHOOK_BASE_URL = live_server.url
    return point_dashboard_at(settings, running, redirect_uri=callback)


def sign_in(page: Any, live_server: Any, running: RunningEmulator, next_path: str) -> None:
    person = running.user(AGENT)
    page.goto(f"{live_server.url}{next_path}")
    expect(page.get_by_role("heading", name="Sign in to RingCentral")).to_be_visible()
    page.get_by_label("Email or phone number").fill(person["username"])
    page.get_by_label("Password").fill(person["password"])
    page.get_by_role("button", name="Sign in", exact=True).click()


def customer_thread(running: RunningEmulator) -> tuple[str, str]:
    customer = f"+1209{random.SystemRandom().randrange(2_000_000, 8_000_000)}"
    extension = running.user(AGENT)["extension_id"]
    first = make_sms(running.db_path, extension, other_number=customer,
                     text="Is my order ready?", created_ts=time.time() - 120)  # fmt: skip
    return f"/inbox/{extension}/conversations/{conversation_of(running.db_path, first)}/", customer


def subscribed(running: RunningEmulator) -> MailboxSubscription:
    extension = int(running.user(AGENT)["extension_id"])

    def active() -> bool:
        return MailboxSubscription.objects.filter(
            extension_id=extension, status=MailboxSubscription.Status.ACTIVE
        ).exists()

    wait_until(active, seconds=15, what="the subscription made at sign-in")
    return MailboxSubscription.objects.get(
        extension_id=extension, status=MailboxSubscription.Status.ACTIVE
    )


def test_an_inbound_sms_appears_in_the_open_list_and_thread(
    page: Any, live_server: Any, ringcentral: RunningEmulator
) -> None:
    path, customer = customer_thread(ringcentral)
    extension = ringcentral.user(AGENT)["extension_id"]
    sign_in(page, live_server, ringcentral, path)
    expect(page.get_by_role("heading", name="Reply by SMS")).to_be_visible()
    subscribed(ringcentral)
    page.get_by_label("Message").fill("A reply I am still writing")
    listing = page.context.new_page()
    listing.goto(f"{live_server.url}/inbox/{extension}/")
    expect(listing.locator("[data-conversations]")).to_be_visible()
    for open_page in (page, listing):
        expect(open_page.locator("html[data-live=on]")).to_have_count(1)
    time.sleep(2.5)  # both pages have their first counter
    title_before = listing.title()

    text = f"Where is my parcel? ({uuid.uuid4().hex[:6]})"
    inject_sms(ringcentral, to_extension="102", sender=customer, text=text)
    started = time.monotonic()

    expect(page.get_by_role("article").filter(has_text=text)).to_be_visible(timeout=5000)
    expect(listing.locator("[data-row]").filter(has_text=text)).to_be_visible(timeout=5000)
    assert time.monotonic() - started < 5.5
    # no reload: what the person was typing is still there
    expect(page.get_by_label("Message")).to_have_value("A reply I am still writing")
    expect(listing.locator("[data-row]").first).to_contain_text(text)
    assert listing.title() != title_before or "(" in listing.title()


def test_a_sent_sms_turns_delivered_without_a_reload(
    page: Any, live_server: Any, ringcentral: RunningEmulator
) -> None:
    path, customer = customer_thread(ringcentral)
    sign_in(page, live_server, ringcentral, path)
    expect(page.get_by_role("heading", name="Reply by SMS")).to_be_visible()
    subscribed(ringcentral)
    bob = User.objects.get(rc_extension_id=int(ringcentral.user(AGENT)["extension_id"]))
    text = f"It ships today ({uuid.uuid4().hex[:6]})"
    send = sms_queue(bob, text=text, to=customer)
    send_process(send_id=send.pk)  # the pipeline's step; its tracker is not run
    send.refresh_from_db()
    assert send.status == Send.Status.SUBMITTED

    bubble = page.get_by_role("article").filter(has_text=text)
    expect(bubble).to_be_visible(timeout=5000)
    expect(bubble).to_contain_text("Delivered", timeout=10000)
    send.refresh_from_db()
    assert send.rc_status == "Delivered" and send.finished_at is not None


def test_ten_open_pages_cost_no_ringcentral_calls_of_their_own(
    browser: Any, live_server: Any, ringcentral: RunningEmulator, settings: Any
) -> None:
    extension = ringcentral.user(AGENT)["extension_id"]
    first = browser.new_context()
    page = first.new_page()
    sign_in(page, live_server, ringcentral, f"/inbox/{extension}/")
    expect(page.locator("[data-conversations]")).to_be_visible()
    subscribed(ringcentral)
    state = first.storage_state()
    contexts = [first] + [browser.new_context(storage_state=state) for _ in range(9)]
    pages = [page] + [context.new_page() for context in contexts[1:]]
    try:
        for other in pages[1:]:
            other.goto(f"{live_server.url}/inbox/{extension}/")
        for open_page in pages:
            expect(open_page.locator("html[data-live=on]")).to_have_count(1)
        # the mailbox's first sync (an FSync) moves the counter once: every page fetches
        # itself again then, from one shared cached answer; the minute starts after that
        mailboxes_sync_due()
        wait_until(
            lambda: MailboxSync.objects.filter(synced_at__isnull=False).exists(),
            seconds=15,
            what="the first sync",
        )
        time.sleep(5)
        requests.delete(f"{ringcentral.url}/_emulator/requests", timeout=10)

        # a minute of open pages; the beat's periodic sync runs as configured
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            mailboxes_sync_due()
            time.sleep(settings.LIVE_SYNC_EVERY)

        records = requests.get(f"{ringcentral.url}/_emulator/requests", timeout=10).json()
        operations: dict[str, int] = {}
        for record in records["records"]:
            operations[record["operation"]] = operations.get(record["operation"], 0) + int(
                record["count"]
            )
        assert set(operations) <= {"syncMessages"}, operations
        assert operations.get("syncMessages", 0) <= 60 // settings.LIVE_SYNC_EVERY + 1
        for open_page in pages:
            assert open_page.evaluate("document.documentElement.dataset.live") == "on"
    finally:
        for context in contexts:
            context.close()
