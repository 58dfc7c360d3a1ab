"""Which of a user's SMS numbers a thread's reply composer offers first: the one the
conversation uses, read from the thread's own messages (no extra RingCentral call)."""

from __future__ import annotations

import random

import pytest
from django.test import Client
from django.urls import reverse

from tests.emulator.factories import conversation_of, make_sms
from tests.inbox.conftest import extension_of
from tests.inbox.support import found, now, own_day, rc_calls
from tests.support.emulator import RunningEmulator


def customer_number() -> str:
    return f"+1209{random.SystemRandom().randrange(2_000_000, 8_000_000)}"


def default_number(page: str) -> str:
    composer = found(r'<section class="composer".*?</section>', page, 0)
    return found(r'<option value="([^"]+)"[^>]*selected', composer)


@pytest.mark.parametrize("direction", ["Inbound", "Outbound"])
@pytest.mark.parametrize("which_number", [0, 1])
def test_it_picks_the_number_the_conversation_uses_without_asking_ringcentral(
    alice_client: Client, rc: RunningEmulator, direction: str, which_number: int
) -> None:
    numbers = rc.user("admin")["sms_numbers"]
    assert len(numbers) >= 2  # the demo admin texts from a direct and a toll-free number
    used = numbers[which_number]
    extension = extension_of(rc, "admin")
    day, _ = own_day()
    message_id = make_sms(rc.db_path, extension, direction=direction, own_number=used,
                          other_number=customer_number(), text="Still open?",
                          created_ts=day + 10)  # fmt: skip
    url = reverse("inbox:thread", args=[extension, conversation_of(rc.db_path, message_id)])
    since = now()

    page = alice_client.get(url)

    assert page.status_code == 200
    assert default_number(page.content.decode()) == used
    assert rc_calls(rc, since, "readMessage") == 0
    # the thread and the unread count, read side by side; nothing else
    assert rc_calls(rc, since) == rc_calls(rc, since, "listMessages") == 2
