"""The search page (`/inbox/search/`): hits with the party, the mailbox, the time, the type and
the marked text, each opening its thread at the message; the filters and their errors, pages,
customer text and the query escaped, the empty states (nothing asked yet, nothing found), the
mailboxes not indexed yet, a stale mailbox's hits, how far back a mailbox's history reaches,
the htmx answer with the results alone, and no RingCentral call for any of it. The sidebar's
box and the `/` key's entry in the shortcuts lead here."""

from __future__ import annotations

import html
import re
import time
from datetime import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from inbox.conversations.selectors import Mailbox, mailbox_get_for_user
from inbox.models import MailboxSync
from tests.inbox.conftest import extension_of
from tests.inbox.index.support import sms
from tests.inbox.search.support import days_ago, fill
from tests.inbox.support import found, rc_calls
from tests.support.emulator import RunningEmulator

FATIMA = "+14155550142"
OMAR = "+16505550177"
URL = "/inbox/search/"


@pytest.fixture
def bob(rc: RunningEmulator, bob_client: Client) -> User:
    return User.objects.get(rc_extension_id=extension_of(rc, "agent"))


@pytest.fixture
def own(bob: User) -> Mailbox:
    return mailbox_get_for_user(user=bob, extension_id=bob.rc_extension_id or 0)


def hits(page: str) -> list[str]:
    return re.findall(r"<li class=\"search-hit[^\"]*\" data-search-hit>(.*?)</li>", page, re.S)


def search(client: Client, **params: str) -> str:
    answer = client.get(URL, params)
    assert answer.status_code == 200
    return answer.content.decode()


def test_a_hit_shows_the_party_mailbox_time_type_and_the_marked_text_and_opens_its_message(
    rc: RunningEmulator, bob_client: Client, own: Mailbox
) -> None:
    asked = sms(other=FATIMA, name="Fatima Rossi", text="Is my refund on its way?",
                created=days_ago(2))  # fmt: skip
    other = sms(other=OMAR, text="Thanks for the parcel", created=days_ago(1))
    fill(own, asked, other)
    since = time.time()

    page = search(bob_client, q="refund")

    (hit,) = hits(page)
    assert "<strong>Fatima Rossi</strong>" in hit
    assert "(415) 555-0142" in hit
    assert html.escape(own.label) in hit
    assert ">SMS<" in hit and ">Received<" in hit
    assert "Is my <mark>refund</mark> on its way?" in hit
    assert f'datetime="{asked.creation_time:%Y-%m-%d}' in hit
    link = found(r'<a class="search-hit-link" href="([^"]+)"', hit)
    assert link == f"/inbox/{own.extension_id}/messages/{asked.id}/#message-{asked.id}"
    assert rc_calls(rc, since) == 0  # the index only


def test_a_number_search_marks_the_digits_searched(bob_client: Client, own: Mailbox) -> None:
    fill(own, sms(other=FATIMA, text="Hello", created=days_ago(1)),
         sms(other=OMAR, text="Hi", created=days_ago(2)))  # fmt: skip

    (hit,) = hits(search(bob_client, q="555-014"))

    assert "(415) <mark>555-014</mark>2" in hit
    assert "The number matches" in hit


def test_the_filters_narrow_the_hits_and_say_they_are_on(bob_client: Client, own: Mailbox) -> None:
    fill(
        own,
        sms(other=FATIMA, text="refund asked", created=days_ago(10)),
        sms(other=OMAR, text="refund sent", direction="Outbound", created=days_ago(3)),
    )

    sent = search(bob_client, q="refund", direction="Outbound")
    recent = search(bob_client, q="refund", start=days_ago(5).date().isoformat())
    faxes = search(bob_client, q="refund", type="fax")

    assert [("refund</mark> sent" in h) for h in hits(sent)] == [True]
    assert ">Sent<" in hits(sent)[0]
    assert [("refund</mark> sent" in h) for h in hits(recent)] == [True]
    assert hits(faxes) == []
    assert "No messages match “refund” with these filters" in faxes
    assert '<span class="badge accent">on</span>' in sent
    # the form shows what was chosen
    assert '<option value="Outbound" selected>' in sent


def test_the_mailbox_filter_offers_the_persons_indexed_mailboxes(
    bob_client: Client, own: Mailbox
) -> None:
    fill(own, sms(text="refund", created=days_ago(1)))

    page = search(bob_client)

    options = re.findall(
        r'<option value="(\d*)"[^>]*>([^<]*)</option>',
        found(r'<select name="mailbox"[^>]*>(.*?)</select>', page),
    )
    assert options == [("", "All my mailboxes"), (str(own.extension_id), own.label)]


def test_errors_are_shown_beside_their_fields_and_nothing_is_searched(
    bob_client: Client, own: Mailbox
) -> None:
    fill(own, sms(text="refund", created=days_ago(1)))

    bad_day = search(bob_client, q="refund", start="yesterday")
    reversed_days = search(bob_client, q="refund", start="2026-03-02", end="2026-03-01")

    assert hits(bad_day) == []
    assert "Enter a valid date." in found(r'id="id_start_error">(.*?)</div>', bad_day)
    assert 'aria-describedby="id_start_error"' in bad_day
    assert "Check the search" in bad_day
    assert "The start date must be on or before the end date." in found(
        r'id="search-form-errors">(.*?)</div>\s*</div>', reversed_days
    )
    assert hits(reversed_days) == []


def test_a_page_out_of_range_is_said_above_the_form(bob_client: Client, own: Mailbox) -> None:
    fill(own, sms(text="refund", created=days_ago(1)))

    page = search(bob_client, q="refund", page="401")

    assert hits(page) == []
    assert "Results have pages 1 to 400: narrow the search to reach further." in found(
        r'id="search-form-errors">(.*?)</div>\s*</div>', page
    )


def test_pages_follow_on_with_the_same_search(bob_client: Client, own: Mailbox) -> None:
    records = [
        sms(text=f"refund number {n}", created=days_ago(n / 2 + 1), other=f"+1415555{n:04d}")
        for n in range(30)
    ]
    fill(own, *records)

    first = search(bob_client, q="refund", direction="Inbound")
    next_link = html.unescape(found(r'<a href="([^"]+)" rel="next">', first))
    second = bob_client.get(next_link).content.decode()

    assert len(hits(first)) == 25 and 'rel="prev"' not in first
    assert next_link == f"{URL}?q=refund&direction=Inbound&page=2"
    assert len(hits(second)) == 5 and 'rel="next"' not in second
    assert html.unescape(found(r'<a href="([^"]+)" rel="prev">', second)) == (
        f"{URL}?q=refund&direction=Inbound"
    )
    shown = {found(r"#message-(\d+)", hit) for hit in hits(first) + hits(second)}
    assert shown == {str(r.id) for r in records}


def test_customer_text_is_escaped_with_only_the_matches_marked(
    bob_client: Client, own: Mailbox
) -> None:
    fill(own, sms(other=FATIMA, name="<b>Fatima</b>",
                  text='<script>alert("x")</script> refund <img src=x onerror=alert(1)>',
                  created=days_ago(1)))  # fmt: skip

    (hit,) = hits(search(bob_client, q="refund"))

    assert "<script>" not in hit and "<img" not in hit and "<b>" not in hit
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; <mark>refund</mark>" in hit
    assert "&lt;b&gt;Fatima&lt;/b&gt;" in hit


def test_the_query_is_escaped_where_nothing_matches(bob_client: Client, own: Mailbox) -> None:
    fill(own, sms(text="refund", created=days_ago(1)))
    hostile = '<img src=x onerror="alert(1)"> parcel'

    page = search(bob_client, q=hostile)

    assert "<img src=x" not in page
    escaped = "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; parcel"
    assert f"No messages match “{escaped}”" in page
    assert f"<title>“{escaped}” · Search · Team Inbox" in page


def test_before_a_search_and_for_nothing_searchable_it_says_what_to_type(
    bob_client: Client, own: Mailbox
) -> None:
    fill(own, sms(text="refund", created=days_ago(1)))

    start = search(bob_client)
    nothing = search(bob_client, q="!!! ...")

    assert 'data-search-empty="start"' in start and "Search your messages" in start
    assert hits(start) == []
    assert 'data-search-empty="nothing-to-search"' in nothing
    assert "Nothing to search for in “!!! ...”" in nothing


def test_a_mailbox_not_indexed_yet_is_listed_as_not_searched(
    rc: RunningEmulator, bob_client: Client, own: Mailbox
) -> None:
    since = time.time()

    page = search(bob_client, q="refund")

    waiting = found(r"<div class=\"note search-waiting\" data-search-waiting>(.*?)</div>", page)
    assert f"{html.escape(own.label)}</span>: still syncing: not searched yet" in waiting
    assert hits(page) == []
    assert rc_calls(rc, since) == 0
    # nothing was searched: the page does not say that nothing matches
    assert 'data-search-empty="all-syncing"' in page and "Nothing searched yet" in page
    assert "No messages match" not in page


def test_a_stale_mailboxs_hits_say_so(bob_client: Client, own: Mailbox) -> None:
    fill(own, sms(text="refund please", created=days_ago(1)))
    MailboxSync.objects.filter(extension_id=own.extension_id).update(stale_since=timezone.now())

    (hit,) = hits(search(bob_client, q="refund"))

    assert "Stale: its RingCentral connection ended" in hit


def test_a_fresh_mailboxs_hits_are_not_marked_stale(bob_client: Client, own: Mailbox) -> None:
    fill(own, sms(text="refund please", created=days_ago(1)))

    (hit,) = hits(search(bob_client, q="refund"))

    assert "Stale" not in hit


def test_it_says_how_far_back_a_mailbox_is_indexed_while_its_history_is_read(
    bob_client: Client, own: Mailbox
) -> None:
    fill(own, sms(text="refund please", created=days_ago(1)))
    reached = datetime(2025, 11, 3, 12, tzinfo=timezone.get_current_timezone())
    MailboxSync.objects.filter(extension_id=own.extension_id).update(history_start=reached)

    reading = search(bob_client, q="refund")
    MailboxSync.objects.filter(extension_id=own.extension_id).update(history_done_at=timezone.now())
    done = search(bob_client, q="refund")

    notice = found(r"<p class=\"note search-history\" data-search-history>(.*?)</p>", reading)
    assert re.sub(r"<[^>]+>", "", notice) == (
        f"Older messages of {html.escape(own.label)} are still being indexed "
        "(back to Nov 3, 2025 so far)."
    )
    assert "data-search-history" not in done


def test_before_the_back_fill_starts_the_window_is_how_far_back(
    bob_client: Client, own: Mailbox
) -> None:
    fill(own, sms(text="refund please", created=days_ago(1)))

    page = search(bob_client, q="refund")

    window = days_ago(30).date()
    assert f'(back to <time datetime="{window.isoformat()}">' in page


def test_htmx_gets_the_results_alone_with_the_title_and_the_fields_errors(
    bob_client: Client, own: Mailbox
) -> None:
    fill(own, sms(text="refund please", created=days_ago(1)))
    htmx = {"HX-Request": "true", "HX-Target": "search-results"}

    answer = bob_client.get(URL, {"q": "refund", "start": "soon"}, headers=htmx)
    results = bob_client.get(URL, {"q": "refund"}, headers=htmx).content.decode()

    partial = answer.content.decode()
    assert answer.status_code == 200
    assert "<html" not in partial and "data-search-form" not in partial
    assert partial.lstrip().startswith("<title>Search · Team Inbox")  # nothing searched
    assert results.lstrip().startswith("<title>“refund” · Search · Team Inbox")
    assert 'id="search-results"' in partial
    assert re.search(r'id="id_start_error" hx-swap-oob="true">.*Enter a valid date', partial)
    assert 'id="id_q_error" hx-swap-oob="true"></div>' in partial  # cleared
    assert len(hits(results)) == 1 and "<html" not in results


def test_the_page_without_htmx_has_the_form_the_results_and_follows_its_mailboxes(
    bob_client: Client, own: Mailbox
) -> None:
    fill(own, sms(text="refund please", created=days_ago(1)))

    page = search(bob_client, q="refund")

    form = found(r"(<form class=\"search-form\"[^>]*>)", page)
    assert 'method="get"' in form and f'action="{URL}"' in form and 'role="search"' in form
    assert 'hx-target="#search-results"' in form and 'hx-push-url="true"' in form
    assert '<label for="id_q">Search messages, numbers and names</label>' in page
    assert 'value="refund"' in page
    assert f'data-search-followed="{own.extension_id}"' in page
    assert f'data-extension-id="{own.extension_id}"' in page  # the live bar: its stream


def test_the_sidebar_has_a_search_box_and_the_shortcuts_name_the_slash_key(
    bob_client: Client, own: Mailbox
) -> None:
    page = bob_client.get(reverse("inbox:conversations", args=[own.extension_id]))

    text = page.content.decode()
    form = found(r'(<form class="sidebar-search".*?</form>)', text)
    assert f'action="{URL}"' in form and 'method="get"' in form and 'role="search"' in form
    assert '<label for="sidebar-search" class="visually-hidden">Search</label>' in form
    assert 'name="q"' in form and 'aria-keyshortcuts="/"' in form
    assert "<kbd>/</kbd></dt><dd>Search messages, numbers and names</dd>" in text


def test_someone_without_a_ringcentral_connection_is_asked_to_connect(
    dave_client: Client,
) -> None:
    page = dave_client.get(URL, {"q": "refund"})

    assert page.status_code == 200
    assert '<h1 id="reconnect-title">Reconnect to RingCentral</h1>' in page.content.decode()
    assert "search-results" not in page.content.decode()
