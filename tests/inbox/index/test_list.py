"""The conversation list from the index: the same rows RingCentral's `listMessages` gives for
the same filters (the fidelity test), no RingCentral call for a page of an indexed mailbox,
RingCentral again for a window older than the index, and "Syncing…" for a mailbox whose first
sync has not filled its index yet."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from emulator.mailstore import NewAttachment
from inbox.conversations.queries import ConversationQuery, unread_params
from inbox.conversations.selectors import (
    conversation_list_for_user,
    mailbox_get_for_user,
    unread_count_for_mailbox,
)
from inbox.index.records import thread_key_of
from inbox.index.selectors import index_page, index_state_get, index_unread
from inbox.ringcentral import ringcentral_reads
from rcapi import RingCentralClient
from tests.emulator.factories import make_fax, make_pager, make_sms, make_voicemail
from tests.inbox.conftest import extension_of, signed_in
from tests.inbox.index.conftest import mailbox_of, sync
from tests.inbox.support import found, rc_calls
from tests.support.emulator import RunningEmulator

CUSTOMER = "+14155550142"
NEIGHBOUR = "+14155550143"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)
DAY = 86400.0


def day(days_ago: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days_ago)).date().isoformat()


@pytest.fixture
def mixed(fresh_rc: RunningEmulator, bob: User) -> dict[str, int]:
    """Bob's demo mailbox plus one of each kind, spread over the window, some on the same day
    and second (ties are ordered by id), then synced."""
    _, extension_id = mailbox_of(bob)
    now = time.time()
    path = fresh_rc.db_path
    same_second = now - 3 * DAY
    made = {
        "asked": make_sms(path, extension_id, other_number=CUSTOMER, created_ts=now - 5 * DAY),
        "answered": make_sms(
            path, extension_id, direction="Outbound", other_number=CUSTOMER,
            created_ts=now - 5 * DAY + 60,
        ),
        "picture": make_sms(
            path, extension_id, other_number=NEIGHBOUR, text="", created_ts=same_second,
            attachments=[NewAttachment("MmsAttachment", "image/png", PNG, "photo.png")],
        ),
        "read": make_sms(
            path, extension_id, other_number="+14155550144", read_status="Read",
            created_ts=same_second,
        ),
        "fax": make_fax(path, extension_id, other_number=CUSTOMER, created_ts=now - 2 * DAY),
        "sent_fax": make_fax(
            path, extension_id, direction="Outbound", other_number=NEIGHBOUR,
            created_ts=now - 9 * DAY,
        ),
        "voicemail": make_voicemail(path, extension_id, from_number=CUSTOMER, created_ts=now - DAY),
        "pager": make_pager(path, extension_id, created_ts=now - 4 * DAY),
        "deleted": make_sms(
            path, extension_id, other_number="+14155550145", availability="Deleted",
            created_ts=now - 6 * DAY,
        ),
        "old": make_sms(path, extension_id, other_number=CUSTOMER, created_ts=now - 80 * DAY),
    }  # fmt: skip
    assert sync(bob).full
    return made


def from_ringcentral(user: User, params: dict[str, Any]) -> tuple[list[int], bool, int | None]:
    _, extension_id = mailbox_of(user)

    def operation(client: RingCentralClient) -> Any:
        return client.list_messages(extension_id=extension_id, **params)

    (answer,) = ringcentral_reads(user, [operation])
    return [m.id for m in answer.records], answer.has_next, answer.total_elements


def from_index(user: User, params: dict[str, Any]) -> tuple[list[int], bool, int | None]:
    account_id, extension_id = mailbox_of(user)
    page = index_page(account_id=account_id, extension_id=extension_id, **params)
    return [m.id for m in page.records], page.has_next, page.total


FILTERS: list[dict[str, str]] = [
    {},
    {"type": "text"},
    {"type": "pager"},
    {"type": "fax"},
    {"type": "voicemail"},
    {"direction": "Inbound"},
    {"direction": "Outbound"},
    {"read": "unread"},
    {"read": "read"},
    {"number": CUSTOMER},
    {"number": NEIGHBOUR, "direction": "Outbound"},
    {"type": "text", "read": "unread", "number": CUSTOMER},
    {"start": day(6), "end": day(2)},
    {"start": day(20), "end": day(3)},
    {"start": day(3), "type": "fax"},
    {"start": day(4)},
    {"start": day(29), "page": "2"},
]


def test_it_lists_from_the_index_what_ringcentral_lists(
    fresh_rc: RunningEmulator, bob: User, mixed: dict[str, int]
) -> None:
    account_id, extension_id = mailbox_of(bob)
    index = index_state_get(account_id=account_id, extension_id=extension_id)
    compared = later_pages = 0
    for filters in FILTERS:
        query, errors = ConversationQuery.from_params(filters)
        assert not errors, errors
        page = 1
        while True:
            params = replace(query, page=page).ringcentral_params()
            assert index.covers(params["date_from"]), filters
            expected = from_ringcentral(bob, params)
            assert from_index(bob, params) == expected, (filters, page)
            compared += len(expected[0])
            if not expected[1]:
                break
            page += 1
            later_pages += 1
    assert compared > 100 and later_pages > 0  # most of the mailbox, on more than one page
    # the whole mailbox, not one message a conversation (what bulk selections read)
    params = ConversationQuery().ringcentral_params() | {"distinct_conversations": False}
    assert from_index(bob, params) == from_ringcentral(bob, params)


def test_it_counts_unread_conversations_as_ringcentral_does(
    fresh_rc: RunningEmulator, bob: User, mixed: dict[str, int]
) -> None:
    account_id, extension_id = mailbox_of(bob)
    params = unread_params()

    def operation(client: RingCentralClient) -> Any:
        return client.list_messages(extension_id=extension_id, **params)

    (answer,) = ringcentral_reads(bob, [operation])
    assert not answer.has_next  # one page: RingCentral's records name every thread
    threads = index_unread(
        account_id=account_id, extension_id=extension_id, date_from=params["date_from"]
    )
    assert threads == {thread_key_of(m) for m in answer.records}
    assert len(threads) == answer.total_elements
    mailbox = mailbox_get_for_user(user=bob, extension_id=extension_id)
    assert unread_count_for_mailbox(user=bob, mailbox=mailbox).count == answer.total_elements


def test_it_shows_an_indexed_mailbox_without_calling_ringcentral(
    fresh_rc: RunningEmulator, bob: User, bob_browser: Client, mixed: dict[str, int]
) -> None:
    _, extension_id = mailbox_of(bob)
    url = reverse("inbox:conversations", args=[extension_id])
    since = time.time()
    for filters in ({}, {"type": "fax"}, {"read": "unread"}, {"number": CUSTOMER}, {"page": "2"}):
        page = bob_browser.get(url, filters)
        assert page.status_code == 200
    api = bob_browser.get(f"/api/mailboxes/{extension_id}/conversations/", {"type": "voicemail"})
    assert api.status_code == 200
    assert str(mixed["voicemail"]) in [row["id"] for row in api.json()["conversations"]]
    assert rc_calls(fresh_rc, since) == 0

    html = bob_browser.get(url).content.decode()
    assert "data-syncing" not in html
    assert "Voicemail (0:25)" in html


def test_it_reads_ringcentral_for_a_window_older_than_the_index(
    fresh_rc: RunningEmulator, bob: User, bob_browser: Client, mixed: dict[str, int]
) -> None:
    _, extension_id = mailbox_of(bob)
    since = time.time()
    page = bob_browser.get(
        reverse("inbox:conversations", args=[extension_id]),
        {"start": day(120), "number": CUSTOMER},
    )
    assert page.status_code == 200
    assert rc_calls(fresh_rc, since, "listMessages") == 1
    # the conversation with the customer, now read back from 80 days ago: its newest message
    assert "Voicemail" in page.content.decode()


def test_it_says_it_is_syncing_until_the_first_sync_fills_the_index(
    fresh_rc: RunningEmulator, bob: User, bob_browser: Client
) -> None:
    _, extension_id = mailbox_of(bob)
    url = reverse("inbox:conversations", args=[extension_id])
    since = time.time()
    before = bob_browser.get(url).content.decode()
    assert found(r'<p class="notice" data-syncing>([^<]*)</p>', before).startswith("Syncing…")
    assert rc_calls(fresh_rc, since, "listMessages") == 2  # the list and the unread count
    mailbox = mailbox_get_for_user(user=bob, extension_id=extension_id)
    listing = conversation_list_for_user(user=bob, mailbox=mailbox, query=ConversationQuery())
    assert listing.syncing

    sync(bob)
    after = bob_browser.get(url).content.decode()
    assert "data-syncing" not in after
    listing = conversation_list_for_user(user=bob, mailbox=mailbox, query=ConversationQuery())
    assert not listing.syncing
    # the same rows, now from the index
    rows = [found(r'href="([^"?]*)', row) for row in after.split("data-row")[1:]]
    assert rows == [found(r'href="([^"?]*)', row) for row in before.split("data-row")[1:]]


def test_it_lets_an_admin_browse_an_indexed_mailbox_without_calls_once_the_directory_is_kept(
    fresh_rc: RunningEmulator,
) -> None:
    alice_browser = signed_in(fresh_rc, "admin")
    alice = User.objects.get(rc_extension_id=extension_of(fresh_rc, "admin"))
    sync(alice)
    url = reverse("inbox:conversations", args=[alice.rc_extension_id])
    alice_browser.get(url)  # the mailbox switcher's directory, kept for five minutes
    since = time.time()
    for _ in range(3):
        assert alice_browser.get(url).status_code == 200
    assert rc_calls(fresh_rc, since) == 0
