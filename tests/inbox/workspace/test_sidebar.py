"""The sidebar of every signed-in page: the person's own mailbox and their team mailboxes with
unread conversations, the views across them with their counts, the admins' pages for admins;
from the index and the ownership tables only, kept until one of the mailboxes changes."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from inbox.conversations.selectors import Mailbox
from inbox.models import MailboxSync, TeamMailbox
from inbox.ownership import services
from tests.emulator.factories import make_sms, unique_number
from tests.inbox.conftest import extension_of
from tests.inbox.index.conftest import sync
from tests.inbox.ownership.support import index_ready, indexed, mailbox_of
from tests.inbox.support import found, rc_calls
from tests.inbox.team.conftest import person
from tests.support.emulator import RunningEmulator


def sidebar_of(page: str) -> str:
    return found(r'(<div class="sidebar" id="sidebar".*?</nav>)', page)


def unread_of(sidebar: str) -> dict[str, str]:
    return dict(re.findall(r'data-mailbox-unread="(\d+)"[^>]*>(\d+)<', sidebar))


def view_counts_of(sidebar: str) -> dict[str, str]:
    return dict(re.findall(r'data-sidebar-view-count="(\w+)">(\d+)<', sidebar))


@pytest.fixture
def sam(rc: RunningEmulator, support_line: TeamMailbox) -> User:
    return person(rc, "agent")


def index_whole(box: Mailbox) -> Mailbox:
    """The mailbox as the index keeps it after its first sync: its window goes back further
    than the unread counts look."""
    index_ready(box)
    MailboxSync.objects.filter(account_id=box.account_id, extension_id=box.extension_id).update(
        index_window_start=timezone.now() - timedelta(days=60)
    )
    return box


@pytest.fixture
def team_box(sam: User, support_line: TeamMailbox) -> Mailbox:
    return index_whole(mailbox_of(sam, support_line.extension_id))


@pytest.fixture
def own_box(sam: User) -> Mailbox:
    return index_whole(mailbox_of(sam))


def test_a_member_sees_their_mailboxes_and_views_counted_without_a_ringcentral_call(
    bob_client: Client, rc: RunningEmulator, sam: User, own_box: Mailbox, team_box: Mailbox
) -> None:
    indexed(team_box)
    indexed(team_box)
    indexed(team_box, unread_count=0)
    indexed(own_box)
    since = time.time()

    # the views page reads only the index and the ownership tables: any call would be the sidebar's
    page = bob_client.get(reverse("inbox:ownership_view_all", args=["done"])).content.decode()

    sidebar = sidebar_of(page)
    assert ">Inbox</span></a>" in sidebar
    assert f">{team_box.name}</span></a>" in sidebar
    assert view_counts_of(sidebar) == {
        "mine": "0",
        "unassigned": "3",  # across mailboxes: the team mailbox's (one's own are one's own)
        "open": "4",
        "snoozed": "0",
        "done": "0",
    }
    assert "Audit log" not in sidebar  # an agent has no admins' pages
    assert rc_calls(rc, since) == 0


def test_unread_conversations_are_counted_from_the_index(
    bob_browser: Client, bob: User, fresh_rc: RunningEmulator
) -> None:
    bob_extension = extension_of(fresh_rc, "agent")
    for _ in range(3):
        make_sms(fresh_rc.db_path, bob_extension, other_number=unique_number(), text="Hello?")
    before = sidebar_of(bob_browser.get(reverse("accounts:profile")).content.decode())
    sync(bob)
    since = time.time()

    after = sidebar_of(bob_browser.get(reverse("accounts:profile")).content.decode())

    assert unread_of(before) == {}  # not indexed yet: no count rather than a guess
    shown = int(unread_of(after)[str(bob_extension)])
    assert shown >= 3  # the seeded mailbox has unread conversations of its own too
    assert rc_calls(fresh_rc, since) == 0


def test_a_person_outside_a_team_mailbox_does_not_see_it(
    charlie_client: Client, rc: RunningEmulator, support_line: TeamMailbox, sam: User
) -> None:
    index_ready(mailbox_of(sam, support_line.extension_id))

    sidebar = sidebar_of(charlie_client.get(reverse("accounts:profile")).content.decode())

    assert support_line.name not in sidebar
    assert f'data-mailbox-unread="{support_line.extension_id}"' not in sidebar


def test_an_admin_has_the_admins_pages(alice_client: Client, rc: RunningEmulator) -> None:
    sidebar = sidebar_of(alice_client.get(reverse("accounts:profile")).content.decode())

    for name in ("Bulk delete", "Team mailboxes", "Audit log", "Operations"):
        assert f'<span class="nav-label">{name}</span>' in sidebar


def test_counts_follow_a_change_in_one_of_the_mailboxes(
    bob_client: Client, sam: User, team_box: Mailbox, django_capture_on_commit_callbacks: Any
) -> None:
    row = indexed(team_box)
    profile = reverse("accounts:profile")
    before = view_counts_of(sidebar_of(bob_client.get(profile).content.decode()))

    with django_capture_on_commit_callbacks(execute=True):  # the change is told on commit
        services.threads_assign(
            user=sam,
            mailbox=team_box,
            threads=[("conversation", row.thread_id)],
            assignee_id=sam.pk,
        )
    after = view_counts_of(sidebar_of(bob_client.get(profile).content.decode()))

    assert (before["mine"], before["unassigned"]) == ("0", "1")
    assert (after["mine"], after["unassigned"]) == ("1", "0")


def test_it_marks_the_open_mailbox(bob_client: Client, sam: User, team_box: Mailbox) -> None:
    page = bob_client.get(reverse("inbox:conversations", args=[team_box.extension_id]))

    sidebar = sidebar_of(page.content.decode())
    link = found(rf'(<a class="nav-link" href="/inbox/{team_box.extension_id}/"[^>]*>)', sidebar)
    assert 'aria-current="page"' in link


def test_a_stranger_has_no_sidebar(client: Client) -> None:
    page = client.get(reverse("inbox:home")).content.decode()

    assert 'class="sidebar"' not in page
    assert '<header class="site-header">' in page


def test_the_sidebar_comes_alone_for_live_refreshes(
    bob_client: Client, rc: RunningEmulator, sam: User, team_box: Mailbox
) -> None:
    indexed(team_box)
    since = time.time()

    answer = bob_client.get(reverse("inbox:sidebar"))

    nav = answer.content.decode()
    assert answer.status_code == 200
    assert nav.lstrip().startswith('<nav aria-label="Main" class="sidebar-nav"')
    assert "<html" not in nav
    assert view_counts_of(nav)["unassigned"] == "1"
    assert rc_calls(rc, since) == 0


def test_the_sidebar_alone_is_for_people_signed_in_with_ringcentral(
    client: Client, dave_client: Client
) -> None:
    assert client.get(reverse("inbox:sidebar")).status_code == 302  # to sign in
    assert dave_client.get(reverse("inbox:sidebar")).status_code == 404
