"""Threads from the index: read whole from RingCentral once, a thread that began within the
index's window is shown from the index from then on (no RingCentral call), kept current by
the sync; one that began before the window keeps being read from RingCentral."""

from __future__ import annotations

import time

from django.test import Client
from django.urls import reverse

from accounts.models import User
from inbox.cache import mailbox_cache_drop
from inbox.models import IndexedConversation
from tests.emulator.factories import conversation_of, make_sms
from tests.inbox.index.conftest import mailbox_of, sync
from tests.inbox.support import rc_calls
from tests.support.emulator import RunningEmulator
from tests.support.sends import faults_set

DAY = 86400.0


def test_a_thread_read_whole_once_is_then_shown_from_the_index(
    fresh_rc: RunningEmulator, bob: User, bob_browser: Client
) -> None:
    account_id, extension_id = mailbox_of(bob)
    first = make_sms(
        fresh_rc.db_path, extension_id, other_number="+12095550181",
        text="Do you deliver on Sundays?", created_ts=time.time() - 3600, read_status="Read",
    )  # fmt: skip
    conversation = conversation_of(fresh_rc.db_path, first)
    sync(bob)
    url = reverse("inbox:thread", args=[extension_id, conversation])

    since = time.time()
    assert "Do you deliver on Sundays?" in bob_browser.get(url).content.decode()
    assert rc_calls(fresh_rc, since, "listMessages") == 1  # read whole, once
    assert IndexedConversation.objects.get(thread_id=conversation).whole

    mailbox_cache_drop(account_id=account_id, extension_id=extension_id)
    since = time.time()
    again = bob_browser.get(url).content.decode()
    assert "Do you deliver on Sundays?" in again
    assert rc_calls(fresh_rc, since) == 0

    # a new message arrives: the sync brings it into the thread, still without a thread read
    make_sms(
        fresh_rc.db_path, extension_id, other_number="+12095550181",
        text="And on holidays?", created_ts=time.time(), read_status="Read",
    )  # fmt: skip
    sync(bob)
    since = time.time()
    page = bob_browser.get(url).content.decode()
    assert page.index("Do you deliver on Sundays?") < page.index("And on holidays?")
    assert rc_calls(fresh_rc, since, "listMessages") == 0


def test_a_thread_that_began_before_the_window_is_read_from_ringcentral(
    fresh_rc: RunningEmulator, bob: User, bob_browser: Client
) -> None:
    account_id, extension_id = mailbox_of(bob)
    first = make_sms(
        fresh_rc.db_path, extension_id, other_number="+12095550182",
        text="Last year's order", created_ts=time.time() - 60 * DAY, read_status="Read",
    )  # fmt: skip
    make_sms(
        fresh_rc.db_path, extension_id, other_number="+12095550182",
        text="This week's question", created_ts=time.time() - DAY, read_status="Read",
    )  # fmt: skip
    conversation = conversation_of(fresh_rc.db_path, first)
    sync(bob)
    url = reverse("inbox:thread", args=[extension_id, conversation])

    page = bob_browser.get(url).content.decode()

    assert "Last year&#x27;s order" in page and "This week&#x27;s question" in page
    assert not IndexedConversation.objects.get(thread_id=conversation).whole
    mailbox_cache_drop(account_id=account_id, extension_id=extension_id)
    since = time.time()
    assert "Last year&#x27;s order" in bob_browser.get(url).content.decode()
    assert rc_calls(fresh_rc, since, "listMessages") == 1


def test_while_ringcentral_is_busy_a_thread_shows_what_the_index_has(
    fresh_rc: RunningEmulator, bob: User, bob_browser: Client
) -> None:
    _, extension_id = mailbox_of(bob)
    first = make_sms(
        fresh_rc.db_path, extension_id, other_number="+12095550183",
        text="Are you open today?", created_ts=time.time() - 600, read_status="Read",
    )  # fmt: skip
    conversation = conversation_of(fresh_rc.db_path, first)
    sync(bob)
    faults_set(fresh_rc, throttle_seconds=30)
    try:
        page = bob_browser.get(reverse("inbox:thread", args=[extension_id, conversation]))
    finally:
        faults_set(fresh_rc, throttle_seconds=0)

    assert page.status_code == 200
    text = page.content.decode()
    assert "Are you open today?" in text
    assert "RingCentral is busy, so this shows the messages Team Inbox already has" in text
    assert not IndexedConversation.objects.get(thread_id=conversation).whole
