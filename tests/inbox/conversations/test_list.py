"""The conversation list: one row per conversation, filters, the default window, paging, the
mailbox switcher, unread counts, access, and RingCentral's failures as sentences."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
import requests
from django.test import Client
from django.urls import reverse

from emulator.mailstore import NewAttachment
from tests.emulator.factories import (
    make_fax,
    make_pager,
    make_sms,
    make_voicemail,
    unique_number,
)
from tests.inbox.conftest import extension_of, signed_in
from tests.inbox.support import found, own_day, set_faults
from tests.support.emulator import RunningEmulator

PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)


def list_url(running: RunningEmulator, which: str = "agent") -> str:
    return reverse("inbox:conversations", args=[extension_of(running, which)])


def rows(page: str) -> list[str]:
    return re.findall(r'<li class="conversation[^"]*" data-row>(.*?)</li>', page, re.S)


def test_it_shows_one_row_per_conversation_with_its_last_message(
    bob_client: Client, rc: RunningEmulator
) -> None:
    bob = extension_of(rc, "agent")
    day, window = own_day()
    customer, other = unique_number(), unique_number()
    make_sms(rc.db_path, bob, other_number=customer, text="First", created_ts=day + 60)
    make_sms(
        rc.db_path, bob, other_number=customer, text="Second", created_ts=day + 120,
        direction="Outbound",
    )  # fmt: skip
    make_sms(rc.db_path, bob, other_number=other, text="Hello there", created_ts=day + 90)

    page = bob_client.get(list_url(rc), window).content.decode()

    found = rows(page)
    assert len(found) == 2
    newest = found[0]
    assert re.sub(r"\D", "", customer)[1:4] in newest  # formatted: (209) …
    assert "Second" in newest and "First" not in newest
    assert ">SMS<" in newest and ">Sent<" in newest
    assert "Hello there" in found[1] and ">Received<" in found[1]
    assert "<span data-unread-marker>" in found[1]  # the inbound one is unread
    assert "<span data-unread-marker hidden>" in newest


def test_it_names_known_parties_and_labels_each_type(
    bob_client: Client, rc: RunningEmulator
) -> None:
    bob = extension_of(rc, "agent")
    day, window = own_day()
    make_pager(rc.db_path, bob, other_extension_number="103", created_ts=day + 10)
    make_fax(rc.db_path, bob, created_ts=day + 20)
    make_voicemail(rc.db_path, bob, created_ts=day + 30, duration=65)
    make_sms(
        rc.db_path, bob, created_ts=day + 40, text="",
        attachments=[NewAttachment("MmsAttachment", "image/png", PNG)],
    )  # fmt: skip

    page = bob_client.get(list_url(rc), window).content.decode()

    labels = [found(r'class="tag type-\w+">(\w+)<', row) for row in rows(page)]
    assert labels == ["MMS", "Voicemail", "Fax", "Pager"]
    assert "Voicemail (1:05)" in page
    assert "Fax, 1 page" in page
    assert "Ext. 103" in page


def test_it_filters_by_type_direction_read_status_and_number(
    bob_client: Client, rc: RunningEmulator
) -> None:
    bob = extension_of(rc, "agent")
    day, window = own_day()
    customer = unique_number()
    make_sms(rc.db_path, bob, other_number=customer, text="unread in", created_ts=day + 10)
    make_sms(
        rc.db_path, bob, text="read out", created_ts=day + 20, direction="Outbound",
    )  # fmt: skip
    make_fax(rc.db_path, bob, created_ts=day + 30, read_status="Read")
    url = list_url(rc)

    def shown(**filters: str) -> list[str]:
        return rows(bob_client.get(url, {**window, **filters}).content.decode())

    assert len(shown()) == 3
    assert [("Fax" in r) for r in shown(type="fax")] == [True]
    assert len(shown(type="text")) == 2
    assert ["read out" in r for r in shown(direction="Outbound")] == [True]
    assert ["unread in" in r for r in shown(read="unread")] == [True]
    assert len(shown(read="read")) == 2
    digits = re.sub(r"\D", "", customer)
    local = f"({digits[1:4]}) {digits[4:7]}-{digits[7:]}"
    assert ["unread in" in r for r in shown(number=local)] == [True]


def test_a_rows_checkbox_names_its_party_type_and_time(
    alice_client: Client, rc: RunningEmulator
) -> None:
    alice = extension_of(rc, "admin")
    day, window = own_day()
    customer = unique_number()
    make_sms(rc.db_path, alice, other_number=customer, text="first", created_ts=day + 10)

    page = alice_client.get(list_url(rc, "admin"), window).content.decode()

    (row,) = rows(page)
    party, time_shown = (
        found(r'class="party">.*?</span>([^<]+)</span>', row),
        found(r"<time [^>]*>(.*?)</time>", row),
    )
    assert f'aria-label="Select the conversation with {party} (SMS, {time_shown})"' in row
    # the time is said once as text: the checkbox's name is an attribute
    assert row.count(time_shown) == 2 and row.count(f">{time_shown}<") == 1


def test_a_filter_that_is_not_valid_is_said_beside_it_and_the_others_still_apply(
    alice_client: Client, rc: RunningEmulator
) -> None:
    alice = extension_of(rc, "admin")
    day, window = own_day()
    make_sms(rc.db_path, alice, text="unread in", created_ts=day + 10)
    make_sms(rc.db_path, alice, text="read in", created_ts=day + 20, read_status="Read")
    url = list_url(rc, "admin")

    page = alice_client.get(url, {**window, "type": "sms", "read": "read"}).content.decode()

    # "sms" is not one of the types (the form's value is "text"): said at the Type field,
    # which names the sentence for screen readers; the read filter is still applied
    assert ["read in" in r for r in rows(page)] == [True]
    assert 'aria-describedby="id_type_error"' in page
    sentence = found(r'<div class="field-errors" id="id_type_error">(.*?)</div>', page)
    assert sentence == (
        '<p class="field-error">'
        "“sms” is not a type this list knows: choose SMS and MMS, Pager, Fax or Voicemail.</p>"
    )
    # "all matching" would select what the filters say, not what the list shows: not offered
    assert 'name="all_matching"' not in page
    assert "Correct the filters above to select every conversation they match" in page
    valid = alice_client.get(url, {**window, "type": "text", "read": "read"}).content.decode()
    assert 'name="all_matching"' in valid and "field-errors" not in valid


def test_dates_out_of_order_are_said_and_the_list_keeps_its_default_window(
    bob_client: Client, rc: RunningEmulator
) -> None:
    page = bob_client.get(
        list_url(rc), {"start": "2003-02-02", "end": "2003-02-01", "type": "fax"}
    ).content.decode()

    assert "The start date must be on or before the end date." in page
    since = (datetime.now(UTC) - timedelta(days=30)).date().isoformat()
    assert f'Conversations since <time datetime="{since}">' in page
    assert all("Fax" in r for r in rows(page))  # the type filter still applies


def test_it_explains_a_phone_number_it_cannot_read(bob_client: Client, rc: RunningEmulator) -> None:
    page = bob_client.get(list_url(rc), {"number": "call me maybe"}).content.decode()

    assert "Enter a phone number, such as (650) 555-0101" in page


def test_it_looks_back_thirty_days_by_default_and_further_on_request(
    bob_client: Client, rc: RunningEmulator
) -> None:
    bob = extension_of(rc, "agent")
    old = datetime.now(UTC) - timedelta(days=45)
    number = unique_number()
    make_sms(
        rc.db_path, bob, other_number=number, text="From last month", created_ts=old.timestamp()
    )
    url = list_url(rc)

    first = bob_client.get(url, {"number": number}).content.decode()
    link = found(r'<a href="/inbox/\d+/\?([^"]+)">Look further back</a>', first)
    further = bob_client.get(f"{url}?{html.unescape(link)}").content.decode()

    start = (datetime.now(UTC) - timedelta(days=30)).date()
    assert f'datetime="{start.isoformat()}"' in first
    assert "From last month" not in first
    assert "From last month" in further


def test_it_pages_through_conversations_as_ringcentral_does(
    bob_client: Client, rc: RunningEmulator
) -> None:
    bob = extension_of(rc, "agent")
    day, window = own_day()
    for n in range(27):
        make_sms(rc.db_path, bob, text=f"conversation {n}", created_ts=day + n)
    url = list_url(rc)

    first = bob_client.get(url, window).content.decode()
    older = found(r'<a href="/inbox/\d+/\?([^"]+)" rel="next">Older conversations</a>', first)
    second = bob_client.get(f"{url}?{html.unescape(older)}").content.decode()

    assert len(rows(first)) == 25
    assert len(rows(second)) == 2
    assert "conversation 1<" in second and "conversation 0<" in second
    assert 'rel="prev">Newer conversations</a>' in second
    assert 'rel="next"' not in second


def test_it_counts_unread_conversations_in_the_heading_and_the_tab_title(
    fresh_rc: RunningEmulator,
) -> None:
    bob_client = signed_in(fresh_rc, "agent")
    since = (datetime.now(UTC) - timedelta(days=30)).date().isoformat() + "T00:00:00Z"
    expected = requests.get(
        fresh_rc.api("/account/~/extension/~/message-store"),
        params={
            "direction": "Inbound",  # sent messages are stored unread but never count
            "readStatus": "Unread",
            "distinctConversations": "true",
            "dateFrom": since,
        },
        headers=fresh_rc.session("agent").headers,
        timeout=10,
    ).json()["paging"]["totalElements"]

    page = bob_client.get(list_url(fresh_rc)).content.decode()

    assert expected > 0
    assert f"<title>({expected}) Sam Rivera · Inbox · Team Inbox</title>" in page
    assert f"<strong data-unread-count>{expected}</strong> unread" in page


def test_it_lets_admins_switch_to_the_other_mailboxes_of_their_account(
    alice_client: Client, rc: RunningEmulator
) -> None:
    bob = extension_of(rc, "agent")

    page = alice_client.get(list_url(rc, "admin")).content.decode()
    switched = alice_client.get(reverse("inbox:switch"), {"mailbox": bob})
    bobs = alice_client.get(switched["Location"])

    options = re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>', page)
    assert [label for _, label in options] == [
        "Alex Morgan (ext. 101) (you)",
        "Sam Rivera (ext. 102)",
        "Riley Chen (ext. 103)",
        # the shared extensions, until an admin connects them as team mailboxes
        "Support Line (ext. 201)",
        "Billing (ext. 202)",
    ]
    assert switched["Location"] == list_url(rc, "agent")
    assert bobs.status_code == 200
    assert "Sam Rivera (ext. 102)" in bobs.content.decode()


def test_it_shows_agents_their_own_mailbox_only(bob_client: Client, rc: RunningEmulator) -> None:
    page = bob_client.get(list_url(rc)).content.decode()

    assert 'id="mailbox-select"' not in page
    assert bob_client.get(reverse("inbox:inbox"))["Location"] == list_url(rc)


def test_it_hides_another_agents_mailbox(charlie_client: Client, rc: RunningEmulator) -> None:
    assert charlie_client.get(list_url(rc, "agent")).status_code == 404
    switched = charlie_client.get(reverse("inbox:switch"), {"mailbox": extension_of(rc, "agent")})
    assert switched.status_code == 404


def test_it_hides_mailboxes_from_strangers(dave_client: Client, rc: RunningEmulator) -> None:
    assert dave_client.get(list_url(rc, "agent")).status_code == 404
    assert dave_client.get(list_url(rc, "admin")).status_code == 404


def test_it_hides_extensions_of_other_accounts_from_admins(
    alice_client: Client, rc: RunningEmulator
) -> None:
    assert alice_client.get(reverse("inbox:conversations", args=[987654321])).status_code == 404


def test_it_asks_anonymous_visitors_to_sign_in(client: Client, rc: RunningEmulator) -> None:
    response = client.get(list_url(rc))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_it_says_when_ringcentral_is_busy(fresh_rc: RunningEmulator) -> None:
    bob_client = signed_in(fresh_rc, "agent")
    bob = extension_of(fresh_rc, "agent")
    set_faults(fresh_rc, forced_429=[{"extension_id": bob, "group": "Light", "until": None}])

    response = bob_client.get(list_url(fresh_rc))

    page = response.content.decode()
    assert response.status_code == 503
    assert re.search(r"RingCentral is busy; try again in \d+ seconds\.", page)
    assert int(response["Retry-After"]) >= 1


def test_it_says_when_ringcentral_does_not_answer(fresh_rc: RunningEmulator) -> None:
    bob_client = signed_in(fresh_rc, "agent")
    set_faults(fresh_rc, error_rate=1.0)

    response = bob_client.get(list_url(fresh_rc))

    assert response.status_code == 503
    assert "RingCentral did not answer. Try again in a moment." in response.content.decode()


def test_it_asks_to_reconnect_when_the_session_has_ended(fresh_rc: RunningEmulator) -> None:
    bob_client = signed_in(fresh_rc, "agent")
    requests.post(
        f"{fresh_rc.url}/_emulator/revoke",
        json={"extensionId": extension_of(fresh_rc, "agent")},
        timeout=10,
    ).raise_for_status()

    page = bob_client.get(list_url(fresh_rc)).content.decode()

    assert "Reconnect to RingCentral" in page


@pytest.mark.parametrize("hostile", ["<script>alert(1)</script>", '<img src=x onerror="alert(1)">'])
def test_it_shows_customer_text_as_text_in_the_list(
    bob_client: Client, rc: RunningEmulator, hostile: str
) -> None:
    day, window = own_day()
    make_sms(rc.db_path, extension_of(rc, "agent"), text=hostile, created_ts=day + 5)

    page = bob_client.get(list_url(rc), window).content.decode()

    assert hostile not in page
    assert html.escape(hostile) in page


def test_it_is_in_the_main_navigation(bob_client: Client, rc: RunningEmulator) -> None:
    page = bob_client.get(list_url(rc)).content.decode()

    sidebar = found(r'<nav aria-label="Main" class="sidebar-nav"[^>]*>(.*?)</nav>', page)
    own = found(r'(<a class="nav-link" href="/inbox/\d+/"[^>]*>.*?</a>)', sidebar)
    assert 'aria-current="page"' in own
    assert own.endswith('<span class="nav-label">Inbox</span></a>')
    assert '<script src="/static/js/conversations.js" defer></script>' in page
