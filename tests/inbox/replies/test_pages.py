"""The saved replies' pages: who sees, adds, changes and deletes which replies; what is
refused, with which sentence; what the audit log keeps."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from inbox.models import AuditEntry, SavedReply
from tests.inbox.replies.support import OTHER_ACCOUNT, person

pytestmark = pytest.mark.django_db

LIST = reverse("inbox:saved_replies")


@pytest.fixture
def alice() -> User:
    """The admin."""
    return person("Alice", "Admin", admin=True)


@pytest.fixture
def bob() -> User:
    """An agent of alice's account."""
    return person("Bob", "Agent")


@pytest.fixture
def carol() -> User:
    """Another agent of the same account."""
    return person("Carol", "Agent")


@pytest.fixture
def zed() -> User:
    """An admin of another RingCentral account."""
    return person("Zed", "Elsewhere", account_id=OTHER_ACCOUNT, admin=True)


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def team_reply(account_id: int, name: str = "Greeting", text: str = "Hi!") -> SavedReply:
    return SavedReply.objects.create(account_id=account_id, owner=None, name=name, text=text)


def own_reply(user: User, name: str = "Mine", text: str = "Hello") -> SavedReply:
    assert user.rc_account_id is not None
    return SavedReply.objects.create(
        account_id=user.rc_account_id, owner=user, name=name, text=text
    )


def add(client: Client, **fields: str) -> Any:
    return client.post(LIST, {"name": "Order ready", "text": "It is ready.", **fields})


# --------------------------------------------------------------------------- adding


def test_it_lets_an_admin_add_a_team_wide_reply(alice: User, bob: User) -> None:
    response = add(client_of(alice), scope="team", text="Hi {contact.first_name}!")

    assert response.status_code == 302
    reply = SavedReply.objects.get(name="Order ready")
    assert reply.owner is None
    assert reply.account_id == alice.rc_account_id
    assert reply.text == "Hi {contact.first_name}!"
    page = client_of(bob).get(LIST).content.decode()
    assert "Order ready" in page


def test_it_lets_an_agent_add_a_reply_of_their_own(bob: User, carol: User) -> None:
    response = add(client_of(bob))

    assert response.status_code == 302
    reply = SavedReply.objects.get(name="Order ready")
    assert reply.owner == bob
    assert "Order ready" not in client_of(carol).get(LIST).content.decode()


def test_it_refuses_a_team_wide_reply_from_an_agent(bob: User) -> None:
    response = add(client_of(bob), scope="team")

    assert response.status_code == 403
    assert not SavedReply.objects.exists()


def test_it_shows_an_agent_no_choice_of_scope(alice: User, bob: User) -> None:
    assert "Everyone in the team" not in client_of(bob).get(LIST).content.decode()
    assert "Everyone in the team" in client_of(alice).get(LIST).content.decode()


@pytest.mark.parametrize(
    ("fields", "field", "sentence"),
    [
        ({"name": "  "}, "name", "Give the reply a name, to find it by."),
        ({"text": " \n "}, "text", "Write the reply&#x27;s text."),
        ({"name": "n" * 81}, "name", "The name is 81 characters long; use at most 80."),
        (
            {"text": "x" * 1001},
            "text",
            "The text is 1,001 characters long; a reply can be at most 1,000",
        ),
        (
            {"text": "Hi {contact.frist_name} from {team}"},
            "text",
            "{contact.frist_name}, {team} are not variables a reply can use. Use one of "
            "{contact.first_name}, {contact.name}, {agent.first_name}, {agent.name}, "
            "{mailbox.name}, or remove the braces.",
        ),
    ],
)
def test_it_refuses_what_cannot_be_saved_with_a_sentence(
    bob: User, fields: dict[str, str], field: str, sentence: str
) -> None:
    response = add(client_of(bob), **fields)

    assert response.status_code == 400
    page = response.content.decode()
    assert sentence in page
    assert f'id="id_{field}_error"' in page
    assert not SavedReply.objects.exists()


def test_it_counts_an_emoji_as_two_characters(bob: User) -> None:
    response = add(client_of(bob), text="😀" * 501)

    assert response.status_code == 400
    assert "The text is 1,002 characters long" in response.content.decode()


def test_it_refuses_a_second_reply_of_the_same_name(alice: User, bob: User) -> None:
    team_reply(alice.rc_account_id or 0, name="Order ready")
    own_reply(bob, name="Closing")

    taken_by_team = add(client_of(alice), scope="team")
    taken_by_self = add(client_of(bob), name="Closing")
    mine_beside_the_teams = add(client_of(bob))

    assert taken_by_team.status_code == 400
    assert "A team-wide reply is already named “Order ready”." in taken_by_team.content.decode()
    assert taken_by_self.status_code == 400
    assert "One of your replies is already named “Closing”." in taken_by_self.content.decode()
    assert mine_beside_the_teams.status_code == 302


# --------------------------------------------------------------------------- seeing


def test_it_lists_the_teams_replies_and_ones_own(alice: User, bob: User, carol: User) -> None:
    team_reply(alice.rc_account_id or 0, name="Team greeting")
    own_reply(bob, name="Bob's closing")
    own_reply(carol, name="Carol's closing")

    page = client_of(bob).get(LIST).content.decode()

    assert "Team greeting" in page
    assert "Bob&#x27;s closing" in page
    assert "Carol" not in page.split("Your replies")[1]


def test_it_never_lists_another_accounts_replies(alice: User, zed: User) -> None:
    team_reply(OTHER_ACCOUNT, name="Elsewhere greeting")
    own_reply(zed, name="Zed's own")

    page = client_of(alice).get(LIST).content.decode()

    assert "Elsewhere greeting" not in page
    assert "Zed" not in page


def test_it_shows_an_agent_team_wide_replies_read_only(alice: User, bob: User) -> None:
    reply = team_reply(alice.rc_account_id or 0)

    agents = client_of(bob).get(LIST).content.decode()
    admins = client_of(alice).get(LIST).content.decode()

    edit = reverse("inbox:saved_reply", args=[reply.pk])
    assert edit not in agents
    assert edit in admins


def test_it_hides_the_page_from_a_person_without_ringcentral() -> None:
    nobody = User.objects.create_user("dave", password="x")

    assert client_of(nobody).get(LIST).status_code == 404


def test_it_sends_a_visitor_to_sign_in() -> None:
    response = Client().get(LIST)

    assert response.status_code == 302
    assert "login" in response["Location"]


def test_it_shows_a_reply_holding_markup_as_text(bob: User) -> None:
    own_reply(bob, name="<b>bold</b>", text="<script>alert(1)</script>")

    page = client_of(bob).get(LIST).content.decode()

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page


# --------------------------------------------------------------------------- changing


def test_it_lets_a_person_change_their_own_reply(bob: User) -> None:
    reply = own_reply(bob)
    url = reverse("inbox:saved_reply", args=[reply.pk])

    form = client_of(bob).get(url)
    response = client_of(bob).post(url, {"name": "Renamed", "text": "New {agent.first_name}"})

    assert form.status_code == 200
    assert response.status_code == 302
    reply.refresh_from_db()
    assert (reply.name, reply.text) == ("Renamed", "New {agent.first_name}")


def test_it_lets_an_admin_change_a_team_wide_reply(alice: User) -> None:
    reply = team_reply(alice.rc_account_id or 0)
    url = reverse("inbox:saved_reply", args=[reply.pk])

    response = client_of(alice).post(url, {"name": "Greeting", "text": "Hello there"})

    assert response.status_code == 302
    reply.refresh_from_db()
    assert reply.text == "Hello there"
    assert reply.owner is None


def test_it_keeps_a_refused_change_unsaved(bob: User) -> None:
    reply = own_reply(bob)
    url = reverse("inbox:saved_reply", args=[reply.pk])

    response = client_of(bob).post(url, {"name": "Mine", "text": "{nope}"})

    assert response.status_code == 400
    assert "{nope} is not a variable a reply can use." in response.content.decode()
    reply.refresh_from_db()
    assert reply.text == "Hello"


@pytest.mark.parametrize("view", ["inbox:saved_reply", "inbox:saved_reply_delete"])
def test_it_answers_404_to_anyone_who_may_not_change_a_reply(
    view: str, alice: User, bob: User, carol: User, zed: User
) -> None:
    team = team_reply(alice.rc_account_id or 0)
    bobs = own_reply(bob)

    for user, reply in [(carol, bobs), (alice, bobs), (bob, team), (zed, team), (zed, bobs)]:
        url = reverse(view, args=[reply.pk])
        client = client_of(user)
        assert client.get(url).status_code == 404, (user, reply)
        assert client.post(url, {"name": "Taken", "text": "Over"}).status_code == 404
    assert SavedReply.objects.filter(name="Taken").count() == 0
    assert SavedReply.objects.count() == 2


def test_it_answers_404_to_an_id_that_does_not_exist(bob: User) -> None:
    for reply_id in (0, 123456, 2**63 + 5):
        url = reverse("inbox:saved_reply", args=[reply_id])
        assert client_of(bob).get(url).status_code == 404


# --------------------------------------------------------------------------- deleting


def test_it_asks_before_deleting_then_deletes(bob: User) -> None:
    reply = own_reply(bob, name="Old one")
    url = reverse("inbox:saved_reply_delete", args=[reply.pk])

    question = client_of(bob).get(url)
    response = client_of(bob).post(url)

    assert question.status_code == 200
    assert "Delete “Old one”?" in question.content.decode()
    assert SavedReply.objects.filter(pk=reply.pk).exists() is False
    assert response.status_code == 302


def test_it_needs_the_csrf_token_to_delete(bob: User) -> None:
    reply = own_reply(bob)
    client = Client(enforce_csrf_checks=True)
    client.force_login(bob)

    response = client.post(reverse("inbox:saved_reply_delete", args=[reply.pk]))

    assert response.status_code == 403
    assert SavedReply.objects.filter(pk=reply.pk).exists()


# --------------------------------------------------------------------------- audit


def test_it_records_each_change_in_the_audit_log(alice: User) -> None:
    client = client_of(alice)
    add(client, scope="team", name="Greeting")
    reply = SavedReply.objects.get(name="Greeting")
    client.post(
        reverse("inbox:saved_reply", args=[reply.pk]), {"name": "Welcome", "text": "Hi there"}
    )
    client.post(reverse("inbox:saved_reply_delete", args=[reply.pk]))

    entries = list(AuditEntry.objects.order_by("id"))
    assert [e.action for e in entries] == [
        AuditEntry.Action.SAVED_REPLY_ADD,
        AuditEntry.Action.SAVED_REPLY_CHANGE,
        AuditEntry.Action.SAVED_REPLY_DELETE,
    ]
    assert [e.detail for e in entries] == [
        "“Greeting” (team-wide)",
        "“Welcome” (team-wide), renamed from “Greeting”",
        "“Welcome” (team-wide)",
    ]
    assert all(e.actor == alice and e.account_id == alice.rc_account_id for e in entries)
    assert all(e.extension_id == alice.rc_extension_id for e in entries)
    assert all(e.ip_address == "127.0.0.1" for e in entries)


def test_it_records_nothing_for_a_refused_change(bob: User) -> None:
    add(client_of(bob), name="")

    assert not AuditEntry.objects.exists()
