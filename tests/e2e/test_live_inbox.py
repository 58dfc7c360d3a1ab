"""The live inbox in real Chromium, with a real Celery worker: the emulator delivers webhook
notifications to the live server, which records them and enqueues a sync; the worker process
takes the sync, calls RingCentral (the emulator, over HTTP) and bumps the mailbox's change
counter; open pages hear of it (their event stream, or the poll that stands in when the stream
is down) and merge the fresh page in without a reload.

The worker takes every live and send-pipeline task of the test (`LIVE_TASK_QUEUE` and
`SEND_TASK_QUEUE` name its queue, here and in its environment) and shares the live server's
cache under a key prefix of the test's own (`CACHE_KEY_PREFIX`): the counter, the coalescing
and lock keys, the tracker's token and the cached list and thread answers are one set of
entries for both, apart from other tests'. No in-process stand-in takes the worker's place.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import expect

from accounts.models import User
from inbox.live.selectors import live_counter_get
from inbox.live.sync import mailboxes_sync_due
from inbox.models import MailboxSubscription, MailboxSync, Send
from tests.accounts.support import point_dashboard_at
from tests.e2e.support import AGENT, customer_thread, sign_in
from tests.inbox.live.support import inject_sms
from tests.support.celery_worker import (
    Worker,
    cache_shared_with_workers,
    celery_beat,
    sending_worker,
)
from tests.support.emulator import RunningEmulator
from tests.support.sends import request_count, sms_queue, wait_until


@pytest.fixture
def ringcentral(settings: Any, live_server: Any, emulator_factory: Any) -> RunningEmulator:
    callback = f"{live_server.url}/accounts/callback/"
    running = emulator_factory("--redirect-uri", callback, "--sms-step", "0.5")
    settings.WEBHOOK_BASE_URL = live_server.url
    return point_dashboard_at(settings, running, redirect_uri=callback)


@pytest.fixture
def worker(tmp_path: Path, ringcentral: RunningEmulator) -> Iterator[Worker]:
    """The test's worker: its queue takes the live and the send tasks of this process, it
    calls the test's emulator, and it shares this process's cache under a fresh prefix. Two
    pool processes, so that a sync need not wait behind a send or its tracker."""
    with cache_shared_with_workers() as prefix:
        environment = {"CACHE_KEY_PREFIX": prefix}
        with sending_worker(
            tmp_path, ringcentral, name="live", env=environment, concurrency=2
        ) as started:
            yield started


def subscribed(running: RunningEmulator, worker: Worker) -> MailboxSubscription:
    """The subscription the worker made for the signed-in agent (sign-in enqueues it)."""
    extension = int(running.user(AGENT)["extension_id"])

    def active() -> bool:
        assert worker.process.poll() is None, f"the worker stopped:\n{worker.output()}"
        return MailboxSubscription.objects.filter(
            extension_id=extension, status=MailboxSubscription.Status.ACTIVE
        ).exists()

    wait_until(active, seconds=30, what="the subscription made at sign-in by the worker")
    return MailboxSubscription.objects.get(
        extension_id=extension, status=MailboxSubscription.Status.ACTIVE
    )


def mailbox_sync_of(running: RunningEmulator) -> MailboxSync | None:
    extension = int(running.user(AGENT)["extension_id"])
    return MailboxSync.objects.filter(extension_id=extension).first()


def counter_of(user: User) -> int:
    assert user.rc_account_id is not None and user.rc_extension_id is not None
    return live_counter_get(account_id=user.rc_account_id, extension_id=user.rc_extension_id)


def test_an_inbound_sms_appears_in_the_open_list_and_thread(
    page: Any, live_server: Any, ringcentral: RunningEmulator, worker: Worker
) -> None:
    path, customer = customer_thread(ringcentral)
    extension = ringcentral.user(AGENT)["extension_id"]
    sign_in(page, live_server, ringcentral, path)
    expect(page.get_by_role("heading", name="Reply by SMS")).to_be_visible()
    subscription = subscribed(ringcentral, worker)
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
    # the path it took: a notification at the webhook, then the worker's sync
    subscription.refresh_from_db()
    assert subscription.events >= 1
    state = mailbox_sync_of(ringcentral)
    assert state is not None and state.syncs >= 1 and state.change_counter >= 1
    assert request_count(ringcentral, operation="syncMessages", status=200) >= 1


def test_a_sent_sms_turns_delivered_without_a_reload(
    page: Any, live_server: Any, ringcentral: RunningEmulator, worker: Worker
) -> None:
    """The send is queued the ordinary way (enqueued when its row commits) and the worker
    sends it. Its pipeline's tracker runs too, as in production, and may write Delivered to
    the send's row first; but the page cannot learn that from the tracker: the tracker bumps
    no change counter, and the page's own send poll (static/js/sending.js) never runs, as the
    page had no unfinished send when it loaded. What moves the page is the sync the webhook
    triggers: its counter bump makes the page fetch itself again (`X-Live-Refresh`), and that
    fetch shows the bubble, then Delivered."""
    path, customer = customer_thread(ringcentral)
    sign_in(page, live_server, ringcentral, path)
    expect(page.get_by_role("heading", name="Reply by SMS")).to_be_visible()
    expect(page.locator("[data-sends-status]")).to_have_count(0)
    subscribed(ringcentral, worker)
    expect(page.locator("html[data-live=on]")).to_have_count(1)
    refreshes: list[str] = []
    status_polls: list[str] = []

    def note(request: Any) -> None:
        if request.headers.get("x-live-refresh"):
            refreshes.append(request.url)
        elif "/sends/status/" in request.url:
            status_polls.append(request.url)

    page.on("request", note)
    bob = User.objects.get(rc_extension_id=int(ringcentral.user(AGENT)["extension_id"]))
    counter_before = counter_of(bob)
    text = f"It ships today ({uuid.uuid4().hex[:6]})"
    send = sms_queue(bob, text=text, to=customer)

    bubble = page.get_by_role("article").filter(has_text=text)
    expect(bubble).to_be_visible(timeout=10000)
    expect(bubble).to_contain_text("Delivered", timeout=15000)
    send.refresh_from_db()
    assert send.status == Send.Status.SUBMITTED and send.rc_message_id is not None
    assert send.rc_status == "Delivered" and send.finished_at is not None
    assert request_count(ringcentral, operation="createSMSMessage", status=200) == 1
    # the live path moved the page: syncs ran in the worker and bumped the counter, and the
    # page fetched itself again for it; it never asked for the send's status
    state = mailbox_sync_of(ringcentral)
    assert state is not None and state.syncs >= 1
    assert request_count(ringcentral, operation="syncMessages", status=200) >= 1
    assert counter_of(bob) > counter_before
    assert refreshes and all(path in url for url in refreshes), refreshes
    assert status_polls == []


def test_ten_open_pages_cost_no_ringcentral_calls_of_their_own(
    browser: Any,
    live_server: Any,
    ringcentral: RunningEmulator,
    worker: Worker,
    settings: Any,
    tmp_path: Path,
) -> None:
    """Ten pages sit on an unchanged inbox for a minute while Celery beat schedules the
    periodic sync onto the worker: the only RingCentral calls are those syncs."""
    extension = ringcentral.user(AGENT)["extension_id"]
    first = browser.new_context()
    page = first.new_page()
    sign_in(page, live_server, ringcentral, f"/inbox/{extension}/")
    expect(page.locator("[data-conversations]")).to_be_visible()
    subscribed(ringcentral, worker)
    state = first.storage_state()
    contexts = [first] + [browser.new_context(storage_state=state) for _ in range(9)]
    pages = [page] + [context.new_page() for context in contexts[1:]]
    try:
        for other in pages[1:]:
            other.goto(f"{live_server.url}/inbox/{extension}/")
        for open_page in pages:
            expect(open_page.locator("html[data-live=on]")).to_have_count(1)
        # the mailbox's first sync (an FSync) moves the counter once: every page fetches
        # itself again then, from one shared cached answer; the minute starts after that.
        # What beat's task runs, called here so as not to wait for beat's first tick:
        # it enqueues the sync to the worker.
        mailboxes_sync_due()

        def first_synced() -> bool:
            synced = mailbox_sync_of(ringcentral)
            return synced is not None and synced.synced_at is not None

        wait_until(first_synced, seconds=30, what="the first sync, by the worker")
        time.sleep(5)
        beat_env = {"LIVE_SYNC_EVERY": str(settings.LIVE_SYNC_EVERY)}
        with celery_beat(tmp_path, worker, env=beat_env) as beat_log:
            requests.delete(f"{ringcentral.url}/_emulator/requests", timeout=10)
            syncs_before = mailbox_sync_of(ringcentral)
            assert syncs_before is not None
            time.sleep(60)  # a minute of open pages
            records = requests.get(f"{ringcentral.url}/_emulator/requests", timeout=10).json()

        operations: dict[str, int] = {}
        for record in records["records"]:
            operations[record["operation"]] = operations.get(record["operation"], 0) + int(
                record["count"]
            )
        assert set(operations) <= {"syncMessages"}, operations
        # beat's first tick comes one interval after it starts: two or three in the minute
        expected = 60 // settings.LIVE_SYNC_EVERY
        assert expected - 1 <= operations.get("syncMessages", 0) <= expected + 1, (
            operations,
            beat_log.read_text(errors="replace")[-2000:],
        )
        synced = mailbox_sync_of(ringcentral)
        assert synced is not None and synced.syncs - syncs_before.syncs == operations.get(
            "syncMessages", 0
        )
        for open_page in pages:
            assert open_page.evaluate("document.documentElement.dataset.live") == "on"
    finally:
        for context in contexts:
            context.close()
