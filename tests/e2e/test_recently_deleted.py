"""Recently deleted in real Chromium: a deleted conversation, found from the inbox's link,
restored with its row's button, and back in the inbox's list."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from inbox.models import AuditEntry
from tests.e2e.support import AGENT, sign_in
from tests.emulator.factories import conversation_of, make_sms, unique_number
from tests.inbox.support import availability
from tests.support.emulator import RunningEmulator


@pytest.fixture(autouse=True)
def own_cache(settings: Any) -> None:
    """The demo users' ids are the same in every emulator: a cache of this test's own."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"deleted-e2e-{uuid.uuid4().hex}",
        }
    }


def local(number: str) -> str:
    """`+12095550123` as the inbox shows it: `(209) 555-0123`."""
    return f"({number[2:5]}) {number[5:8]}-{number[8:]}"


def test_it_restores_a_deleted_conversation_into_the_inbox(
    page: Any, live_server: Any, ringcentral: RunningEmulator
) -> None:
    extension = int(ringcentral.user(AGENT)["extension_id"])
    customer = unique_number()
    ids = [
        make_sms(ringcentral.db_path, extension, other_number=customer,
                 text=f"Where is parcel {n}?", created_ts=time.time() - 60 + n,
                 availability="Deleted")
        for n in range(2)
    ]  # fmt: skip
    shown = local(customer)

    # the inbox does not show it; its "Recently deleted" link does
    sign_in(page, live_server, ringcentral, f"/inbox/{extension}/")
    expect(page.get_by_role("heading", name="Inbox", exact=True)).to_be_visible()
    inbox_rows = page.get_by_role("list", name="Inbox").get_by_role("listitem")
    expect(inbox_rows.filter(has_text=shown)).to_have_count(0)
    page.get_by_role("link", name="Recently deleted").click()
    expect(page.get_by_role("heading", name="Recently deleted")).to_be_visible()
    deleted_rows = page.get_by_role("list", name="Recently deleted").get_by_role("listitem")
    expect(deleted_rows.filter(has_text=shown)).to_contain_text("Where is parcel 1?")

    # restore it with its own button
    page.get_by_role("button", name=f"Restore the conversation with {shown}").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Restored 1 conversation (2 messages). It is back in the inbox."
    )
    expect(deleted_rows.filter(has_text=shown)).to_have_count(0)

    # back in the inbox, where it opens
    page.get_by_role("link", name=re.compile("Back to the inbox")).click()
    row = inbox_rows.filter(has_text=shown)
    expect(row).to_have_count(1)
    row.get_by_role("link").click()
    expect(page.get_by_text("Where is parcel 0?")).to_be_visible()
    conversation = conversation_of(ringcentral.db_path, ids[0])
    assert urlsplit(page.url).path == f"/inbox/{extension}/conversations/{conversation}/"

    assert availability(ringcentral, ids) == {"Alive": 2}
    entry = AuditEntry.objects.get(action=AuditEntry.Action.MESSAGES_RESTORE)
    assert (entry.outcome, entry.extension_id, entry.message_count) == ("done", extension, 2)
