"""Fewer RingCentral calls: answers cached per (mailbox, query) for 30 seconds, dropped on the
user's own writes, and what a page needs fetched side by side."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

import inbox.conversations.selectors
from inbox.cache import mailbox_cache_drop
from tests.emulator.factories import conversation_of, make_sms, store
from tests.inbox.conftest import extension_of, point_at, signed_in
from tests.inbox.support import now, own_day, rc_calls, set_faults
from tests.support.emulator import RunningEmulator


def list_url(running: RunningEmulator, which: str = "agent") -> str:
    return reverse("inbox:conversations", args=[extension_of(running, which)])


def test_it_calls_ringcentral_at_most_twice_for_50_views_of_an_unchanged_list(
    bob_client: Client, rc: RunningEmulator
) -> None:
    since = now()

    for _ in range(50):
        assert bob_client.get(list_url(rc)).status_code == 200

    assert rc_calls(rc, since) <= 2


def test_it_caches_each_query_on_its_own(bob_client: Client, rc: RunningEmulator) -> None:
    bob_client.get(list_url(rc))
    since = now()

    bob_client.get(list_url(rc), {"type": "fax"})
    bob_client.get(list_url(rc), {"type": "fax"})
    bob_client.get(list_url(rc))

    assert rc_calls(rc, since, "listMessages") == 1


def test_it_caches_threads(bob_client: Client, rc: RunningEmulator) -> None:
    day, _ = own_day()
    message_id = make_sms(rc.db_path, extension_of(rc, "agent"), created_ts=day)
    url = reverse(
        "inbox:thread", args=[extension_of(rc, "agent"), conversation_of(rc.db_path, message_id)]
    )
    bob_client.get(list_url(rc))
    since = now()

    for _ in range(20):
        assert bob_client.get(url).status_code == 200

    assert rc_calls(rc, since) == 1


def test_it_shares_a_mailbox_cache_between_the_people_who_may_see_it(
    bob_client: Client, alice_client: Client, rc: RunningEmulator
) -> None:
    bob_client.get(list_url(rc))
    alice_client.get(list_url(rc, "admin"))  # alice's own list and the account's extensions
    since = now()

    response = alice_client.get(list_url(rc))

    assert response.status_code == 200
    assert rc_calls(rc, since) == 0


def test_it_drops_the_cache_on_the_users_own_writes(
    bob_client: Client, rc: RunningEmulator
) -> None:
    day, window = own_day()
    message_id = make_sms(rc.db_path, extension_of(rc, "agent"), created_ts=day)
    bob_client.get(list_url(rc), window)

    bob_client.post(
        reverse("inbox:message_read_status", args=[extension_of(rc, "agent"), message_id]),
        {"read_status": "Read"},
    )
    since = now()
    page = bob_client.get(list_url(rc), window).content.decode()

    assert rc_calls(rc, since, "listMessages") == 2  # the list and the unread count, anew
    assert "is-unread" not in page


def test_it_can_be_told_to_forget_a_mailbox(bob_client: Client, rc: RunningEmulator) -> None:
    bob_client.get(list_url(rc))
    since = now()

    mailbox_cache_drop(account_id=4000000004, extension_id=extension_of(rc, "agent"))
    bob_client.get(list_url(rc))

    assert rc_calls(rc, since, "listMessages") == 2


def test_it_asks_again_once_answers_are_old(
    bob_client: Client, rc: RunningEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inbox.conversations.selectors, "ANSWER_TTL", 1)
    bob_client.get(list_url(rc))
    since = now()

    bob_client.get(list_url(rc))
    time.sleep(1.2)
    bob_client.get(list_url(rc))

    assert rc_calls(rc, since, "listMessages") == 2


def test_a_page_waits_on_one_ringcentral_call_not_several_in_series(
    emulator_factory: Any, settings: Any, db: None
) -> None:
    running = point_at(settings, emulator_factory(rate_limits=True))
    alice_client = signed_in(running, "admin")  # her answers tell the budget the limits
    latency = 2.0
    set_faults(running, latency=latency * 1000)
    since = now()

    response = alice_client.get(list_url(running, "admin"))

    assert response.status_code == 200
    assert rc_calls(running, since, "listMessages") >= 2
    assert rc_calls(running, since, "listExtensions") == 1
    # the list, the unread count and the extensions, each answered `latency` after it came:
    # made one after another, their answers would be `latency` apart; made side by side, every
    # call was made before the first was answered. The emulator logs each call as it answers.
    with store(running.db_path).read() as emulated:
        answered = [
            row["ts"]
            for row in emulated.execute(
                "SELECT ts FROM request_log WHERE ts >= ? AND operation IN "
                "('listMessages', 'listExtensions')",
                (since,),
            )
        ]
    assert len(answered) >= 3
    assert max(answered) - min(answered) < latency, answered
