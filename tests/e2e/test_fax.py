"""A fax from the browser: New fax with a cover page, then its status page turns Sent without
a reload (real Chromium, the live server, a real Celery worker and the emulator)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.accounts.support import point_dashboard_at
from tests.e2e.support import cache_of_its_own
from tests.inbox.fax.support import pdf_with_image
from tests.support.celery_worker import Worker, sending_worker
from tests.support.emulator import RunningEmulator


@pytest.fixture(autouse=True)
def own_cache(settings: Any) -> None:
    cache_of_its_own(settings, "fax-e2e")


@pytest.fixture
def faxing(settings: Any, live_server: Any, emulator_factory: Any) -> RunningEmulator:
    callback = f"{live_server.url}/accounts/callback/"
    running = emulator_factory("--redirect-uri", callback, "--fax-step", "0.5")
    return point_dashboard_at(settings, running, redirect_uri=callback)


@pytest.fixture
def worker(faxing: RunningEmulator, tmp_path: Path) -> Iterator[Worker]:
    with sending_worker(tmp_path, faxing, name="fax") as started:
        yield started


def test_it_sends_a_fax_with_a_cover_page_and_shows_it_sent(
    page: Any, live_server: Any, faxing: RunningEmulator, worker: Worker, tmp_path: Path
) -> None:
    document = tmp_path / "Invoice #42 & co.pdf"
    document.write_bytes(pdf_with_image(300_000))
    person = faxing.user("agent")
    page.goto(f"{live_server.url}/inbox/")
    page.get_by_label("Email or phone number").fill(person["username"])
    page.get_by_label("Password").fill(person["password"])
    page.get_by_role("button", name="Sign in", exact=True).click()

    page.get_by_role("link", name="New fax").click()
    expect(page.get_by_role("heading", name="New fax")).to_be_visible()
    page.get_by_label("To").fill("+1 650 555 0123")
    page.get_by_label("Cover page", exact=True).select_option(label="Confidential")
    page.get_by_label("Cover page text").fill("Please sign <today>")
    page.get_by_label("Low (plain text, faster)").check()
    page.get_by_label("Documents").set_input_files(str(document))
    page.get_by_role("button", name="Send fax").click()

    expect(page.get_by_role("heading", name="Fax to (650) 555-0123")).to_be_visible()
    expect(page.get_by_text("Your fax was accepted for sending")).to_be_visible()
    expect(page.get_by_text("Invoice _42 _ co.pdf")).to_be_visible()
    expect(page.get_by_text("Confidential: “Please sign <today>”")).to_be_visible()
    # no reload: the page follows the send until RingCentral says Sent
    expect(page.locator("[data-fax-label]")).to_have_text("Sent", timeout=45_000)
    expect(page).to_have_title(re.compile(r"^Fax Sent · "))
    expect(page.get_by_role("main")).not_to_contain_text(re.compile("queued", re.IGNORECASE))
    row = page.get_by_role("row", name="(650) 555-0123")
    expect(row.get_by_role("cell").first).to_have_text("Sent")
