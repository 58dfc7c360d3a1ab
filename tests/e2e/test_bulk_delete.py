"""An admin's bulk delete in real Chromium, with a real Celery worker and the emulator (rate
limits on, Medium 1 request per 3 s, so the job takes a few seconds and the bar is seen to
move): select every conversation of a filter, preview, type the count, watch the progress,
read the report; restore from the job's page; purge with its own typed confirmation. The
emulator's store and the audit log are checked after each step."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from accounts.models import User
from inbox.models import AuditEntry, BulkDeleteJob
from tests.accounts.support import point_dashboard_at
from tests.e2e.support import cache_of_its_own
from tests.emulator.factories import conversation_of, make_sms
from tests.inbox.support import availability, day_of, own_day
from tests.support.celery_worker import Worker, sending_worker
from tests.support.emulator import RunningEmulator

CONVERSATIONS = 150  # three DeleteMessagesByFilter calls of 50
# two Medium calls a window: the sign-in's two (the pages' directory here, the subscription in
# the worker, each under a budget of its own without Redis) fit, and the job's three deletes
# still take two windows, so the bar is seen between 0 and 150
MEDIUM = "Medium=2"
WINDOW = "3"


@pytest.fixture(autouse=True)
def own_cache(settings: Any) -> None:
    cache_of_its_own(settings, "bulk-e2e")


@pytest.fixture
def bulk(
    settings: Any, live_server: Any, emulator_factory: Any, tmp_path: Path
) -> Iterator[tuple[RunningEmulator, Worker]]:
    """The emulator with a slow Medium limit, and a worker the job's tasks are routed to."""
    callback = f"{live_server.url}/accounts/callback/"
    # and should a 429 come all the same, its penalty is a window, not a 60-second trap that
    # would decide whether the job's steps finish within the test's waits
    running = emulator_factory(
        "--redirect-uri", callback, "--rate-limit", MEDIUM, "--rate-window", WINDOW,
        "--rate-penalty", WINDOW, rate_limits=True,
    )  # fmt: skip
    point_dashboard_at(settings, running, redirect_uri=callback)
    with sending_worker(tmp_path, running, name="e2e-bulk") as worker:
        yield running, worker


def served(running: RunningEmulator) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = requests.get(
        f"{running.url}/_emulator/requests", timeout=10
    ).json()["records"]
    return records


def delete_calls(running: RunningEmulator) -> int:
    return sum(r["count"] for r in served(running) if r["operation"] == "deleteMessageByFilter")


def watch_progress(page: Any, *, seconds: float = 60) -> tuple[list[int], set[str]]:
    """The bar's values, and the progress sentences, read on the page as it is (no reload)
    until the report shows."""
    page.evaluate("window.stillTheSamePage = true")  # gone when the page reloads
    bar = page.get_by_role("progressbar", name="Progress")
    seen: list[int] = []
    sentences: set[str] = set()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            state = page.evaluate(
                """() => {
                    const bar = document.querySelector('[data-progress-bar]');
                    const text = (selector) => {
                        const node = document.querySelector(selector);
                        return node && !node.hidden ? node.textContent : "";
                    };
                    return {same: window.stillTheSamePage === true,
                            value: bar ? Number(bar.value) : null,
                            sentences: [text('[data-heading]'), text('[data-counts]'),
                                        text('[data-pace]')]};
                }"""
            )
        except PlaywrightError:
            break  # the page is reloading: the job has ended
        if not state["same"]:
            break  # the job ended and the page reloaded for its report
        if state["value"] is not None and (not seen or seen[-1] != state["value"]):
            seen.append(int(state["value"]))
        sentences.update(text for text in state["sentences"] if text)
        time.sleep(0.1)
    expect(bar).to_be_visible()
    return seen, sentences


def test_an_admin_deletes_restores_and_purges_a_filters_conversations(
    page: Any, live_server: Any, bulk: tuple[RunningEmulator, Worker]
) -> None:
    running, worker = bulk
    admin = running.user("admin")
    extension = int(admin["extension_id"])
    day, _ = own_day()
    message_ids = [
        make_sms(running.db_path, extension, other_number=f"+1209555{n:04d}",
                 text=f"Old thread {n}", created_ts=day + 60 * n)
        for n in range(CONVERSATIONS)
    ]  # fmt: skip
    conversations = sorted(conversation_of(running.db_path, m) for m in message_ids)

    # sign in, open the list and filter it to that day
    page.goto(f"{live_server.url}/inbox/{extension}/")
    expect(page.get_by_role("heading", name="Sign in to RingCentral")).to_be_visible()
    page.get_by_label("Email or phone number").fill(admin["username"])
    page.get_by_label("Password").fill(admin["password"])
    page.get_by_role("button", name="Sign in", exact=True).click()
    filters = page.get_by_role("search", name="Filter conversations")
    filters.get_by_text("More filters").click()
    filters.get_by_label("From", exact=True).fill(day_of(day))
    filters.get_by_label("To", exact=True).fill(day_of(day))
    filters.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("checkbox", name="Select the conversation with").first).to_be_visible()
    select_all = page.get_by_label(f"Select all {CONVERSATIONS} conversations matching")
    select_all.check()
    page.get_by_role("button", name="Delete selected…").click()

    # the preview: what would go; a wrong count starts nothing
    expect(
        page.get_by_role("heading", name=f"Delete {CONVERSATIONS} conversations?")
    ).to_be_visible()
    expect(page.get_by_text(f"Type {CONVERSATIONS} to confirm")).to_be_visible()
    page.get_by_label(f"Type {CONVERSATIONS} to confirm").fill(str(CONVERSATIONS - 1))
    page.get_by_role("button", name=f"Delete {CONVERSATIONS} conversations").click()
    expect(page.get_by_role("status").filter(has_text="does not match")).to_be_visible()
    job = BulkDeleteJob.objects.get()
    assert job.status == BulkDeleteJob.Status.PREVIEWED
    assert delete_calls(running) == 0

    # without Redis the live server and the worker keep rate budgets of their own: let the
    # pages' Medium call (the directory's listExtensions) leave the window first
    time.sleep(float(WINDOW) + 0.2)
    page.get_by_label(f"Type {CONVERSATIONS} to confirm").fill(str(CONVERSATIONS))
    page.get_by_role("button", name=f"Delete {CONVERSATIONS} conversations").click()
    expect(
        page.get_by_role("heading", name=f"Bulk delete: {CONVERSATIONS} conversations")
    ).to_be_visible()

    # the bar moves without a reload, then the report
    seen, sentences = watch_progress(page)
    moving = [value for value in seen if 0 < value < CONVERSATIONS]
    print(f"\nprogress values seen on the page: {seen}\nand sentences: {sorted(sentences)}")
    assert len(set(seen)) >= 2 and moving, (seen, worker.output())
    assert seen == sorted(seen)
    # the script words its updates as the page does: plain sentences, no stray separators
    for sentence in sentences:
        assert re.fullmatch(
            rf"Deletion queued|Deleting conversations…|Deletion finished"
            rf"|[\d,]+ of {CONVERSATIONS} conversations deleted"
            # the time left is left out once nothing is left but the job has not yet ended
            rf"|About [\d,]+ an? (second|minute|hour)"
            rf"(; about [\d,]+ (second|minute|hour)s? left)?",
            sentence,
        ), sentence
    assert f"{moving[0]} of {CONVERSATIONS} conversations deleted" in sentences
    expect(page.get_by_role("heading", name="Deletion finished")).to_be_visible(timeout=30_000)
    report = page.get_by_role("region", name="Report")
    expect(report).to_contain_text(
        f"{CONVERSATIONS} of {CONVERSATIONS} conversations deleted.", timeout=30_000
    )
    assert availability(running, message_ids) == {"Deleted": CONVERSATIONS}
    assert delete_calls(running) == 3

    # restore, from the job's page
    page.get_by_role("button", name="Restore the deleted conversations").click()
    expect(
        page.get_by_role("heading", name=f"Bulk restore: {CONVERSATIONS} conversations")
    ).to_be_visible()
    expect(page.get_by_role("region", name="Report")).to_contain_text(
        f"{CONVERSATIONS} of {CONVERSATIONS} conversations restored.", timeout=60_000
    )
    expect(page.get_by_role("heading", name="Restore finished")).to_be_visible()
    assert availability(running, message_ids) == {"Alive": CONVERSATIONS}

    # purge: its own typed confirmation
    page.get_by_label(f"Type {CONVERSATIONS} to purge").fill("15")
    page.get_by_role("button", name=f"Purge {CONVERSATIONS} conversations").click()
    expect(page.get_by_role("status").filter(has_text="does not match")).to_be_visible()
    assert availability(running, message_ids) == {"Alive": CONVERSATIONS}
    page.get_by_label(f"Type {CONVERSATIONS} to purge").fill(str(CONVERSATIONS))
    page.get_by_role("button", name=f"Purge {CONVERSATIONS} conversations").click()
    expect(page.get_by_role("region", name="Report")).to_contain_text(
        f"{CONVERSATIONS} of {CONVERSATIONS} conversations purged.", timeout=60_000
    )
    expect(page.get_by_role("button", name="Restore the deleted conversations")).to_have_count(0)
    assert availability(running, message_ids) == {"Purged": CONVERSATIONS}
    assert delete_calls(running) == 6
    # the job's own calls were never refused (the sign-in's subscription is not the job's)
    jobs_calls = {"deleteMessageByFilter", "patchMessage", "listMessages"}
    assert not [r for r in served(running) if r["status"] == 429 and r["operation"] in jobs_calls]

    # the audit log: exactly what was done, by whom, from where
    person = User.objects.get(rc_extension_id=extension)
    entries = list(AuditEntry.objects.order_by("id"))
    assert [e.action for e in entries] == [
        AuditEntry.Action.BULK_DELETE,
        AuditEntry.Action.BULK_RESTORE,
        AuditEntry.Action.BULK_PURGE,
    ]
    for entry in entries:
        assert entry.actor == person
        assert entry.ip_address == "127.0.0.1"
        assert entry.outcome == AuditEntry.Outcome.DONE
        assert entry.extension_id == extension
        assert sorted(int(c) for c in entry.conversation_ids) == conversations
        assert entry.message_count == CONVERSATIONS
    page.get_by_role("main").get_by_role("link", name="Audit log").click()
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit log")
    ).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("cell", name="Purged conversations in bulk")).to_be_visible()
