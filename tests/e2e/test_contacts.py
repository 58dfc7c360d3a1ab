"""The address book in real Chromium: from a conversation's details, "Add to contacts" in one
submit, after which the thread and its list row show the contact's name; then the contacts
exported as a CSV download, deleted, and imported back from that file through the page."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from inbox.models import Contact
from tests.e2e.support import cache_of_its_own, customer_thread, sign_in
from tests.e2e.test_accessibility import BLOCKING, axe_violations
from tests.support.emulator import RunningEmulator

DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
def own_cache(settings: Any) -> None:
    cache_of_its_own(settings, "contacts-e2e")


def blocking(page: Any) -> list[str]:
    return [v["id"] for v in axe_violations(page) if v["impact"] in BLOCKING]


def test_add_to_contacts_from_a_thread_then_export_and_import(
    page: Any, live_server: Any, ringcentral: RunningEmulator, tmp_path: Path
) -> None:
    page.set_viewport_size(DESKTOP)
    thread, customer = customer_thread(ringcentral)
    sign_in(page, live_server, ringcentral, thread)
    details = page.get_by_role("complementary", name="Details")
    expect(details.get_by_role("button", name="Add to contacts")).to_be_visible()

    details.get_by_label(re.compile("Contact name for")).fill("Fatima Rossi")
    details.get_by_role("button", name="Add to contacts").click()

    expect(page.get_by_role("heading", level=1, name="Fatima Rossi")).to_be_visible()
    expect(details.get_by_role("link", name="Edit contact Fatima Rossi")).to_be_visible()
    expect(details.get_by_role("button", name="Add to contacts")).to_have_count(0)
    row = page.locator(f"#list-pane a[href^='{thread}']")
    expect(row).to_contain_text("Fatima Rossi")

    # the list of contacts, and the export as a download
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Contacts").click()
    expect(page.get_by_role("heading", level=1, name="Contacts")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Fatima Rossi"))).to_be_visible()
    assert blocking(page) == []
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export contacts as CSV").click()
    exported = tmp_path / "contacts.csv"
    download_info.value.save_as(exported)
    text = exported.read_text(encoding="utf-8")
    assert text.splitlines() == ["name,company,notes,numbers", f"Fatima Rossi,,,'{customer}"]

    # deleted, then imported back from the file downloaded
    page.get_by_role("link", name="Delete the contact Fatima Rossi…").click()
    page.get_by_role("button", name="Delete the contact Fatima Rossi").click()
    expect(page.get_by_text("Deleted the contact Fatima Rossi.")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Fatima Rossi"))).to_have_count(0)
    page.get_by_role("link", name="Import contacts from CSV").click()
    page.get_by_label("CSV file").set_input_files(str(exported))
    page.get_by_role("button", name="Import the file").click()
    expect(page.get_by_role("heading", name="Imported 1 contact")).to_be_visible()
    assert blocking(page) == []
    assert list(Contact.objects.values_list("name", flat=True)) == ["Fatima Rossi"]

    # the thread names the imported contact again, on a phone too
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}{thread}")
    expect(page.get_by_role("heading", level=1, name="Fatima Rossi")).to_be_visible()
    page.goto(f"{live_server.url}/contacts/")
    expect(page.get_by_role("link", name="Edit the contact Fatima Rossi")).to_be_visible()
    assert blocking(page) == []
