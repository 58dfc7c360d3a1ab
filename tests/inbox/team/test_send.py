"""Replying from a team mailbox: the SMS goes out as the shared extension, from its number,
through its own session; the thread says who of the team sent it; the audit log and the send
record the person."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from inbox.models import Send, TeamMailbox
from inbox.sending.pipeline import send_process
from tests.emulator.factories import conversation_of, make_sms
from tests.inbox.support import found, own_day
from tests.inbox.team.conftest import SUPPORT_LINE, person
from tests.support.emulator import RunningEmulator
from tests.support.sends import TaskRecorder, outbound, request_count, tasks_record

CUSTOMER = "+12095550142"


@pytest.fixture
def recorded_tasks(monkeypatch: pytest.MonkeyPatch) -> TaskRecorder:
    return tasks_record(monkeypatch)


@pytest.fixture
def team_conversation(rc: RunningEmulator, support_line: TeamMailbox) -> int:
    day, _ = own_day()
    first = make_sms(
        rc.db_path, support_line.extension_id, other_number=CUSTOMER,
        text="Is my refund through?", created_ts=day + 10,
    )  # fmt: skip
    return conversation_of(rc.db_path, first)


def thread_url(team: TeamMailbox, conversation_id: int) -> str:
    return reverse("inbox:thread", args=[team.extension_id, conversation_id])


def reply(client: Client, team: TeamMailbox, conversation_id: int, text: str) -> Send:
    page = client.get(thread_url(team, conversation_id)).content.decode()
    composer = found(r'<section class="composer".*?</section>', page, 0)
    answer = client.post(
        reverse("inbox:sms_reply", args=[team.extension_id, conversation_id]),
        {
            "idempotency_key": found(r'name="idempotency_key" value="([^"]+)"', composer),
            "from_number": found(r'<option value="([^"]+)"[^>]*selected', composer),
            "text": text,
        },
    )
    assert answer.status_code == 302, answer.content.decode()
    return Send.objects.latest("pk")


def test_a_member_replies_as_the_team_mailbox_and_the_thread_names_them(
    rc: RunningEmulator,
    bob_client: Client,
    alice_client: Client,
    support_line: TeamMailbox,
    team_conversation: int,
    recorded_tasks: TaskRecorder,
) -> None:
    send = reply(bob_client, support_line, team_conversation, "Yes, it went out today.")

    assert send.owner == person(rc, "agent")
    assert (send.account_id, send.extension_id) == (
        support_line.account_id,
        support_line.extension_id,
    )
    assert send.from_number == rc.user(SUPPORT_LINE)["sms_numbers"][0]
    send_process(send_id=send.pk)
    send.refresh_from_db()
    assert send.status == Send.Status.SUBMITTED
    # RingCentral recorded it in Support Line's mailbox, from Support Line's number
    sent = [m for m in outbound(rc, SUPPORT_LINE) if m["id"] == send.rc_message_id]
    assert [(m["from"]["phoneNumber"], m["subject"]) for m in sent] == [
        (send.from_number, "Yes, it went out today.")
    ]
    assert request_count(rc, operation="createSMSMessage") >= 1
    # every member (and the admin) sees who of the team sent it
    for viewer in (bob_client, alice_client):
        page = viewer.get(thread_url(support_line, team_conversation)).content.decode()
        assert "Sam via Support Line" in page


def test_another_members_send_shows_without_their_controls(
    rc: RunningEmulator,
    bob_client: Client,
    charlie_client: Client,
    alice_client: Client,
    support_line: TeamMailbox,
    team_conversation: int,
    recorded_tasks: TaskRecorder,
) -> None:
    support_line.members.add(person(rc, "agent2"))
    send = reply(bob_client, support_line, team_conversation, "On it.")

    rileys = charlie_client.get(thread_url(support_line, team_conversation)).content.decode()
    bubble = found(
        rf'<li class="bubble outbound send-bubble" id="send-{send.pk}">(.*?)</li>', rileys
    )
    assert "SMS by Sam via Support Line" in bubble
    assert re.search(r"data-send-cancel hidden", bubble)
    # and Riley cannot act on it by address either
    cancel = charlie_client.post(
        reverse("inbox:send_cancel", args=[support_line.extension_id, send.pk])
    )
    assert cancel.status_code == 404
    send.refresh_from_db()
    assert send.status == Send.Status.QUEUED


def test_a_member_cannot_send_from_a_number_of_another_mailbox(
    rc: RunningEmulator, bob_client: Client, support_line: TeamMailbox, team_conversation: int
) -> None:
    page = bob_client.get(thread_url(support_line, team_conversation)).content.decode()
    composer = found(r'<section class="composer".*?</section>', page, 0)

    answer = bob_client.post(
        reverse("inbox:sms_reply", args=[support_line.extension_id, team_conversation]),
        {
            "idempotency_key": found(r'name="idempotency_key" value="([^"]+)"', composer),
            "from_number": rc.user("agent")["sms_numbers"][0],
            "text": "From my own number?",
        },
    )

    assert answer.status_code == 400
    assert not Send.objects.exists()


def write_links(page: str) -> list[str]:
    nav = found(r'<nav class="compose-links" aria-label="Write">(.*?)</nav>', page, 1)
    return [re.sub(r"<[^>]+>", "", link).strip() for link in re.findall(r"<a .*?</a>", nav)]


def test_a_member_starts_a_new_conversation_from_the_team_list_with_the_teams_number(
    rc: RunningEmulator,
    bob_client: Client,
    charlie_client: Client,
    support_line: TeamMailbox,
    recorded_tasks: TaskRecorder,
) -> None:
    team_list = bob_client.get(reverse("inbox:conversations", args=[support_line.extension_id]))
    own = rc.user("agent")["extension_id"]
    own_list = bob_client.get(reverse("inbox:conversations", args=[own]))

    # SMS go out from a team mailbox; pager messages and faxes from one's own only
    assert write_links(team_list.content.decode()) == ["New conversation"]
    assert write_links(own_list.content.decode()) == [
        "New conversation", "New pager message", "New fax",
    ]  # fmt: skip
    new = reverse("inbox:sms_new", args=[support_line.extension_id])
    assert f'href="{new}"' in team_list.content.decode()
    form = bob_client.get(new).content.decode()
    team_number = rc.user(SUPPORT_LINE)["sms_numbers"][0]
    answer = bob_client.post(
        new,
        {
            "idempotency_key": found(r'name="idempotency_key" value="([^"]+)"', form),
            "from_number": team_number,
            "to": CUSTOMER,
            "text": "Hello from the support line",
        },
    )
    assert answer.status_code == 302, answer.content.decode()
    send = Send.objects.latest("pk")
    assert (send.extension_id, send.from_number, send.owner) == (
        support_line.extension_id, team_number, person(rc, "agent"),
    )  # fmt: skip
    # someone who does not work the team mailbox finds no such page
    assert charlie_client.get(new).status_code == 404
