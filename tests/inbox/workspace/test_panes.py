"""The panes htmx fills: a row opened beside the list gets the thread pane alone (and the
tab's title), a thread opened by a link fetches its list pane alone; both keep every access
rule of the whole pages, and without htmx the whole pages come."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from inbox.models import TeamMailbox
from tests.emulator.factories import conversation_of, make_sms, unique_number
from tests.inbox.conftest import extension_of
from tests.inbox.support import found
from tests.inbox.team.conftest import person
from tests.support.emulator import RunningEmulator

PANE = {"HX-Request": "true", "HX-Target": "thread-pane"}
LIST = {"HX-Request": "true", "HX-Target": "list-pane"}


@pytest.fixture
def conversation(rc: RunningEmulator) -> tuple[int, int, str]:
    bob = extension_of(rc, "agent")
    customer = unique_number()
    first = make_sms(rc.db_path, bob, other_number=customer, text="Pane <b>test</b>")
    return bob, conversation_of(rc.db_path, first), customer


def thread_address(extension: int, conversation_id: int) -> str:
    return reverse("inbox:thread", args=[extension, conversation_id])


def test_a_row_opened_beside_the_list_gets_the_thread_pane_alone(
    bob_client: Client, conversation: tuple[int, int, str]
) -> None:
    extension, conversation_id, _customer = conversation

    page = bob_client.get(thread_address(extension, conversation_id), headers=PANE).content.decode()

    assert page.lstrip().startswith("<title>")
    assert '<section class="thread-pane" id="thread-pane"' in page
    assert "Pane &lt;b&gt;test&lt;/b&gt;" in page  # customer text escaped
    assert "<html" not in page and 'class="sidebar"' not in page
    assert 'id="list-pane"' not in page


def test_a_thread_opened_by_a_link_is_a_whole_page_whose_list_comes_by_itself(
    bob_client: Client, conversation: tuple[int, int, str]
) -> None:
    extension, conversation_id, _customer = conversation
    back = reverse("inbox:conversations", args=[extension]) + "?type=sms"

    page = bob_client.get(thread_address(extension, conversation_id), {"back": back})

    html = page.content.decode()
    assert html.startswith("<!doctype html>")
    assert 'class="sidebar"' in html
    placeholder = found(r'(<section class="list-pane" id="list-pane"[^>]*>)', html)
    assert 'hx-get="/inbox/' in placeholder and "?type=sms" in placeholder
    assert 'hx-select="#list-pane"' in placeholder


def test_the_list_pane_alone_when_asked_for(
    bob_client: Client, conversation: tuple[int, int, str]
) -> None:
    extension, _conversation_id, _customer = conversation

    page = bob_client.get(reverse("inbox:conversations", args=[extension]), headers=LIST)

    html = page.content.decode()
    assert html.lstrip().startswith("{") is False
    assert '<section class="list-pane" id="list-pane"' in html
    assert "<html" not in html
    assert "data-conversations" in html


def test_a_stranger_gets_404_for_the_panes_too(
    charlie_client: Client, rc: RunningEmulator, conversation: tuple[int, int, str]
) -> None:
    extension, conversation_id, _customer = conversation

    assert (
        charlie_client.get(thread_address(extension, conversation_id), headers=PANE).status_code
        == 404
    )
    assert (
        charlie_client.get(
            reverse("inbox:conversations", args=[extension]), headers=LIST
        ).status_code
        == 404
    )


def test_rows_are_served_from_the_cache_only_while_unchanged(
    bob_client: Client, rc: RunningEmulator, conversation: tuple[int, int, str]
) -> None:
    extension, _conversation_id, customer = conversation
    address = reverse("inbox:conversations", args=[extension])
    window = {"number": customer}
    first = bob_client.get(address, window).content.decode()
    assert first.count("data-row>") == 1

    make_sms(rc.db_path, extension, other_number=customer, text="A newer message")
    from tests.inbox.conversations.test_read_state import forget

    forget(rc)
    second = bob_client.get(address, window).content.decode()

    assert "A newer message" in second
    token = found(r'name="csrfmiddlewaretoken" value="([^"]+)"', second)
    assert "csrf-token-slot" not in second
    assert len(token) == 64


def test_a_team_mailbox_member_opens_its_panes(
    bob_client: Client, rc: RunningEmulator, support_line: TeamMailbox
) -> None:
    sam: User = person(rc, "agent")
    customer = unique_number()
    first = make_sms(rc.db_path, support_line.extension_id, other_number=customer, text="Hi team")
    conversation_id = conversation_of(rc.db_path, first)

    page = bob_client.get(thread_address(support_line.extension_id, conversation_id), headers=PANE)

    assert page.status_code == 200
    assert "Hi team" in page.content.decode()
    assert sam.is_authenticated
