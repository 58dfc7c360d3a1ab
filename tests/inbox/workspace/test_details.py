"""The thread's details panel: the contact's numbers and the mailbox's earlier conversations
with them, read from the conversation index (no RingCentral call), the open one left out."""

from __future__ import annotations

import re
import time

from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.emulator.factories import conversation_of, make_sms, make_voicemail, unique_number
from tests.inbox.conftest import extension_of
from tests.inbox.index.conftest import sync
from tests.inbox.support import found, rc_calls
from tests.support.emulator import RunningEmulator


def details_of(page: str) -> str:
    return found(r'(<aside class="details-pane".*?</aside>)', page)


def test_it_lists_the_earlier_conversations_with_the_same_customer(
    bob_browser: Client, bob: User, fresh_rc: RunningEmulator
) -> None:
    extension = extension_of(fresh_rc, "agent")
    customer, stranger = unique_number(), unique_number()
    make_voicemail(fresh_rc.db_path, extension, from_number=customer, created_ts=time.time() - 600)
    make_voicemail(fresh_rc.db_path, extension, from_number=stranger, created_ts=time.time() - 500)
    first = make_sms(fresh_rc.db_path, extension, other_number=customer, text="Hello again")
    sync(bob)
    thread = reverse("inbox:thread", args=[extension, conversation_of(fresh_rc.db_path, first)])
    bob_browser.get(thread)  # read whole once: from then on the index serves it
    since = time.time()

    details = details_of(bob_browser.get(thread).content.decode())

    earlier = found(r'<ul class="plain-list earlier-list">(.*?)</ul>', details)
    links = re.findall(r'<a href="(/inbox/\d+/messages/\d+/)">', earlier)
    assert len(links) == 1  # the customer's voicemail, not the stranger's, not this thread
    assert thread not in earlier
    assert "Voicemail" in earlier
    assert rc_calls(fresh_rc, since) == 0


def test_a_first_conversation_has_no_earlier_ones(
    bob_browser: Client, bob: User, fresh_rc: RunningEmulator
) -> None:
    extension = extension_of(fresh_rc, "agent")
    first = make_sms(fresh_rc.db_path, extension, other_number=unique_number(), text="Hi")
    sync(bob)
    thread = reverse("inbox:thread", args=[extension, conversation_of(fresh_rc.db_path, first)])

    details = details_of(bob_browser.get(thread).content.decode())

    assert "Earlier conversations" not in details
    assert "Contact" in details
