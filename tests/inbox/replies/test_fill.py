"""The replies a composer inserts, filled in for one conversation on the server: the
customer's name from the conversation, the person's, the mailbox's; a visible blank where a
value is missing; only the replies the person may use; a 404 for a mailbox or conversation
they may not open."""

from __future__ import annotations

import json

from django.test import Client
from django.urls import reverse

from accounts.models import User
from inbox.models import Contact, ContactNumber, SavedReply
from tests.emulator.factories import conversation_of, unique_number
from tests.inbox.conftest import extension_of
from tests.inbox.replies.support import OTHER_ACCOUNT, named_sms
from tests.inbox.team.conftest import connect_by_jwt, members_set
from tests.inbox.team.conftest import person as rc_person
from tests.support.emulator import RunningEmulator

GREETING = "Hi {contact.first_name}, {agent.first_name} from {mailbox.name} here."


def conversation(rc: RunningEmulator, which: str, name: str | None) -> tuple[int, int]:
    """A new conversation in `which`'s mailbox with a customer RingCentral names `name`:
    (extension id, conversation id)."""
    extension = extension_of(rc, which)
    message = named_sms(rc.db_path, extension, number=unique_number(), name=name)
    return extension, conversation_of(rc.db_path, message)


def filled(client: Client, extension_id: int, conversation_id: int) -> dict[str, str]:
    response = client.get(
        reverse("inbox:thread_saved_replies", args=[extension_id, conversation_id])
    )
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    return {r["name"]: r["text"] for r in json.loads(response.content)["replies"]}


def reply(user: User, name: str, text: str, *, team_wide: bool = False) -> SavedReply:
    assert user.rc_account_id is not None
    return SavedReply.objects.create(
        account_id=user.rc_account_id, owner=None if team_wide else user, name=name, text=text
    )


def test_it_fills_the_variables_for_the_conversation(
    rc: RunningEmulator, bob_client: Client
) -> None:
    bob = rc_person(rc, "agent")
    reply(bob, "Greeting", GREETING, team_wide=True)
    reply(bob, "Full", "{contact.name} / {agent.name}")
    extension, conversation_id = conversation(rc, "agent", "Fatima Rossi")

    replies = filled(bob_client, extension, conversation_id)

    mailbox = bob.get_full_name()
    assert replies == {
        "Greeting": f"Hi Fatima, {bob.first_name} from {mailbox} here.",
        "Full": f"Fatima Rossi / {bob.get_full_name()}",
    }


def test_it_leaves_a_blank_where_the_customer_has_no_name(
    rc: RunningEmulator, bob_client: Client
) -> None:
    bob = rc_person(rc, "agent")
    reply(bob, "Greeting", GREETING)
    extension, conversation_id = conversation(rc, "agent", None)

    text = filled(bob_client, extension, conversation_id)["Greeting"]

    assert text.startswith("Hi [first name], ")
    assert "{" not in text


def test_it_names_a_team_mailbox_by_its_name(
    rc: RunningEmulator, alice_client: Client, bob_client: Client
) -> None:
    team = connect_by_jwt(alice_client, rc)
    members_set(alice_client, team, rc_person(rc, "agent"), name="Support Line")
    bob = rc_person(rc, "agent")
    reply(bob, "Greeting", GREETING)
    message = named_sms(rc.db_path, team.extension_id, number=unique_number(), name="Fatima Rossi")

    replies = filled(bob_client, team.extension_id, conversation_of(rc.db_path, message))

    assert replies["Greeting"] == f"Hi Fatima, {bob.first_name} from Support Line here."


def test_it_offers_only_the_replies_the_person_may_use(
    rc: RunningEmulator, bob_client: Client, charlie_client: Client
) -> None:
    bob, charlie = rc_person(rc, "agent"), rc_person(rc, "agent2")
    reply(bob, "Team", "For all", team_wide=True)
    reply(bob, "Bob's", "Mine")
    reply(charlie, "Charlie's", "Not Bob's")
    SavedReply.objects.create(account_id=OTHER_ACCOUNT, owner=None, name="Far", text="Away")
    extension, conversation_id = conversation(rc, "agent", "Fatima Rossi")

    assert list(filled(bob_client, extension, conversation_id)) == ["Team", "Bob's"]


def test_it_hides_another_persons_conversation(
    rc: RunningEmulator, bob_client: Client, charlie_client: Client, dave_client: Client
) -> None:
    extension, conversation_id = conversation(rc, "agent", "Fatima Rossi")
    url = reverse("inbox:thread_saved_replies", args=[extension, conversation_id])

    assert charlie_client.get(url).status_code == 404
    assert dave_client.get(url).status_code == 404
    assert Client().get(url).status_code == 302  # to sign in


def test_it_answers_404_for_a_conversation_that_does_not_exist(
    rc: RunningEmulator, bob_client: Client
) -> None:
    url = reverse("inbox:thread_saved_replies", args=[extension_of(rc, "agent"), 987654321])

    assert bob_client.get(url).status_code == 404


def test_it_carries_markup_as_text(rc: RunningEmulator, bob_client: Client) -> None:
    bob = rc_person(rc, "agent")
    reply(bob, "Markup", "<script>alert('{contact.first_name}')</script>")
    extension, conversation_id = conversation(rc, "agent", "<img src=x onerror=alert(1)>")

    response = bob_client.get(
        reverse("inbox:thread_saved_replies", args=[extension, conversation_id])
    )

    assert response["Content-Type"] == "application/json"
    assert response["X-Content-Type-Options"] == "nosniff"
    text = json.loads(response.content)["replies"][0]["text"]
    assert text == "<script>alert('<img')</script>"


def test_it_prefers_the_address_books_name(rc: RunningEmulator, bob_client: Client) -> None:
    bob = rc_person(rc, "agent")
    assert bob.rc_account_id is not None
    reply(bob, "Greeting", "Hi {contact.first_name} ({contact.name})")
    extension = extension_of(rc, "agent")
    number = unique_number()
    message = named_sms(rc.db_path, extension, number=number, name="F. Rossi")
    contact = Contact.objects.create(account_id=bob.rc_account_id, name="Fatima Rossi")
    ContactNumber.objects.create(contact=contact, account_id=bob.rc_account_id, number=number)

    replies = filled(bob_client, extension, conversation_of(rc.db_path, message))

    assert replies["Greeting"] == "Hi Fatima (Fatima Rossi)"
