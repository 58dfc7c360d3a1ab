"""The presence endpoints of a team mailbox's thread: members and admins mark and read who is
there; a stranger gets a 404 from every one of them and changes nothing; the composer's
question finds another person's reply since typing started, never one's own or an older one."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from inbox.models import IndexedMessage, Send, TeamMailbox
from inbox.presence.selectors import presence_for_thread
from tests.inbox.team.conftest import person
from tests.support.emulator import RunningEmulator

THREAD = 9_000_000_000_777


def presence_url(team: TeamMailbox, name: str = "thread_presence") -> str:
    return reverse(f"inbox:{name}", args=[team.extension_id, THREAD])


def others_seen(team: TeamMailbox, viewer: User) -> str:
    return presence_for_thread(
        account_id=team.account_id,
        extension_id=team.extension_id,
        conversation_id=THREAD,
        viewer=viewer,
    ).text


def reply_of(owner: User, team: TeamMailbox, *, ago: timedelta, **fields: object) -> Send:
    send = Send.objects.create(
        owner=owner,
        kind=Send.Kind.SMS,
        account_id=team.account_id,
        extension_id=team.extension_id,
        idempotency_key=uuid.uuid4(),
        conversation_id=THREAD,
        text="On its way",
        **fields,
    )
    Send.objects.filter(pk=send.pk).update(created_at=timezone.now() - ago)
    return send


def asked(client: Client, team: TeamMailbox, typing_for_ms: int) -> dict[str, object]:
    answer = client.get(presence_url(team, "thread_replies_since"), {"typing_for": typing_for_ms})
    assert answer.status_code == 200, answer.content
    body: dict[str, object] = answer.json()
    return body


def test_a_member_sees_who_else_has_the_thread_open(
    rc: RunningEmulator, support_line: TeamMailbox, alice_client: Client, bob_client: Client
) -> None:
    marked = alice_client.post(presence_url(support_line), {"kind": "viewing"})
    assert marked.status_code == 200
    assert marked.json()["text"] == ""  # Alex does not see himself

    seen = bob_client.get(presence_url(support_line))

    assert seen.status_code == 200
    assert seen.json() == {"viewing": ["Alex"], "typing": [], "text": "Alex is viewing"}
    alice_client.post(presence_url(support_line), {"kind": "typing"})
    assert bob_client.get(presence_url(support_line)).json()["text"] == "Alex is typing…"
    assert alice_client.post(presence_url(support_line, "thread_presence_leave")).status_code == 200
    assert bob_client.get(presence_url(support_line)).json()["text"] == ""


def test_a_stranger_gets_404_and_neither_reads_nor_writes_presence(
    rc: RunningEmulator,
    support_line: TeamMailbox,
    alice_client: Client,
    charlie_client: Client,
    dave_client: Client,
) -> None:
    alice_client.post(presence_url(support_line), {"kind": "viewing"})
    riley = person(rc, "agent2")

    for client in (charlie_client, dave_client):
        assert client.get(presence_url(support_line)).status_code == 404
        assert client.post(presence_url(support_line), {"kind": "typing"}).status_code == 404
        leave = presence_url(support_line, "thread_presence_leave")
        assert client.post(leave).status_code == 404
        replies = presence_url(support_line, "thread_replies_since")
        assert client.get(replies, {"typing_for": 1000}).status_code == 404

    assert others_seen(support_line, riley) == "Alex is viewing"  # nothing of Riley's, Alex kept


def test_it_needs_a_signed_in_person_and_csrf(
    rc: RunningEmulator, support_line: TeamMailbox, bob_client: Client
) -> None:
    assert Client().get(presence_url(support_line)).status_code == 302
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = bob_client.cookies
    assert strict.post(presence_url(support_line), {"kind": "viewing"}).status_code == 403


def test_it_refuses_what_it_cannot_read_with_a_sentence(
    rc: RunningEmulator, support_line: TeamMailbox, bob_client: Client
) -> None:
    wrong_kind = bob_client.post(presence_url(support_line), {"kind": "lurking"})
    assert wrong_kind.status_code == 400
    assert "viewing" in wrong_kind.json()["message"]
    replies = presence_url(support_line, "thread_replies_since")
    for typing_for in ("", "soon", "-5", str(2 * 86_400_000)):
        refused = bob_client.get(replies, {"typing_for": typing_for})
        assert refused.status_code == 400, typing_for
        assert "typing" in refused.json()["message"]


def test_the_poll_does_not_ask_the_database_about_the_mailbox_again(
    rc: RunningEmulator, support_line: TeamMailbox, bob_client: Client
) -> None:
    bob_client.get(presence_url(support_line))

    with CaptureQueriesContext(connection) as queries:
        assert bob_client.get(presence_url(support_line)).status_code == 200

    assert not [q for q in queries.captured_queries if "teammailbox" in q["sql"]]


def test_it_finds_another_persons_reply_since_typing_started(
    rc: RunningEmulator, support_line: TeamMailbox, alice_client: Client, bob_client: Client
) -> None:
    alex, sam = person(rc, "admin"), person(rc, "agent")
    assert asked(bob_client, support_line, 60_000) == {"reply": None}

    reply_of(sam, support_line, ago=timedelta(seconds=5))  # his own: no question
    reply_of(alex, support_line, ago=timedelta(minutes=5))  # before he started typing
    reply_of(alex, support_line, ago=timedelta(seconds=10), status=Send.Status.FAILED)
    assert asked(bob_client, support_line, 60_000) == {"reply": None}

    reply_of(alex, support_line, ago=timedelta(seconds=20))
    body = asked(bob_client, support_line, 60_000)

    assert body["reply"] == {
        "name": "Alex",
        "seconds_ago": 20,
        "question": "Alex replied 20 s ago — send anyway?",
    }
    # Alex, typing for 4 s: his own reply does not count, Sam's came before
    assert asked(alice_client, support_line, 4_000) == {"reply": None}


def test_a_reply_sent_outside_the_dashboard_counts_too(
    rc: RunningEmulator, support_line: TeamMailbox, bob_client: Client
) -> None:
    sam = person(rc, "agent")

    def outbound(message_id: int, ago: timedelta) -> None:
        IndexedMessage.objects.create(
            account_id=support_line.account_id,
            extension_id=support_line.extension_id,
            message_id=message_id,
            thread_kind="conversation",
            thread_id=THREAD,
            type="SMS",
            direction="Outbound",
            created_at=timezone.now() - ago,
        )

    outbound(70_001, timedelta(seconds=3))
    reply_of(sam, support_line, ago=timedelta(seconds=3), rc_message_id=70_001)
    assert asked(bob_client, support_line, 30_000) == {"reply": None}  # his own, through us

    outbound(70_002, timedelta(seconds=8))
    body = asked(bob_client, support_line, 30_000)

    assert body["reply"] == {
        "name": "Someone",
        "seconds_ago": 8,
        "question": "Someone replied 8 s ago — send anyway?",
    }
