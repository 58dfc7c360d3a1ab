"""The views (Mine, Unassigned, All open, Snoozed, Done) of a mailbox and across one's
mailboxes: their counts, rows, filters and pages, "Syncing…" for a mailbox not read yet, the
bulk changes, and the conversation list's navigation to them."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from inbox.conversations.selectors import Mailbox
from inbox.models import ConversationState, TeamMailbox
from inbox.ownership import selectors, services
from tests.inbox.ownership.support import index_ready, indexed, mailbox_of
from tests.inbox.support import found, rc_calls
from tests.inbox.team.conftest import person
from tests.support.emulator import RunningEmulator

CHANGE = reverse("inbox:ownership_change")


def view_url(view: str, extension_id: int | None = None) -> str:
    if extension_id is None:
        return reverse("inbox:ownership_view_all", args=[view])
    return reverse("inbox:ownership_view", args=[extension_id, view])


def counts_of(page: str) -> dict[str, str]:
    return dict(re.findall(r'data-view-count="(\w+)">([^<]*)<', page))


def parties_of(page: str) -> list[str]:
    return re.findall(
        r'<span class="party">(?:<span class="unread-dot".*?Unread: </span>)?([^<]*)<', page
    )


@pytest.fixture
def sam(rc: RunningEmulator, support_line: TeamMailbox) -> User:
    return person(rc, "agent")


@pytest.fixture
def team_box(sam: User, support_line: TeamMailbox) -> Mailbox:
    box = mailbox_of(sam, support_line.extension_id)
    index_ready(box)
    return box


@pytest.fixture
def own_box(sam: User) -> Mailbox:
    box = mailbox_of(sam)
    index_ready(box)
    return box


def test_each_view_lists_its_conversations_and_counts_them(
    rc: RunningEmulator, bob_client: Client, sam: User, team_box: Mailbox
) -> None:
    alex = person(rc, "admin")
    mine = indexed(team_box, parties=[{"number": "+16505550111", "name": "Mina Patel"}])
    nobodys = indexed(team_box, parties=[{"number": "+16505550112", "name": ""}])
    alexs = indexed(team_box, parties=[{"number": "+16505550113", "name": "Alexis Lee"}])
    done = indexed(team_box, parties=[{"number": "+16505550114", "name": "Dana Fox"}])
    snoozed = indexed(team_box, parties=[{"number": "+16505550115", "name": "Sol Ortiz"}])
    key = lambda row: ("conversation", row.thread_id)  # noqa: E731
    services.threads_assign(user=sam, mailbox=team_box, threads=[key(mine)], assignee_id=sam.pk)
    services.threads_assign(user=sam, mailbox=team_box, threads=[key(alexs)], assignee_id=alex.pk)
    services.threads_close(user=sam, mailbox=team_box, threads=[key(done)])
    services.threads_snooze(
        user=sam,
        mailbox=team_box,
        threads=[key(snoozed)],
        until=timezone.now() + timedelta(hours=2),
    )
    since = time.time()
    del nobodys

    pages = {
        view: bob_client.get(view_url(view, team_box.extension_id)).content.decode()
        for view in ("mine", "unassigned", "open", "snoozed", "done")
    }

    assert counts_of(pages["mine"]) == {
        "mine": "1",
        "unassigned": "1",
        "open": "3",
        "snoozed": "1",
        "done": "1",
    }
    assert parties_of(pages["mine"]) == ["Mina Patel"]
    assert parties_of(pages["unassigned"]) == ["(650) 555-0112"]
    assert sorted(parties_of(pages["open"])) == ["(650) 555-0112", "Alexis Lee", "Mina Patel"]
    assert parties_of(pages["snoozed"]) == ["Sol Ortiz"]
    assert parties_of(pages["done"]) == ["Dana Fox"]
    assert "Assigned to Alex Morgan" in pages["open"]
    assert "Snoozed until" in pages["snoozed"]
    assert ">Done</span>" in pages["done"]
    assert rc_calls(rc, since) == 0


def test_threads_older_than_the_sync_window_are_listed_only_once_someone_worked_them(
    bob_client: Client, sam: User, team_box: Mailbox
) -> None:
    # the back-fill brings years of history into the index: untouched, it stays out of the
    # views (search finds it); a thread worked here is listed whatever its age
    long_ago = timezone.now() - timedelta(days=400)
    recent = indexed(team_box, parties=[{"number": "+16505550121", "name": "Rita Vale"}])
    indexed(team_box, at=long_ago, parties=[{"number": "+16505550122", "name": "Old Untouched"}])
    worked = indexed(
        team_box, at=long_ago, parties=[{"number": "+16505550123", "name": "Old Done"}]
    )
    services.threads_close(user=sam, mailbox=team_box, threads=[("conversation", worked.thread_id)])
    del recent

    pages = {
        view: bob_client.get(view_url(view, team_box.extension_id)).content.decode()
        for view in ("open", "done")
    }

    assert parties_of(pages["open"]) == ["Rita Vale"]
    assert parties_of(pages["done"]) == ["Old Done"]
    assert counts_of(pages["open"])["open"] == "1"


def test_a_row_shows_what_a_list_row_shows_and_leads_to_the_thread(
    bob_client: Client, team_box: Mailbox
) -> None:
    row = indexed(
        team_box,
        preview="<script>alert(1)</script>  on   two lines",
        unread_count=2,
        last_type="SMS",
        last_direction="Inbound",
    )

    page = bob_client.get(view_url("open", team_box.extension_id)).content.decode()

    item = found(r'(<li class="conversation is-unread" data-row>.*?</li>)', page)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; on two lines" in item
    assert "<script>alert" not in page
    assert 'class="unread-dot"' in item and "Unread: " in item
    assert ">SMS</span>" in item and ">Received</span>" in item
    assert "<time datetime=" in item
    assert ">Open</span> · Unassigned" in item
    thread = reverse("inbox:thread", args=[team_box.extension_id, row.thread_id])
    assert f'href="{thread}?back=' in item
    assert f'value="{team_box.extension_id}:conversation:{row.thread_id}"' in item
    # two threads with one party (an SMS and a pager thread, say) are told apart by name too
    label = r'aria-label="Select the conversation with \(650\) 555-0101 \(SMS, (.*?)\)"'
    shown = found(label, item)
    assert shown == found(r"<time [^>]*>(.*?)</time>", item)


def test_a_fax_row_leads_to_its_own_page(bob_client: Client, team_box: Mailbox) -> None:
    fax = indexed(team_box, kind="message", last_type="Fax", preview="")

    page = bob_client.get(view_url("open", team_box.extension_id)).content.decode()

    assert reverse("inbox:message", args=[team_box.extension_id, fax.thread_id]) in page
    assert '<span class="preview">Fax</span>' in page


def test_the_filters_of_the_list_apply(bob_client: Client, team_box: Mailbox) -> None:
    indexed(team_box, parties=[{"number": "+1", "name": "Unread SMS"}], unread_count=1)
    indexed(team_box, parties=[{"number": "+1", "name": "Read SMS"}], unread_count=0)
    indexed(team_box, parties=[{"number": "+1", "name": "A pager"}], last_type="Pager")
    indexed(
        team_box,
        parties=[{"number": "+1", "name": "Sent"}],
        last_direction="Outbound",
        unread_count=0,
    )
    url = view_url("open", team_box.extension_id)

    unread = bob_client.get(url, {"read": "unread", "type": "text"}).content.decode()
    pager = bob_client.get(url, {"type": "pager"}).content.decode()
    sent = bob_client.get(url, {"direction": "Outbound"}).content.decode()
    nonsense = bob_client.get(url, {"type": "nonsense"})
    nonsense_and_unread = bob_client.get(url, {"type": "nonsense", "read": "unread"})

    assert parties_of(unread) == ["Unread SMS"]
    assert parties_of(pager) == ["A pager"]
    assert parties_of(sent) == ["Sent"]
    assert counts_of(unread)["open"] == "4"  # the view's count, not the filter's
    assert nonsense.status_code == 200
    assert len(parties_of(nonsense.content.decode())) == 4
    # the other filters still apply, and the one not valid is said beside its field
    assert parties_of(nonsense_and_unread.content.decode()) == ["A pager", "Unread SMS"]
    assert 'id="id_type_error"' in nonsense_and_unread.content.decode()
    assert "“nonsense” is not a type this list knows" in nonsense_and_unread.content.decode()


def test_it_pages(bob_client: Client, team_box: Mailbox) -> None:
    start = timezone.now() - timedelta(days=1)
    for n in range(selectors.PAGE_SIZE + 2):
        indexed(
            team_box,
            at=start + timedelta(minutes=n),
            parties=[{"number": "+1", "name": f"Customer {n}"}],
        )
    url = view_url("open", team_box.extension_id)

    first = bob_client.get(url, {"type": "text"}).content.decode()
    second = bob_client.get(url, {"type": "text", "page": "2"}).content.decode()

    assert parties_of(first)[0] == f"Customer {selectors.PAGE_SIZE + 1}"
    assert len(parties_of(first)) == selectors.PAGE_SIZE
    assert parties_of(second) == ["Customer 1", "Customer 0"]
    assert 'href="?type=text&amp;page=2" rel="next"' in first
    assert 'href="?type=text&amp;page=1" rel="prev"' in second


def test_a_mailbox_not_read_yet_says_it_is_syncing(
    bob_client: Client, sam: User, support_line: TeamMailbox
) -> None:
    box = mailbox_of(sam, support_line.extension_id)
    indexed(box)  # a row of a sync still going on

    page = bob_client.get(view_url("open", box.extension_id)).content.decode()

    assert "Syncing… This mailbox is being read from RingCentral for the first time." in page
    assert set(counts_of(page).values()) == {"…"}
    assert "No conversations" not in page
    assert "data-conversations" not in page


def test_across_mailboxes_mine_counts_every_mailbox_and_unassigned_only_team_ones(
    bob_client: Client, sam: User, team_box: Mailbox, own_box: Mailbox
) -> None:
    own_mine = indexed(own_box, parties=[{"number": "+1", "name": "Own, mine"}])
    indexed(own_box, parties=[{"number": "+1", "name": "Own, unassigned"}])
    team_mine = indexed(team_box, parties=[{"number": "+1", "name": "Team, mine"}])
    indexed(team_box, parties=[{"number": "+1", "name": "Team, unassigned"}])
    for box, row in ((own_box, own_mine), (team_box, team_mine)):
        services.threads_assign(
            user=sam, mailbox=box, threads=[("conversation", row.thread_id)], assignee_id=sam.pk
        )

    mine = bob_client.get(view_url("mine")).content.decode()
    unassigned = bob_client.get(view_url("unassigned")).content.decode()

    assert sorted(parties_of(mine)) == ["Own, mine", "Team, mine"]
    assert parties_of(unassigned) == ["Team, unassigned"]
    assert counts_of(mine) == {
        "mine": "2",
        "unassigned": "1",
        "open": "4",
        "snoozed": "0",
        "done": "0",
    }
    assert '<span class="mailbox-tag">Support Line</span>' in mine
    assert "Across your mailboxes:" in mine
    # each leads to the view in one mailbox, and says so (the sidebar's link is the list)
    one = view_url("mine", team_box.extension_id)
    assert f'<a href="{one}"><span class="visually-hidden">Mine in </span>Support Line</a>' in mine


def test_across_mailboxes_one_not_read_yet_is_named_as_syncing(
    bob_client: Client, sam: User, own_box: Mailbox, support_line: TeamMailbox
) -> None:
    indexed(own_box, parties=[{"number": "+1", "name": "Listed"}])

    page = bob_client.get(view_url("open")).content.decode()

    assert "Syncing… Support Line is being read from RingCentral for the first time" in page
    assert parties_of(page) == ["Listed"]


def test_bulk_changes_take_one_post(
    rc: RunningEmulator, bob_client: Client, sam: User, team_box: Mailbox, own_box: Mailbox
) -> None:
    rows = [indexed(team_box), indexed(team_box), indexed(own_box)]
    values = [f"{row.extension_id}:conversation:{row.thread_id}" for row in rows]
    here = view_url("open")
    since = time.time()

    closed = bob_client.post(CHANGE, {"thread": values, "action": "close", "next": here})
    snoozed = bob_client.post(
        CHANGE, {"thread": values[:2], "action": "snooze", "snooze": "hour", "next": here}
    )
    assigned = bob_client.post(
        CHANGE, {"thread": values[:2], "action": "assign", "assignee": sam.pk, "next": here}
    )
    page = bob_client.get(here).content.decode()

    assert [a.status_code for a in (closed, snoozed, assigned)] == [302, 302, 302]
    assert closed["Location"] == here
    assert "Assigned 2 conversations to Sam Rivera." in page
    states = ConversationState.objects.filter(thread_id__in=[r.thread_id for r in rows])
    assert sorted(s.status for s in states) == ["done", "snoozed", "snoozed"]
    assert {s.assignee_id for s in states if s.status == "snoozed"} == {sam.pk}
    assert rc_calls(rc, since) == 0


def test_a_bulk_assign_to_someone_who_cannot_open_one_of_the_mailboxes_changes_nothing(
    rc: RunningEmulator,
    bob_client: Client,
    alice_client: Client,
    team_box: Mailbox,
    own_box: Mailbox,
) -> None:
    alex = person(rc, "admin")
    rows = [indexed(team_box), indexed(own_box)]
    values = [f"{row.extension_id}:conversation:{row.thread_id}" for row in rows]

    answer = bob_client.post(
        CHANGE, {"thread": values, "action": "assign", "assignee": alex.pk}, follow=True
    )

    assert "Only someone who can open Sam Rivera" in answer.content.decode()
    assert not ConversationState.objects.filter(thread_id__in=[r.thread_id for r in rows]).exists()


def test_a_bulk_change_without_a_selection_says_so(bob_client: Client, team_box: Mailbox) -> None:
    answer = bob_client.post(
        CHANGE, {"action": "close", "next": view_url("open", team_box.extension_id)}, follow=True
    )

    assert "Select at least one conversation first." in answer.content.decode()


def test_the_bulk_bar_names_its_controls(bob_client: Client, team_box: Mailbox) -> None:
    indexed(team_box)

    page = bob_client.get(view_url("snoozed", team_box.extension_id)).content.decode()
    page_open = bob_client.get(view_url("open", team_box.extension_id)).content.decode()

    bar = found(r'(<form id="ownership-bulk".*?</form>)', page_open)
    assert 'aria-label="Change the selected conversations"' in bar
    assert '<label for="bulk-assignee">Assign to</label>' in bar
    for name in ("Assign selected", "Close selected", "Reopen selected", "Snooze selected"):
        assert f">{name}</button>" in bar
    assert '<label for="bulk-snooze">Snooze for</label>' in bar
    assert "csrfmiddlewaretoken" in bar
    assert "bulk_preview" not in bar  # not the admins' bulk delete
    assert "No conversations are in this view." in page


def test_the_conversation_list_leads_to_the_views_with_their_counts(
    bob_client: Client, sam: User, team_box: Mailbox
) -> None:
    row = indexed(team_box)
    services.threads_close(user=sam, mailbox=team_box, threads=[("conversation", row.thread_id)])

    page = bob_client.get(reverse("inbox:conversations", args=[team_box.extension_id]))

    nav = found(r'(<nav class="ownership-nav".*?</nav>)', page.content.decode())
    assert 'aria-label="Conversation views"' in nav
    assert counts_of(nav) == {
        "mine": "0",
        "unassigned": "0",
        "open": "0",
        "snoozed": "0",
        "done": "1",
    }
    assert f'href="{view_url("done", team_box.extension_id)}"' in nav
    assert f'href="{view_url("mine")}">All your mailboxes' in nav


def test_an_unknown_view_is_a_404(bob_client: Client, team_box: Mailbox) -> None:
    assert bob_client.get(view_url("everything", team_box.extension_id)).status_code == 404
    assert bob_client.get(view_url("everything")).status_code == 404
