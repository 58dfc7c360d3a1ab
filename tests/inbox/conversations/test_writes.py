"""Mark read / unread, delete and purge — each done at RingCentral, recorded in the audit log,
confirmed first where it deletes, and refused (404) to whoever may not see the mailbox."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from inbox.models import AuditEntry
from tests.emulator.factories import conversation_of, make_fax, make_sms, message_row, unique_number
from tests.inbox.conftest import extension_of
from tests.inbox.support import own_day
from tests.support.emulator import RunningEmulator


def url(running: RunningEmulator, name: str, id_: int, which: str = "agent") -> str:
    return reverse(f"inbox:{name}", args=[extension_of(running, which), id_])


def inbound(running: RunningEmulator, count: int = 1, **extra: object) -> list[int]:
    """`count` unread inbound SMS of one conversation of bob's, oldest first."""
    day, _ = own_day()
    number = unique_number()
    return [
        make_sms(running.db_path, extension_of(running, "agent"), other_number=number,
                 text=f"message {n}", created_ts=day + n, **extra)  # type: ignore[arg-type]
        for n in range(count)
    ]  # fmt: skip


def test_it_marks_a_message_read_and_unread(bob_client: Client, rc: RunningEmulator) -> None:
    (message_id,) = inbound(rc)
    target = url(rc, "message_read_status", message_id)

    read = bob_client.post(target, {"read_status": "Read", "next": "/inbox/"})
    after_read = message_row(rc.db_path, message_id)["read_status"]
    bob_client.post(target, {"read_status": "Unread"})

    assert read.status_code == 302 and read["Location"] == "/inbox/"
    assert after_read == "Read"
    assert message_row(rc.db_path, message_id)["read_status"] == "Unread"
    entries = list(AuditEntry.objects.order_by("id"))
    assert [e.action for e in entries] == ["message_read", "message_unread"]
    assert entries[0].message_ids == [str(message_id)]
    assert entries[0].extension_id == extension_of(rc, "agent")
    assert entries[0].actor_label == "Sam Rivera (ext. 102)"
    assert entries[0].outcome == "done"


def test_it_marks_a_whole_conversation_read_with_bulk_updates(
    bob_client: Client, rc: RunningEmulator
) -> None:
    ids = inbound(rc, 53)  # more than one bulk request's 50
    conversation_id = conversation_of(rc.db_path, ids[0])

    response = bob_client.post(
        url(rc, "conversation_read_status", conversation_id), {"read_status": "Read"}
    )

    assert response.status_code == 302
    assert {message_row(rc.db_path, i)["read_status"] for i in ids} == {"Read"}
    entry = AuditEntry.objects.get()
    assert entry.action == "conversation_read"
    assert entry.conversation_id == conversation_id
    assert sorted(entry.message_ids) == sorted(str(i) for i in ids)


def test_it_marks_a_conversation_unread_by_its_newest_message(
    bob_client: Client, rc: RunningEmulator
) -> None:
    ids = inbound(rc, 3, read_status="Read")
    conversation_id = conversation_of(rc.db_path, ids[0])

    bob_client.post(url(rc, "conversation_read_status", conversation_id), {"read_status": "Unread"})

    assert [message_row(rc.db_path, i)["read_status"] for i in ids] == ["Read", "Read", "Unread"]


def test_it_refuses_an_unknown_read_status(bob_client: Client, rc: RunningEmulator) -> None:
    (message_id,) = inbound(rc)

    response = bob_client.post(url(rc, "message_read_status", message_id), {"read_status": "x"})

    assert response.status_code == 400
    assert not AuditEntry.objects.exists()


def test_it_asks_before_deleting_a_message(bob_client: Client, rc: RunningEmulator) -> None:
    (message_id,) = inbound(rc)

    page = bob_client.get(url(rc, "message_delete", message_id)).content.decode()

    assert '<h1 id="confirm-title">Delete this message?</h1>' in page
    assert "message 0" in page
    assert 'name="purge"' not in page  # agents may not purge
    assert message_row(rc.db_path, message_id)["availability"] == "Alive"
    assert not AuditEntry.objects.exists()


def test_it_deletes_a_message_softly(bob_client: Client, rc: RunningEmulator) -> None:
    ids = inbound(rc, 2)
    list_url = reverse("inbox:conversations", args=[extension_of(rc, "agent")])

    response = bob_client.post(url(rc, "message_delete", ids[1]), {"back": list_url})
    page = bob_client.get(response["Location"], follow=True).content.decode()

    assert response["Location"] == list_url
    assert message_row(rc.db_path, ids[1])["availability"] == "Deleted"
    assert message_row(rc.db_path, ids[0])["availability"] == "Alive"
    assert "Deleted the message." in page
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.message_ids, entry.outcome) == (
        "message_delete", [str(ids[1])], "done",
    )  # fmt: skip


def test_it_refuses_purging_to_agents(bob_client: Client, rc: RunningEmulator) -> None:
    (message_id,) = inbound(rc)

    response = bob_client.post(url(rc, "message_delete", message_id), {"purge": "1"})

    assert response.status_code == 403
    assert "Only admins may purge messages." in response.content.decode()
    assert message_row(rc.db_path, message_id)["availability"] == "Alive"


def test_it_lets_admins_purge(alice_client: Client, rc: RunningEmulator) -> None:
    (message_id,) = inbound(rc)

    page = alice_client.get(url(rc, "message_delete", message_id)).content.decode()
    alice_client.post(url(rc, "message_delete", message_id), {"purge": "1"})

    assert 'name="purge"' in page
    assert message_row(rc.db_path, message_id)["availability"] == "Purged"
    entry = AuditEntry.objects.get()
    assert entry.action == "message_purge"
    assert entry.actor_label == "Alex Morgan (ext. 101)"
    assert entry.extension_id == extension_of(rc, "agent")


def test_it_deletes_a_conversation_after_asking(bob_client: Client, rc: RunningEmulator) -> None:
    ids = inbound(rc, 3)
    conversation_id = conversation_of(rc.db_path, ids[0])
    target = url(rc, "conversation_delete", conversation_id)

    page = bob_client.get(target).content.decode()
    still = {message_row(rc.db_path, i)["availability"] for i in ids}
    bob_client.post(target)

    assert "Delete this conversation?" in page and "All 3 messages" in page
    assert still == {"Alive"}
    assert {message_row(rc.db_path, i)["availability"] for i in ids} == {"Deleted"}
    entry = AuditEntry.objects.get()
    assert entry.action == "conversation_delete"
    assert sorted(entry.message_ids) == sorted(str(i) for i in ids)


def test_it_lets_admins_purge_a_conversation(alice_client: Client, rc: RunningEmulator) -> None:
    ids = inbound(rc, 2)

    alice_client.post(
        url(rc, "conversation_delete", conversation_of(rc.db_path, ids[0])), {"purge": "1"}
    )

    assert {message_row(rc.db_path, i)["availability"] for i in ids} == {"Purged"}
    assert AuditEntry.objects.get().action == "conversation_purge"


def test_it_deletes_a_fax(bob_client: Client, rc: RunningEmulator) -> None:
    day, _ = own_day()
    fax = make_fax(rc.db_path, extension_of(rc, "agent"), created_ts=day)

    bob_client.post(url(rc, "message_delete", fax))

    assert message_row(rc.db_path, fax)["availability"] == "Deleted"
    assert bob_client.get(url(rc, "message", fax)).status_code == 404


def test_it_records_refused_writes_too(bob_client: Client, rc: RunningEmulator) -> None:
    response = bob_client.post(url(rc, "message_delete", 123456789))

    assert response.status_code == 404
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.outcome) == ("message_delete", "failed")


def test_it_shows_the_change_on_the_next_list(bob_client: Client, rc: RunningEmulator) -> None:
    day, window = own_day()
    bob = extension_of(rc, "agent")
    message_id = make_sms(rc.db_path, bob, text="To be read", created_ts=day)
    list_url = reverse("inbox:conversations", args=[bob])

    before = bob_client.get(list_url, window).content.decode()
    bob_client.post(url(rc, "message_read_status", message_id), {"read_status": "Read"})
    after = bob_client.get(list_url, window).content.decode()

    assert "is-unread" in before
    assert "is-unread" not in after


WRITES = [
    ("message_read_status", "message", {"read_status": "Read"}),
    ("message_delete", "message", {}),
    ("conversation_read_status", "conversation", {"read_status": "Read"}),
    ("conversation_delete", "conversation", {}),
]


@pytest.mark.parametrize(("name", "kind", "data"), WRITES)
def test_it_hides_writes_from_another_agent(
    charlie_client: Client, rc: RunningEmulator, name: str, kind: str, data: dict[str, str]
) -> None:
    (message_id,) = inbound(rc)
    id_ = message_id if kind == "message" else conversation_of(rc.db_path, message_id)

    assert charlie_client.post(url(rc, name, id_), data).status_code == 404
    assert charlie_client.post(url(rc, name, id_, "agent2"), data).status_code == 404
    if name.endswith("delete"):
        assert charlie_client.get(url(rc, name, id_)).status_code == 404
    assert message_row(rc.db_path, message_id)["availability"] == "Alive"
    assert message_row(rc.db_path, message_id)["read_status"] == "Unread"


@pytest.mark.parametrize(("name", "kind", "data"), WRITES)
def test_it_hides_writes_from_strangers(
    dave_client: Client, rc: RunningEmulator, name: str, kind: str, data: dict[str, str]
) -> None:
    (message_id,) = inbound(rc)
    id_ = message_id if kind == "message" else conversation_of(rc.db_path, message_id)

    assert dave_client.post(url(rc, name, id_), data).status_code == 404
    assert not AuditEntry.objects.exists()


def test_it_needs_a_csrf_token_for_writes(rc: RunningEmulator, bob_client: Client) -> None:
    (message_id,) = inbound(rc)
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = bob_client.cookies

    response = strict.post(url(rc, "message_delete", message_id))

    assert response.status_code == 403
    assert message_row(rc.db_path, message_id)["availability"] == "Alive"


def test_it_keeps_the_confirmation_page_out_of_caches(
    bob_client: Client, rc: RunningEmulator
) -> None:
    (message_id,) = inbound(rc)

    response = bob_client.get(url(rc, "message_delete", message_id))

    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    assert re.search(r'<form method="post">', response.content.decode())


def test_it_answers_the_pages_script_in_json(bob_client: Client, rc: RunningEmulator) -> None:
    (message_id,) = inbound(rc)

    response = bob_client.post(
        url(rc, "message_read_status", message_id),
        {"read_status": "Read"},
        HTTP_ACCEPT="application/json",
    )
    refused = bob_client.post(
        url(rc, "message_delete", message_id), {"purge": "1"}, HTTP_ACCEPT="application/json"
    )

    assert response.json() == {"outcome": "done", "message": "Marked the message read."}
    assert refused.status_code == 403
    assert refused.json()["code"] == "purge_not_allowed"


def test_it_sends_people_back_within_the_site_only(bob_client: Client, rc: RunningEmulator) -> None:
    (message_id,) = inbound(rc)

    page = bob_client.get(
        url(rc, "message_delete", message_id), {"from": "https://evil.example/"}
    ).content.decode()
    marked = bob_client.post(
        url(rc, "message_read_status", message_id),
        {"read_status": "Read", "next": "//evil.example/"},
    )

    assert "evil.example" not in page
    assert marked["Location"] == reverse("inbox:conversations", args=[extension_of(rc, "agent")])
