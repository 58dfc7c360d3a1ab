"""`search_for_user` over index rows written by the index's own services: words (from the start
of a word, every word, ranked with recency on PostgreSQL), partial numbers, RingCentral and
address-book names, RingCentral's deletions, each filter, the scope's mailboxes only, and the
highlighting of customer text (escaped)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import User
from inbox.conversations.selectors import Mailbox
from inbox.index.services import index_apply
from inbox.models import Contact, ContactNumber, ConversationState, MailboxSync
from inbox.search.queries import SearchQuery
from inbox.search.selectors import SearchScope, search_for_user, search_rows_for_user
from rcapi import Message
from tests.inbox.index.support import ACCOUNT, EXTENSION, WINDOW, changed, fax, sms

pytestmark = pytest.mark.django_db

OTHER_EXTENSION = EXTENSION + 1
FATIMA = "+14155550142"
OMAR = "+16505550177"

HERE = Mailbox(ACCOUNT, EXTENSION, "102", "Bob Smith", is_own=True)
THERE = Mailbox(ACCOUNT, OTHER_EXTENSION, "103", "Support Line", is_own=False)


def scope(*mailboxes: Mailbox) -> SearchScope:
    return SearchScope(mailboxes or (HERE,), (), frozenset())


def fill(*records: Message, extension_id: int = EXTENSION) -> None:
    index_apply(
        account_id=ACCOUNT,
        extension_id=extension_id,
        records=records,
        full=True,
        window_start=WINDOW,
    )
    MailboxSync.objects.filter(account_id=ACCOUNT, extension_id=extension_id).update(
        indexed_at=timezone.now()
    )


@pytest.fixture
def bob() -> User:
    return User.objects.create_user(
        "bob", rc_account_id=ACCOUNT, rc_extension_id=EXTENSION, first_name="Bob"
    )


def found(user: User, text: str, *mailboxes: Mailbox, **filters: Any) -> list[int]:
    page = search_for_user(
        user=user, query=SearchQuery(text=text, **filters), scope=scope(*mailboxes)
    )
    return [hit.message_id for hit in page.hits]


def days_ago(days: float) -> datetime:
    return timezone.now() - timedelta(days=days)


def test_it_finds_a_word_from_its_start_in_any_case(bob: User) -> None:
    refund = sms(text="I would like a REFUND please", created=days_ago(3))
    refunded = sms(text="You refunded me twice", created=days_ago(2), other=OMAR)
    other = sms(text="Prefunding is not a word here", created=days_ago(1), other=OMAR)
    fill(refund, refunded, other)

    hits = found(bob, "refund")

    assert set(hits) == {refund.id, refunded.id}  # not "Prefunding": from a word's start


def test_every_word_must_be_in_the_message(bob: User) -> None:
    both = sms(text="The parcel was late and damaged", created=days_ago(2))
    one = sms(text="The parcel arrived", created=days_ago(1), other=OMAR)
    fill(both, one)

    assert found(bob, "parcel damaged") == [both.id]
    assert set(found(bob, "parcel")) == {both.id, one.id}


def test_of_equal_matches_the_newer_comes_first(bob: User) -> None:
    old_once = sms(text="refund", created=days_ago(300))
    new_once = sms(text="refund", created=days_ago(1), other=OMAR)
    fill(old_once, new_once)

    assert found(bob, "refund") == [new_once.id, old_once.id]


def test_it_finds_partial_digits_of_a_number_in_any_format(bob: User) -> None:
    fatima = sms(other=FATIMA, text="Hello", created=days_ago(2))
    omar = sms(other=OMAR, text="Hi", created=days_ago(1))
    fill(fatima, omar)

    assert found(bob, "415") == [fatima.id]
    assert found(bob, "555-014") == [fatima.id]  # 5550142, not 5550177
    assert found(bob, "(650) 555-0177") == [omar.id]
    assert set(found(bob, "555")) == {fatima.id, omar.id}


def test_a_number_finds_the_conversation_once_at_its_last_message(bob: User) -> None:
    first = sms(other=FATIMA, text="one", created=days_ago(3))
    last = sms(other=FATIMA, text="two", created=days_ago(1))
    fill(first, last)

    page = search_for_user(user=bob, query=SearchQuery(text="4155550142"), scope=scope())
    assert [(h.message_id, h.matched) for h in page.hits] == [(last.id, "number")]
    assert "<mark>" in str(page.hits[0].number_marked)


def test_it_finds_ringcentral_and_address_book_names(bob: User) -> None:
    named = sms(other=FATIMA, name="Fatima Rossi", text="Where is it?", created=days_ago(2))
    unnamed = sms(other=OMAR, text="Any news?", created=days_ago(1))
    fill(named, unnamed)
    contact = Contact.objects.create(account_id=ACCOUNT, name="Omar Haddad")
    ContactNumber.objects.create(contact=contact, account_id=ACCOUNT, number=OMAR)

    assert found(bob, "fatima") == [named.id]
    assert found(bob, "Omar Haddad") == [unnamed.id]
    page = search_for_user(user=bob, query=SearchQuery(text="omar"), scope=scope())
    assert page.hits[0].party == "Omar Haddad"  # the address book's name first
    assert page.hits[0].matched == "name"


def test_it_never_finds_a_message_ringcentral_deleted(bob: User) -> None:
    gone = sms(text="secret refund code", created=days_ago(2))
    fill(gone)
    index_apply(
        account_id=ACCOUNT,
        extension_id=EXTENSION,
        records=[changed(gone, minutes=10**6, availability="Deleted")],
        full=False,
        window_start=WINDOW,
    )

    assert found(bob, "refund") == []


def test_the_filters_narrow_the_words_hits(bob: User) -> None:
    received = sms(text="refund please", created=days_ago(10))
    sent = sms(text="refund sent", direction="Outbound", created=days_ago(5), other=OMAR)
    faxed = fax(created=days_ago(1))
    fill(received, sent, faxed)

    assert found(bob, "refund", direction="Inbound") == [received.id]
    assert found(bob, "refund", direction="Outbound") == [sent.id]
    assert found(bob, "refund", type="fax") == []
    assert found(bob, "refund", start=(timezone.now() - timedelta(days=7)).date()) == [sent.id]
    assert found(bob, "refund", end=(timezone.now() - timedelta(days=7)).date()) == [received.id]


def test_status_and_assignee_filters_read_the_threads_state(bob: User) -> None:
    mine = sms(text="refund one", created=days_ago(2))
    nobodys = sms(text="refund two", created=days_ago(1), other=OMAR)
    fill(mine, nobodys)
    ConversationState.objects.create(
        account_id=ACCOUNT,
        extension_id=EXTENSION,
        thread_kind="conversation",
        thread_id=mine.conversation_id or 0,
        assignee=bob,
        status=ConversationState.Status.DONE,
    )

    assert found(bob, "refund", assignee="me") == [mine.id]
    assert found(bob, "refund", assignee="none") == [nobodys.id]
    assert found(bob, "refund", assignee=str(bob.pk)) == [mine.id]
    assert found(bob, "refund", status="done") == [mine.id]
    assert found(bob, "refund", status="open") == [nobodys.id]


def test_it_reads_only_the_scopes_mailboxes(bob: User) -> None:
    here = sms(text="refund here", created=days_ago(2))
    fill(here)
    there = sms(text="refund there", created=days_ago(1))
    fill(there, extension_id=OTHER_EXTENSION)

    assert found(bob, "refund") == [here.id]  # THERE is not in the scope
    assert found(bob, "refund", HERE, mailbox=OTHER_EXTENSION) == []
    assert set(found(bob, "refund", HERE, THERE)) == {here.id, there.id}
    assert found(bob, "refund", HERE, THERE, mailbox=OTHER_EXTENSION) == [there.id]


def test_customer_text_is_escaped_and_only_the_match_is_marked(bob: User) -> None:
    hostile = sms(text='<script>alert("x")</script> refund <b>now</b>', created=days_ago(1))
    fill(hostile)

    (hit,) = search_for_user(user=bob, query=SearchQuery(text="refund"), scope=scope()).hits
    marked = str(hit.marked)
    assert "<script>" not in marked and "<b>" not in marked
    assert "&lt;script&gt;" in marked
    assert "<mark>refund</mark>" in marked
    assert hit.url.endswith(f"/messages/{hostile.id}/#message-{hostile.id}")


def test_pages_follow_on_and_an_export_reads_every_hit(bob: User) -> None:
    records = [
        sms(text=f"refund number {n}", created=days_ago(n + 1), other=f"+1415555{n:04d}")
        for n in range(7)
    ]
    fill(*records)

    first = search_for_user(user=bob, query=SearchQuery(text="refund"), scope=scope(), per_page=5)
    second = search_for_user(
        user=bob, query=SearchQuery(text="refund", page=2), scope=scope(), per_page=5
    )
    assert first.has_next and not second.has_next
    shown = [h.message_id for h in (*first.hits, *second.hits)]
    assert sorted(shown) == sorted(r.id for r in records)
    everything = list(
        search_rows_for_user(user=bob, query=SearchQuery(text="refund"), scope=scope())
    )
    assert sorted(h.message_id for h in everything) == sorted(r.id for r in records)


def test_an_empty_or_wordless_search_finds_nothing(bob: User) -> None:
    fill(sms(text="refund", created=days_ago(1)))

    assert found(bob, "") == []
    assert found(bob, "!!! ...") == []
    assert found(bob, "41") == []  # two digits are no number search, and no word matches
