"""A person's own change (read state, deleting, restoring) shows in the lists of an indexed
mailbox on the very next page, before RingCentral's notification brings the sync; the sync's
record of the same change then replaces the row as usual."""

from __future__ import annotations

import time

from django.test import Client
from django.urls import reverse

from accounts.models import User
from inbox.models import IndexedMessage
from tests.emulator.factories import conversation_of, make_sms
from tests.inbox.index.conftest import mailbox_of, sync
from tests.inbox.support import rc_calls
from tests.support.emulator import RunningEmulator

CUSTOMER = "+12095550166"


def row_of(page: str, conversation_id: int) -> str:
    start = page.index(f"/conversations/{conversation_id}/")
    row_start = page.rfind("<li", 0, start)
    return page[row_start : page.index("</li>", start)]


def test_marks_and_deletes_show_in_the_indexed_list_before_the_next_sync(
    fresh_rc: RunningEmulator, bob: User, bob_browser: Client
) -> None:
    _, extension_id = mailbox_of(bob)
    first = make_sms(
        fresh_rc.db_path, extension_id, other_number=CUSTOMER, text="Any news?",
        created_ts=time.time() - 600, read_status="Read",
    )  # fmt: skip
    conversation = conversation_of(fresh_rc.db_path, first)
    sync(bob)
    listing = reverse("inbox:conversations", args=[extension_id])
    assert "is-unread" not in row_of(bob_browser.get(listing).content.decode(), conversation)

    marked = bob_browser.post(
        reverse("inbox:conversation_read_status", args=[extension_id, conversation]),
        {"read_status": "Unread", "next": listing},
    )
    assert marked.status_code == 302
    since = time.time()
    page = bob_browser.get(listing).content.decode()

    assert "Unread" in row_of(page, conversation)
    assert rc_calls(fresh_rc, since) == 0  # straight from the index, no sync in between
    assert IndexedMessage.objects.get(message_id=first).read_status == "Unread"

    deleted = bob_browser.post(
        reverse("inbox:conversation_delete", args=[extension_id, conversation]),
        {"next": listing},
    )
    assert deleted.status_code == 302
    page = bob_browser.get(listing).content.decode()
    assert f"/conversations/{conversation}/" not in page

    # the sync that follows agrees, and nothing comes back
    sync(bob)
    assert f"/conversations/{conversation}/" not in bob_browser.get(listing).content.decode()
