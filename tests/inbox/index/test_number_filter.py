"""The conversation list's number filter matches as search does: the digits anywhere in the
number of one of a thread's other parties ("415", "555-01"), whole numbers as before (any
number on the message, the mailbox's own too). From the index that is one
query; a window older than the index is RingCentral's, which takes whole numbers only, so a
part of one is not asked of it and the list says so instead of showing an empty list."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from inbox.conversations.queries import ConversationQuery, is_whole_number
from inbox.index.selectors import index_page
from inbox.index.services import index_apply
from tests.emulator.factories import make_sms
from tests.inbox.index.conftest import mailbox_of, sync
from tests.inbox.index.support import ACCOUNT, EXTENSION, WINDOW, at, sms
from tests.inbox.support import found, rc_calls
from tests.support.emulator import RunningEmulator

CUSTOMER = "+12097731234"  # no demo number holds 77312 or 773-1234
OTHER = "+13125550177"
DAY = 86400.0


def rows(page: str) -> list[str]:
    return re.findall(r'<li class="conversation[^"]*" data-row>(.*?)</li>', page, re.S)


@pytest.mark.parametrize(
    ("typed", "stored", "whole", "shown"),
    [
        ("(209) 773-1234", "+12097731234", True, "+12097731234"),
        ("+44 20 7946 0000", "+442079460000", True, "+442079460000"),
        ("415", "+415", False, "415"),
        ("555-01", "+55501", False, "55501"),
        ("+41 5555 014", "+415555014", False, "415555014"),
        ("+4155550142", "+4155550142", False, "+4155550142"),  # ten digits keep their +
    ],
)
def test_a_number_or_a_part_of_one_is_read_and_shown_back_as_typed(
    typed: str, stored: str, whole: bool, shown: str
) -> None:
    query, errors = ConversationQuery.from_params({"number": typed})

    assert errors == {}
    assert query.number == stored
    assert is_whole_number(query.number) is whole
    assert query.number_is_part is not whole
    assert query.as_params()["number"] == shown
    again, _ = ConversationQuery.from_params(query.as_params())
    assert again.number == stored  # the form's value reads back the same


def test_too_few_digits_are_refused_with_a_sentence() -> None:
    _, errors = ConversationQuery.from_params({"number": "41"})

    assert errors == {
        "number": [
            "Enter a phone number, such as (650) 555-0101 or +44 20 7946 0000, "
            "or at least 3 of its digits, such as 415 or 555-01."
        ]
    }


@pytest.mark.django_db
def test_the_index_finds_the_digits_inside_any_number_on_a_message() -> None:
    fatima = sms(other="+14155550142", created=at(10))
    omar = sms(other="+16505550177", created=at(20))
    sent = sms(other="+14155550142", direction="Outbound", created=at(30))
    index_apply(account_id=ACCOUNT, extension_id=EXTENSION, records=[fatima, omar, sent],
                full=True, window_start=WINDOW)  # fmt: skip

    def shown(number: str) -> list[int]:
        page = index_page(
            account_id=ACCOUNT,
            extension_id=EXTENSION,
            date_from=WINDOW,
            phone_number=number,
            distinct_conversations=False,
        )
        return [record.id for record in page.records]

    assert shown("+415") == [sent.id, fatima.id]
    assert shown("+55501") == [sent.id, omar.id, fatima.id]  # both customers' numbers
    assert shown("+5550177") == [omar.id]
    assert shown("+14155550142") == [sent.id, fatima.id]  # a whole number, as before
    assert shown("+16505550102") == [sent.id, omar.id, fatima.id]  # the mailbox's own too
    assert shown("+999") == []
    # a part of the mailbox's own number (+1 650 555 0102) finds only the customers' numbers
    # that hold it: not every thread the mailbox has
    assert shown("+650") == [omar.id]
    assert shown("+5550102") == []


def test_the_list_from_the_index_finds_a_part_of_a_number(
    fresh_rc: RunningEmulator, bob: User, bob_browser: Client
) -> None:
    _, extension_id = mailbox_of(bob)
    now = time.time()
    make_sms(fresh_rc.db_path, extension_id, other_number=CUSTOMER, text="Partial digits here",
             created_ts=now - 2 * DAY)  # fmt: skip
    make_sms(fresh_rc.db_path, extension_id, other_number=OTHER, text="Someone else",
             created_ts=now - DAY)  # fmt: skip
    assert sync(bob).full
    url = reverse("inbox:conversations", args=[extension_id])
    since = time.time()

    part = bob_browser.get(url, {"number": "773-12"}).content.decode()
    whole = bob_browser.get(url, {"number": "(209) 773-1234"}).content.decode()
    api = bob_browser.get(f"/api/mailboxes/{extension_id}/conversations/", {"number": "773-12"})

    assert ["Partial digits here" in row for row in rows(part)] == [True]
    assert ["Partial digits here" in row for row in rows(whole)] == [True]
    assert 'value="77312"' in part  # shown as typed, not as "+77312"
    assert "data-number-part" not in part
    assert [row["text"] for row in api.json()["conversations"]] == ["Partial digits here"]
    assert api.json()["number_part_unasked"] is False
    assert rc_calls(fresh_rc, since) == 0


def test_a_part_of_a_number_over_a_window_older_than_the_index_is_not_asked_of_ringcentral(
    fresh_rc: RunningEmulator, bob: User, bob_browser: Client
) -> None:
    _, extension_id = mailbox_of(bob)
    make_sms(fresh_rc.db_path, extension_id, other_number=CUSTOMER, text="From long ago",
             created_ts=time.time() - 80 * DAY)  # fmt: skip
    assert sync(bob).full
    url = reverse("inbox:conversations", args=[extension_id])
    start = (datetime.now(UTC) - timedelta(days=120)).date().isoformat()
    since = time.time()

    part = bob_browser.get(url, {"start": start, "number": "773-12"}).content.decode()
    api = bob_browser.get(
        f"/api/mailboxes/{extension_id}/conversations/", {"start": start, "number": "773-12"}
    ).json()
    asked = rc_calls(fresh_rc, since, "listMessages")
    whole = bob_browser.get(url, {"start": start, "number": CUSTOMER}).content.decode()

    assert asked == 0
    assert rows(part) == []
    sentence = found(r"<div class=\"empty-state empty\" data-number-part>(.*?)</div>", part)
    assert "Part of a number cannot be looked up this far back" in sentence
    assert "RingCentral, which finds whole phone numbers only" in sentence
    assert 'href="/inbox/search/?q=77312"' in sentence
    assert "No conversations here" not in part
    assert api["conversations"] == [] and api["number_part_unasked"] is True
    # a whole number still reads RingCentral for that window
    assert ["From long ago" in row for row in rows(whole)] == [True]
    assert rc_calls(fresh_rc, since, "listMessages") == 1
