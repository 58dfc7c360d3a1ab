"""Search never shows a message of a mailbox the person cannot open. Support Line is a team
mailbox connected by Alex (admin) with Sam as its only member; Riley is signed in and not a
member. Sam and Alex find its messages; Riley finds none of them — by words, by number or by
name — and naming its extension (or Sam's own) in the mailbox filter finds nothing and says
no more than naming an extension that does not exist. The hit's link is a 404 for him too."""

from __future__ import annotations

import re
import time

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from inbox.models import TeamMailbox
from rcapi import Message
from tests.inbox.index.support import sms
from tests.inbox.ownership.support import mailbox_of
from tests.inbox.search.support import days_ago, fill
from tests.inbox.support import rc_calls
from tests.inbox.team.conftest import person, support_line  # noqa: F401  (a fixture)
from tests.support.emulator import RunningEmulator

URL = "/inbox/search/"
CUSTOMER = "+14155557391"
SECRET = "Quarterly invoice zebrafish"


@pytest.fixture
def team_message(rc: RunningEmulator, support_line: TeamMailbox) -> Message:  # noqa: F811
    """A message in Support Line's index, from a named customer."""
    record = sms(other=CUSTOMER, name="Zelda Quinn", text=SECRET, created=days_ago(1))
    fill(mailbox_of(person(rc, "agent"), support_line.extension_id), record)
    return record


@pytest.fixture
def riley(rc: RunningEmulator) -> User:
    return person(rc, "agent2")


def page_of(client: Client, **params: str) -> str:
    answer = client.get(URL, params)
    assert answer.status_code == 200
    return answer.content.decode()


def hit_links(page: str) -> list[str]:
    return re.findall(r'<a class="search-hit-link" href="([^"]+)"', page)


def results_of(page: str) -> str:
    """The results and every field's errors: what the page says of the search."""
    found = re.search(r'<section class="search-results".*?</section>', page, re.S)
    assert found is not None
    errors = re.findall(r'<div class="field-errors" id="id_\w+_error">.*?</div>', page, re.S)
    return found.group(0) + "".join(errors)


def test_members_and_admins_find_the_team_mailboxs_message(
    rc: RunningEmulator,
    bob_client: Client,
    alice_client: Client,
    support_line: TeamMailbox,  # noqa: F811
    team_message: Message,
) -> None:
    message = f"{team_message.id}/#message-{team_message.id}"
    link = f"/inbox/{support_line.extension_id}/messages/{message}"

    for client in (bob_client, alice_client):
        page = page_of(client, q="zebrafish")
        assert hit_links(page) == [link]
        assert "Support Line" in page


def test_a_non_member_finds_none_of_its_messages_by_words_number_or_name(
    rc: RunningEmulator,
    charlie_client: Client,
    riley: User,
    support_line: TeamMailbox,  # noqa: F811
    team_message: Message,
) -> None:
    # Riley's own mailbox is indexed too, so his searches do run
    fill(mailbox_of(riley), sms(other="+12095550100", text="unrelated", created=days_ago(2)))
    since = time.time()

    for text in ("zebrafish", "Quarterly invoice", "555-739", "4155557391", "Zelda", "zelda quinn"):
        page = page_of(charlie_client, q=text)
        assert hit_links(page) == [], text
        assert "Support Line" not in page
        shown = results_of(page).replace(f"“{text}”", "“…”").lower()
        assert "zelda" not in shown and "zebrafish" not in shown and "7391" not in shown, text
    assert rc_calls(rc, since) == 0


def test_naming_a_mailbox_he_cannot_open_finds_nothing_and_tells_nothing(
    rc: RunningEmulator,
    charlie_client: Client,
    riley: User,
    support_line: TeamMailbox,  # noqa: F811
    team_message: Message,
) -> None:
    fill(mailbox_of(riley), sms(text="zebrafish of my own", created=days_ago(2)))
    sam = person(rc, "agent")
    fill(mailbox_of(sam), sms(text="zebrafish in Sam's inbox", created=days_ago(3)))
    nowhere = 5_999_999_999

    def answer(extension_id: int) -> str:
        page = page_of(charlie_client, q="zebrafish", mailbox=str(extension_id))
        assert hit_links(page) == []
        assert "zebrafish of my own" not in page  # a filter that is not valid searches nothing
        assert "Sam&#x27;s inbox" not in page and "Support Line" not in page
        return results_of(page).replace(str(extension_id), "<id>")

    team, sams, missing = (
        answer(support_line.extension_id),
        answer(sam.rc_extension_id or 0),
        answer(nowhere),
    )
    assert team == sams == missing  # the same page whichever: nothing tells them apart
    assert "Choose one of your mailboxes, or all of them." in team


def test_the_mailbox_filter_offers_only_his_own_mailboxes(
    rc: RunningEmulator,
    charlie_client: Client,
    riley: User,
    support_line: TeamMailbox,  # noqa: F811
    team_message: Message,
) -> None:
    fill(mailbox_of(riley), sms(text="hello", created=days_ago(2)))

    page = page_of(charlie_client)

    choices = re.search(r'<select name="mailbox"[^>]*>(.*?)</select>', page, re.S)
    assert choices is not None
    assert re.findall(r'<option value="(\d+)"', choices.group(1)) == [str(riley.rc_extension_id)]


def test_the_hits_link_is_a_404_for_a_non_member(
    rc: RunningEmulator,
    charlie_client: Client,
    support_line: TeamMailbox,  # noqa: F811
    team_message: Message,
) -> None:
    since = time.time()

    answer = charlie_client.get(
        reverse("inbox:message", args=[support_line.extension_id, team_message.id])
    )

    assert answer.status_code == 404
    assert rc_calls(rc, since) == 0
