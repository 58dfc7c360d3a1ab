"""A message of a conversation (what a search hit links to) opens its thread at the page that
holds it, with `#message-<id>` kept: the thread pages its messages newest first, a hundred a
page. Where the index holds every message from the message's time on, it counts the newer
ones (no RingCentral list call); further back, RingCentral counts them in one call."""

from __future__ import annotations

import time

from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.emulator.factories import conversation_of, make_sms, unique_number
from tests.inbox.conftest import extension_of, signed_in
from tests.inbox.index.conftest import sync
from tests.inbox.support import own_day, rc_calls
from tests.support.emulator import RunningEmulator

THREAD_PAGE = 100


def a_long_conversation(running: RunningEmulator, start: float, count: int) -> list[int]:
    """A conversation of bob's with a customer, `count` messages a minute apart, oldest first."""
    bob = extension_of(running, "agent")
    customer = unique_number()
    return [
        make_sms(running.db_path, bob, other_number=customer, text=f"Message number {n}",
                 created_ts=start + 60 * n, direction="Inbound" if n % 2 else "Outbound")
        for n in range(count)
    ]  # fmt: skip


def opened(client: Client, running: RunningEmulator, message_id: int) -> str:
    answer = client.get(reverse("inbox:message", args=[extension_of(running, "agent"), message_id]))
    assert answer.status_code == 302
    return str(answer["Location"])


def test_an_old_message_opens_the_threads_page_that_holds_it(
    bob_client: Client, rc: RunningEmulator
) -> None:
    day, _ = own_day()  # long before the index's window: RingCentral counts
    ids = a_long_conversation(rc, day, THREAD_PAGE + 5)
    thread = reverse(
        "inbox:thread", args=[extension_of(rc, "agent"), conversation_of(rc.db_path, ids[0])]
    )
    since = time.time()

    oldest = opened(bob_client, rc, ids[0])  # 104 newer: the second page
    newest_of_page_two = opened(bob_client, rc, ids[4])  # 100 newer
    oldest_of_page_one = opened(bob_client, rc, ids[5])  # 99 newer
    newest = opened(bob_client, rc, ids[-1])

    assert oldest == f"{thread}?page=2#message-{ids[0]}"
    assert newest_of_page_two == f"{thread}?page=2#message-{ids[4]}"
    assert oldest_of_page_one == f"{thread}#message-{ids[5]}"
    assert newest == f"{thread}#message-{ids[-1]}"
    # one count each, and the mailbox's unread count once (not indexed: RingCentral's, cached)
    assert rc_calls(rc, since, "listMessages") == 4 + 1
    page_two = bob_client.get(oldest.split("#")[0]).content.decode()
    assert f'id="message-{ids[0]}"' in page_two and f'id="message-{ids[4]}"' in page_two
    assert f'id="message-{ids[5]}"' not in page_two


def test_within_the_index_it_counts_without_asking_ringcentral(
    fresh_rc: RunningEmulator,
) -> None:
    client = signed_in(fresh_rc, "agent")
    bob = User.objects.get(rc_extension_id=extension_of(fresh_rc, "agent"))
    ids = a_long_conversation(fresh_rc, time.time() - 2 * 86400, THREAD_PAGE + 3)
    assert sync(bob).full
    thread = reverse(
        "inbox:thread",
        args=[extension_of(fresh_rc, "agent"), conversation_of(fresh_rc.db_path, ids[0])],
    )
    since = time.time()

    oldest = opened(client, fresh_rc, ids[0])
    third = opened(client, fresh_rc, ids[3])

    assert oldest == f"{thread}?page=2#message-{ids[0]}"
    assert third == f"{thread}#message-{ids[3]}"
    assert rc_calls(fresh_rc, since, "listMessages") == 0
