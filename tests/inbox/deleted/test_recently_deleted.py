"""Recently deleted: each mailbox's deleted conversations and messages (RingCentral's
`availability=Deleted`), restored with bulk PATCHes (`availability: Alive`) or, by admins and
after a confirmation, purged — each change in the audit log, and a 404 for whoever may not
open the mailbox or names what is not deleted in it."""

from __future__ import annotations

import time

import pytest
from django.test import Client
from django.urls import reverse

from inbox.models import AuditEntry
from tests.emulator.factories import (
    conversation_of,
    make_fax,
    make_sms,
    message_row,
    unique_number,
)
from tests.inbox.conftest import extension_of
from tests.inbox.support import availability, now, own_day, rc_calls
from tests.support.emulator import RunningEmulator


def deleted_url(running: RunningEmulator, name: str = "deleted", which: str = "agent") -> str:
    return reverse(f"inbox:{name}", args=[extension_of(running, which)])


def deleted_conversation(
    running: RunningEmulator,
    count: int,
    *,
    which: str = "agent",
    text: str = "deleted message",
    created_ts: float | None = None,
    state: str = "Deleted",
) -> tuple[int, list[int], str]:
    """A conversation of `count` messages in `which`'s mailbox, all `state`:
    (conversation id, message ids oldest first, the customer's number)."""
    number = unique_number()
    start = created_ts if created_ts is not None else time.time() - count
    ids = [
        make_sms(running.db_path, extension_of(running, which), other_number=number,
                 text=f"{text} {n}", created_ts=start + n, availability=state)
        for n in range(count)
    ]  # fmt: skip
    return conversation_of(running.db_path, ids[0]), ids, number


def local(number: str) -> str:
    """`+12095550123` as the inbox shows it."""
    return f"({number[2:5]}) {number[5:8]}-{number[8:]}"


# --------------------------------------------------------------------------- the list


def test_it_lists_the_mailboxs_deleted_conversations(
    bob_client: Client, rc: RunningEmulator
) -> None:
    _, _, gone = deleted_conversation(rc, 2, text="<script>alert(1)</script>")
    _, _, alive = deleted_conversation(rc, 1, state="Alive")

    response = bob_client.get(deleted_url(rc))
    page = response.content.decode()

    assert response.status_code == 200
    assert "<h1" in page and "Recently deleted" in page
    assert local(gone) in page and local(alive) not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; 1" in page  # the newest, escaped
    assert "<script>alert(1)</script>" not in page
    assert f"Restore the conversation with {local(gone)}" in page
    assert "Purge selected" not in page  # agents restore only
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_it_lists_deleted_faxes_on_their_own(bob_client: Client, rc: RunningEmulator) -> None:
    fax = make_fax(rc.db_path, extension_of(rc, "agent"), availability="Deleted")

    page = bob_client.get(deleted_url(rc)).content.decode()

    assert f'value="message:{fax}"' in page


def test_it_offers_admins_a_purge(alice_client: Client, rc: RunningEmulator) -> None:
    deleted_conversation(rc, 1)

    page = alice_client.get(deleted_url(rc)).content.decode()  # bob's mailbox

    assert "Purge selected" in page


def test_it_is_linked_from_the_conversation_list_and_the_delete_confirmation(
    bob_client: Client, rc: RunningEmulator
) -> None:
    _, ids, _ = deleted_conversation(rc, 1, state="Alive")
    bob = extension_of(rc, "agent")

    listing = bob_client.get(reverse("inbox:conversations", args=[bob])).content.decode()
    confirm = bob_client.get(reverse("inbox:message_delete", args=[bob, ids[0]])).content.decode()

    assert f'href="{deleted_url(rc)}"' in listing
    assert f'href="{deleted_url(rc)}"' in confirm


# --------------------------------------------------------------------------- restore


def test_it_restores_a_conversation_with_few_calls_and_shows_it_in_the_inbox(
    bob_client: Client, rc: RunningEmulator
) -> None:
    day, window = own_day()
    conversation_id, ids, number = deleted_conversation(rc, 53, created_ts=day)
    inbox = reverse("inbox:conversations", args=[extension_of(rc, "agent")])
    before = bob_client.get(inbox, window).content.decode()  # cached for 30 s
    since = now()

    response = bob_client.post(
        deleted_url(rc, "deleted_restore"), {"only": f"conversation:{conversation_id}"}
    )
    notice = bob_client.get(response["Location"]).content.decode()
    after = bob_client.get(inbox, window).content.decode()

    assert response.status_code == 302 and response["Location"] == deleted_url(rc)
    assert "Restored 1 conversation (53 messages). It is back in the inbox." in notice
    assert availability(rc, ids) == {"Alive": 53}
    assert rc_calls(rc, since, "patchMessage") == 2  # 50 + 3 ids, RingCentral's bulk PATCH
    assert local(number) not in before and local(number) in after
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.outcome) == ("messages_restore", "done")
    assert entry.conversation_ids == [str(conversation_id)]
    assert sorted(entry.message_ids) == sorted(str(i) for i in ids)
    assert entry.message_count == 53
    assert entry.actor_label == "Sam Rivera (ext. 102)"
    assert entry.ip_address == "127.0.0.1"


def test_it_restores_what_is_selected_only(bob_client: Client, rc: RunningEmulator) -> None:
    first, first_ids, _ = deleted_conversation(rc, 2)
    second, second_ids, _ = deleted_conversation(rc, 1)
    _left, left_ids, _ = deleted_conversation(rc, 1)
    fax = make_fax(rc.db_path, extension_of(rc, "agent"), availability="Deleted")

    bob_client.post(
        deleted_url(rc, "deleted_restore"),
        {"item": [f"conversation:{first}", f"conversation:{second}", f"message:{fax}"]},
    )

    assert availability(rc, [*first_ids, *second_ids, fax]) == {"Alive": 4}
    assert availability(rc, left_ids) == {"Deleted": 1}
    assert AuditEntry.objects.get().message_count == 4


def test_it_asks_for_a_selection(bob_client: Client, rc: RunningEmulator) -> None:
    response = bob_client.post(deleted_url(rc, "deleted_restore"), {})

    assert response.status_code == 302
    assert "Select what to restore" in bob_client.get(deleted_url(rc)).content.decode()
    assert not AuditEntry.objects.exists()


def test_it_does_not_restore_a_purged_conversation(bob_client: Client, rc: RunningEmulator) -> None:
    conversation_id, ids, _ = deleted_conversation(rc, 1, state="Purged")

    response = bob_client.post(
        deleted_url(rc, "deleted_restore"), {"only": f"conversation:{conversation_id}"}
    )

    assert response.status_code == 404
    assert availability(rc, ids) == {"Purged": 1}


# --------------------------------------------------------------------------- purge


def test_it_asks_admins_before_purging(alice_client: Client, rc: RunningEmulator) -> None:
    conversation_id, ids, number = deleted_conversation(rc, 3)
    target = deleted_url(rc, "deleted_purge")
    item = f"conversation:{conversation_id}"

    asked = alice_client.post(target, {"item": [item]})
    untouched = availability(rc, ids)
    done = alice_client.post(target, {"item": [item], "confirmed": "1"})

    page = asked.content.decode()
    assert asked.status_code == 200 and "cannot be undone" in page
    assert local(number) in page and f'value="{item}"' in page
    assert untouched == {"Deleted": 3}
    assert done.status_code == 302
    assert availability(rc, ids) == {"Purged": 3}
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.outcome, entry.message_count) == ("messages_purge", "done", 3)
    assert entry.actor_label == "Alex Morgan (ext. 101)"
    assert entry.extension_id == extension_of(rc, "agent")


def test_it_refuses_purging_to_agents(bob_client: Client, rc: RunningEmulator) -> None:
    conversation_id, ids, _ = deleted_conversation(rc, 1)
    item = f"conversation:{conversation_id}"

    asked = bob_client.post(deleted_url(rc, "deleted_purge"), {"item": [item]})
    forced = bob_client.post(deleted_url(rc, "deleted_purge"), {"item": [item], "confirmed": "1"})

    assert asked.status_code == forced.status_code == 403
    assert "Only admins may purge messages." in forced.content.decode()
    assert availability(rc, ids) == {"Deleted": 1}


def test_it_never_purges_a_message_that_is_not_deleted(
    alice_client: Client, rc: RunningEmulator
) -> None:
    _, ids, _ = deleted_conversation(rc, 1, state="Alive")

    response = alice_client.post(
        deleted_url(rc, "deleted_purge"), {"item": [f"message:{ids[0]}"], "confirmed": "1"}
    )

    assert response.status_code == 404
    assert message_row(rc.db_path, ids[0])["availability"] == "Alive"


# --------------------------------------------------------------------------- access


def test_it_lets_admins_into_other_mailboxes(alice_client: Client, rc: RunningEmulator) -> None:
    conversation_id, ids, _ = deleted_conversation(rc, 1)

    assert alice_client.get(deleted_url(rc)).status_code == 200
    alice_client.post(
        deleted_url(rc, "deleted_restore"), {"only": f"conversation:{conversation_id}"}
    )

    assert availability(rc, ids) == {"Alive": 1}


@pytest.mark.parametrize("name", ["deleted", "deleted_restore", "deleted_purge"])
def test_it_hides_a_mailbox_from_another_agent(
    charlie_client: Client, rc: RunningEmulator, name: str
) -> None:
    conversation_id, ids, _ = deleted_conversation(rc, 1)
    data = {"only": f"conversation:{conversation_id}", "confirmed": "1"}

    response = (
        charlie_client.get(deleted_url(rc, name))
        if name == "deleted"
        else charlie_client.post(deleted_url(rc, name), data)
    )

    assert response.status_code == 404
    assert availability(rc, ids) == {"Deleted": 1}
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("name", ["deleted", "deleted_restore"])
def test_it_hides_mailboxes_from_strangers(
    dave_client: Client, rc: RunningEmulator, name: str
) -> None:
    conversation_id, _, _ = deleted_conversation(rc, 1)

    response = (
        dave_client.get(deleted_url(rc, name))
        if name == "deleted"
        else dave_client.post(deleted_url(rc, name), {"only": f"conversation:{conversation_id}"})
    )

    assert response.status_code == 404


def test_it_answers_404_for_another_mailboxs_conversation(
    charlie_client: Client, rc: RunningEmulator
) -> None:
    bobs, ids, _ = deleted_conversation(rc, 1)

    response = charlie_client.post(  # charlie's own mailbox, bob's conversation
        deleted_url(rc, "deleted_restore", "agent2"), {"only": f"conversation:{bobs}"}
    )

    assert response.status_code == 404
    assert availability(rc, ids) == {"Deleted": 1}
    entry = AuditEntry.objects.get()  # refused, and recorded as such
    assert (entry.action, entry.outcome) == ("messages_restore", "failed")


def test_it_refuses_selections_it_cannot_read(bob_client: Client, rc: RunningEmulator) -> None:
    response = bob_client.post(deleted_url(rc, "deleted_restore"), {"item": ["thread:1"]})

    assert response.status_code == 400
    assert not AuditEntry.objects.exists()


def test_it_needs_post_and_a_csrf_token(bob_client: Client, rc: RunningEmulator) -> None:
    conversation_id, ids, _ = deleted_conversation(rc, 1)
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = bob_client.cookies

    fetched = bob_client.get(deleted_url(rc, "deleted_restore"))
    forged = strict.post(
        deleted_url(rc, "deleted_restore"), {"only": f"conversation:{conversation_id}"}
    )

    assert fetched.status_code == 405
    assert forged.status_code == 403
    assert availability(rc, ids) == {"Deleted": 1}
