"""Who may see and change ownership: those who can open the mailbox. Everything of a team
mailbox — its views, its threads' changes, the API — is a 404 for anyone else, changes
nothing and asks RingCentral nothing."""

from __future__ import annotations

import time

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from inbox.models import ConversationEvent, ConversationState, TeamMailbox
from inbox.ownership.presenters import VIEWS
from tests.inbox.ownership.support import index_ready, indexed, mailbox_of, thread_id_new
from tests.inbox.support import rc_calls
from tests.inbox.team.conftest import person
from tests.support.emulator import RunningEmulator

ACTIONS = ("assign", "close", "reopen", "snooze", "wake")


@pytest.fixture
def team_thread(rc: RunningEmulator, support_line: TeamMailbox) -> tuple[int, int]:
    """(mailbox, conversation) of Support Line, read by the index."""
    box = mailbox_of(person(rc, "agent"), support_line.extension_id)
    index_ready(box)
    row = indexed(box, parties=[{"number": "+16505550101", "name": "Team customer"}])
    return support_line.extension_id, row.thread_id


def test_a_stranger_gets_404_from_every_page_and_change_of_a_team_mailbox(
    rc: RunningEmulator, charlie_client: Client, team_thread: tuple[int, int]
) -> None:
    extension_id, thread_id = team_thread
    since = time.time()

    for view, _label in VIEWS:
        url = reverse("inbox:ownership_view", args=[extension_id, view])
        assert charlie_client.get(url).status_code == 404, url
    for action in ACTIONS:
        answer = charlie_client.post(
            reverse("inbox:ownership_change"),
            {
                "thread": f"{extension_id}:conversation:{thread_id}",
                "action": action,
                "assignee": person(rc, "agent2").pk,
                "snooze": "hour",
            },
        )
        assert answer.status_code == 404, action
    across = charlie_client.get(reverse("inbox:ownership_view_all", args=["open"]))

    assert across.status_code == 200
    assert "Team customer" not in across.content.decode()
    assert "Support Line" not in across.content.decode()
    assert not ConversationState.objects.filter(thread_id=thread_id).exists()
    assert not ConversationEvent.objects.filter(thread_id=thread_id).exists()
    assert rc_calls(rc, since) == 0


def test_a_stranger_gets_404_from_every_api_address_of_a_team_mailbox(
    rc: RunningEmulator, charlie_client: Client, team_thread: tuple[int, int]
) -> None:
    extension_id, thread_id = team_thread
    token = Token.objects.create(user=person(rc, "agent2"))
    script = Client(headers={"Authorization": f"Token {token.key}"})
    threads = [{"kind": "conversation", "id": str(thread_id)}]
    bodies = {
        "assign": {"threads": threads, "assignee_id": None},
        "snooze": {"threads": threads, "until": "2099-01-05T09:00:00Z"},
    }
    since = time.time()

    reads = [
        reverse("api:ownership_mailbox_views", args=[extension_id]),
        *(reverse("api:ownership_mailbox_view", args=[extension_id, v]) for v, _ in VIEWS),
        reverse("api:ownership_thread", args=[extension_id, "conversation", thread_id]),
    ]
    for url in reads:
        answer = script.get(url)
        assert answer.status_code == 404, url
        assert answer.json()["code"] == "not_found"
    for action in ACTIONS:
        url = reverse(f"api:ownership_{action}", args=[extension_id])
        answer = script.post(
            url, bodies.get(action, {"threads": threads}), content_type="application/json"
        )
        assert answer.status_code == 404, url
    across = script.get(reverse("api:ownership_views")).json()

    assert [m["name"] for m in across["syncing"]] == ["Riley Chen"]
    assert not ConversationState.objects.filter(thread_id=thread_id).exists()
    assert rc_calls(rc, since) == 0


def test_members_and_admins_may_change_a_team_mailboxs_threads(
    rc: RunningEmulator, alice_client: Client, bob_client: Client, team_thread: tuple[int, int]
) -> None:
    extension_id, thread_id = team_thread
    change = reverse("inbox:ownership_change")
    value = f"{extension_id}:conversation:{thread_id}"

    assert bob_client.post(change, {"thread": value, "action": "close"}).status_code == 302
    assert alice_client.post(change, {"thread": value, "action": "reopen"}).status_code == 302

    assert [e.actor_label for e in ConversationEvent.objects.filter(thread_id=thread_id)] == [
        "Sam Rivera",
        "Alex Morgan",
    ]


def test_an_agent_cannot_change_another_agents_mailbox(
    rc: RunningEmulator, bob_client: Client, charlie_client: Client
) -> None:
    sam = person(rc, "agent")
    value = f"{sam.rc_extension_id}:conversation:{thread_id_new()}"

    answer = charlie_client.post(
        reverse("inbox:ownership_change"), {"thread": value, "action": "close"}
    )

    assert answer.status_code == 404


def test_someone_without_ringcentral_gets_404_and_nobody_signed_in_is_sent_to_sign_in(
    dave_client: Client, client: Client
) -> None:
    views = reverse("inbox:ownership_view_all", args=["mine"])

    assert dave_client.get(views).status_code == 404
    assert dave_client.get(reverse("api:ownership_views")).status_code == 404
    assert client.get(views).status_code == 302
    assert client.get(reverse("api:ownership_views")).status_code == 401
    assert client.post(reverse("inbox:ownership_change"), {"action": "close"}).status_code == 302


def test_a_thread_value_that_names_no_thread_is_a_404(
    bob_client: Client, rc: RunningEmulator
) -> None:
    for value in ("x", "1:chat:2", "0:conversation:1", f"1:conversation:{2**63}"):
        answer = bob_client.post(
            reverse("inbox:ownership_change"), {"thread": value, "action": "close"}
        )
        assert answer.status_code == 404, value
