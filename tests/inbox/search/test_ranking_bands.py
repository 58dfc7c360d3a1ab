"""Words' matches are ranked within bands of age, newest band first (`inbox.search.selectors`):
a page of a common word then reads only the newest band's matches. What a person sees of it:
a strong match never jumps ahead of a newer band's weak one, a strong one does within its
band (PostgreSQL's ranking), and pages that start past the newest band follow on from it,
each match once."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import User
from inbox.conversations.selectors import Mailbox
from inbox.index.services import index_apply
from inbox.models import MailboxSync
from inbox.search.queries import SearchQuery
from inbox.search.selectors import SearchScope, search_for_user
from rcapi import Message
from tests.inbox.index.support import ACCOUNT, EXTENSION, WINDOW, sms

pytestmark = pytest.mark.django_db

HERE = Mailbox(ACCOUNT, EXTENSION, "102", "Bob Smith", is_own=True)
SCOPE = SearchScope((HERE,), (), frozenset())
WEAK = "I would like a refund"
STRONG = "refund refund refund, the refund please"


def days_ago(days: float) -> datetime:
    return timezone.now() - timedelta(days=days)


def fill(*records: Message) -> None:
    index_apply(
        account_id=ACCOUNT, extension_id=EXTENSION, records=records, full=True, window_start=WINDOW
    )
    MailboxSync.objects.filter(account_id=ACCOUNT, extension_id=EXTENSION).update(
        indexed_at=timezone.now()
    )


@pytest.fixture
def bob() -> User:
    return User.objects.create_user(
        "bob", rc_account_id=ACCOUNT, rc_extension_id=EXTENSION, first_name="Bob"
    )


def pages(user: User, text: str, per_page: int) -> list[list[int]]:
    found: list[list[int]] = []
    page = 1
    while True:
        result = search_for_user(
            user=user, query=SearchQuery(text=text, page=page), scope=SCOPE, per_page=per_page
        )
        found.append([hit.message_id for hit in result.hits])
        if not result.has_next:
            return found
        page += 1


def test_a_newer_bands_weak_match_comes_before_an_older_strong_one(bob: User) -> None:
    # 25 days: the last month's band; 35 days: the next one, though its rank divided by its
    # age (months + 1) is the higher
    weak_newer = sms(text=WEAK, created=days_ago(25))
    strong_older = sms(text=STRONG, created=days_ago(35), other="+16505550177")
    fill(weak_newer, strong_older)

    assert pages(bob, "refund", 25) == [[weak_newer.id, strong_older.id]]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite orders words newest first")
def test_within_a_band_a_strong_match_comes_before_a_newer_weak_one(bob: User) -> None:
    weak_newer = sms(text=WEAK, created=days_ago(50))
    strong_older = sms(text=STRONG, created=days_ago(60), other="+16505550177")
    fill(weak_newer, strong_older)

    assert pages(bob, "refund", 25) == [[strong_older.id, weak_newer.id]]


def test_pages_past_the_newest_band_follow_on_each_match_once(bob: User) -> None:
    ages = (2, 9, 20, 40, 70, 100, 150, 200, 260, 300)  # four bands' worth
    records = [
        sms(text=f"refund {n}", created=days_ago(age), other=f"+1415555{n:04d}")
        for n, age in enumerate(ages)
    ]
    fill(*records)

    small = pages(bob, "refund", 4)  # the second page starts past the newest band's three
    assert [len(page) for page in small] == [4, 4, 2]
    assert [i for page in small for i in page] == [r.id for r in records]  # equal ranks: newest
    assert pages(bob, "refund", 25) == [[r.id for r in records]]
