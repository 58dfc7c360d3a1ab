"""Ownership's JSON API: the views with their counts and rows, a thread's owner, status and
events, and the changes to one or many threads, as documented in the schema."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from inbox.conversations.selectors import Mailbox
from inbox.models import ConversationState, TeamMailbox
from inbox.ownership import services
from tests.inbox.ownership.support import index_ready, indexed, mailbox_of, thread_id_new
from tests.inbox.support import rc_calls
from tests.inbox.team.conftest import person
from tests.support.emulator import RunningEmulator


def api(name: str, *args: Any) -> str:
    return reverse(f"api:ownership_{name}", args=args)


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, body, content_type="application/json")


@pytest.fixture
def sam(rc: RunningEmulator, support_line: TeamMailbox) -> User:
    return person(rc, "agent")


@pytest.fixture
def team_box(sam: User, support_line: TeamMailbox) -> Mailbox:
    box = mailbox_of(sam, support_line.extension_id)
    index_ready(box)
    return box


def test_it_counts_the_views_of_a_mailbox_and_across_mailboxes(
    bob_client: Client, sam: User, team_box: Mailbox
) -> None:
    row = indexed(team_box)
    indexed(team_box)
    services.threads_close(user=sam, mailbox=team_box, threads=[("conversation", row.thread_id)])

    one = bob_client.get(api("mailbox_views", team_box.extension_id)).json()
    across = bob_client.get(api("views")).json()

    assert one["views"] == [
        {"name": "mine", "label": "Mine", "count": 0},
        {"name": "unassigned", "label": "Unassigned", "count": 1},
        {"name": "open", "label": "All open", "count": 1},
        {"name": "snoozed", "label": "Snoozed", "count": 0},
        {"name": "done", "label": "Done", "count": 1},
    ]
    assert one["syncing"] == []
    assert [m["name"] for m in across["syncing"]] == ["Sam Rivera"]  # his own: not read yet
    assert [v["count"] for v in across["views"]] == [0, 1, 1, 0, 1]


def test_it_lists_a_views_conversations_with_the_filters(
    rc: RunningEmulator, bob_client: Client, sam: User, team_box: Mailbox
) -> None:
    row = indexed(team_box, parties=[{"number": "+16505550101", "name": "Mina Patel"}])
    indexed(team_box, last_type="Pager")
    services.threads_assign(
        user=sam, mailbox=team_box, threads=[("conversation", row.thread_id)], assignee_id=sam.pk
    )

    answer = bob_client.get(api("mailbox_view", team_box.extension_id, "open"), {"type": "text"})
    mine = bob_client.get(api("view", "mine")).json()
    wrong = bob_client.get(api("mailbox_view", team_box.extension_id, "open"), {"type": "x"})

    body = answer.json()
    assert (body["view"], body["label"], body["count"], body["page"]) == ("open", "All open", 2, 1)
    assert body["has_next"] is False
    assert body["conversations"] == [
        {
            "extension_id": str(team_box.extension_id),
            "kind": "conversation",
            "id": str(row.thread_id),
            "other_party": "Mina Patel",
            "preview": "Where is my order?",
            "last_message_at": body["conversations"][0]["last_message_at"],
            "type": "SMS",
            "direction": "Inbound",
            "unread_count": 1,
            "status": "open",
            "status_label": "Open",
            "snoozed_until": None,
            "assignee": {"id": str(sam.pk), "name": "Sam Rivera"},
        }
    ]
    assert [c["id"] for c in mine["conversations"]] == [str(row.thread_id)]
    assert wrong.status_code == 400
    assert wrong.json()["code"] == "invalid"


def test_it_changes_many_threads_in_one_request(
    rc: RunningEmulator, bob_client: Client, sam: User, team_box: Mailbox
) -> None:
    alex = person(rc, "admin")
    ids = [thread_id_new(), thread_id_new()]
    threads = [{"kind": "conversation", "id": str(ids[0])}, {"kind": "conversation", "id": ids[1]}]
    url = lambda name: api(name, team_box.extension_id)  # noqa: E731
    since = time.time()

    assigned = post(bob_client, url("assign"), {"threads": threads, "assignee_id": str(alex.pk)})
    snoozed = post(bob_client, url("snooze"), {"threads": threads, "until": "2099-01-05T09:00:00Z"})
    woken = post(bob_client, url("wake"), {"threads": threads[:1]})
    closed = post(bob_client, url("close"), {"threads": threads})
    reopened = post(bob_client, url("reopen"), {"threads": threads[1:]})
    unassigned = post(bob_client, url("assign"), {"threads": threads, "assignee_id": None})

    assert assigned.status_code == 200, assigned.content
    assert assigned.json()["message"] == "Assigned 2 conversations to Alex Morgan."
    assert assigned.json()["threads"][0] == {
        "kind": "conversation",
        "id": str(ids[0]),
        "status": "open",
        "status_label": "Open",
        "snoozed_until": None,
        "assignee": {"id": str(alex.pk), "name": "Alex Morgan"},
    }
    assert snoozed.json()["threads"][0]["status"] == "snoozed"
    assert snoozed.json()["threads"][0]["snoozed_until"] == "2099-01-05T09:00:00Z"
    assert woken.json()["changed"] == 1
    assert closed.json()["changed"] == 2
    assert reopened.json()["message"] == "Reopened the conversation."
    assert unassigned.json()["changed"] == 2
    states = {s.thread_id: s for s in ConversationState.objects.filter(thread_id__in=ids)}
    assert (states[ids[0]].status, states[ids[1]].status) == ("done", "open")
    assert rc_calls(rc, since) == 0


def test_it_refuses_what_cannot_be_done_with_a_sentence_on_the_field(
    rc: RunningEmulator, bob_client: Client, charlie_client: Client, team_box: Mailbox
) -> None:
    riley = person(rc, "agent2")
    thread_id = thread_id_new()
    threads = [{"kind": "conversation", "id": thread_id}]
    url = lambda name: api(name, team_box.extension_id)  # noqa: E731
    past = (timezone.now() - timedelta(minutes=1)).isoformat()

    stranger = post(bob_client, url("assign"), {"threads": threads, "assignee_id": riley.pk})
    late = post(bob_client, url("snooze"), {"threads": threads, "until": past})
    none = post(bob_client, url("close"), {"threads": []})
    too_many = post(
        bob_client, url("close"), {"threads": [{"kind": "message", "id": n} for n in range(1, 102)]}
    )
    kind = post(bob_client, url("close"), {"threads": [{"kind": "chat", "id": 1}]})
    form = bob_client.post(url("close"), {"threads": "x"})
    beyond = post(bob_client, url("close"), {"threads": [{"kind": "message", "id": "9" * 19}]})

    assert stranger.status_code == 400
    assert stranger.json()["code"] == "invalid"
    assert "Only someone who can open Support Line" in stranger.json()["fields"]["assignee_id"][0]
    assert late.status_code == 400
    assert late.json()["fields"]["until"][0].startswith("Choose a time in the future")
    assert [a.status_code for a in (none, too_many, kind)] == [400, 400, 400]
    assert form.status_code == 415
    assert beyond.status_code == 404  # names no thread, as in an address
    assert not ConversationState.objects.filter(thread_id=thread_id).exists()


def test_it_tells_a_threads_owner_status_and_events(
    rc: RunningEmulator, bob_client: Client, sam: User, team_box: Mailbox
) -> None:
    thread_id = thread_id_new()
    key = ("conversation", thread_id)
    services.threads_assign(user=sam, mailbox=team_box, threads=[key], assignee_id=sam.pk)
    services.threads_close(user=sam, mailbox=team_box, threads=[key])

    body = bob_client.get(api("thread", team_box.extension_id, "conversation", thread_id)).json()
    untouched = bob_client.get(api("thread", team_box.extension_id, "message", thread_id)).json()
    unknown = bob_client.get(f"/api/mailboxes/{team_box.extension_id}/threads/chat/{thread_id}/")

    assert (body["status"], body["status_label"]) == ("done", "Done")
    assert body["assignee"] == {"id": str(sam.pk), "name": "Sam Rivera"}
    assert [(e["kind"], e["sentence"]) for e in body["events"]] == [
        ("assigned", "Sam Rivera assigned this to themselves"),
        ("closed", "Sam Rivera closed it"),
    ]
    assert body["events"][0]["actor"] == {"id": str(sam.pk), "name": "Sam Rivera"}
    assert (untouched["status"], untouched["assignee"], untouched["events"]) == ("open", None, [])
    assert unknown.status_code == 404


def test_the_schema_documents_every_operation(client: Client, db: None) -> None:
    schema = client.get(reverse("api:schema"), {"format": "json"}).json()

    operations = {
        operation["operationId"]: operation
        for path in schema["paths"].values()
        for operation in path.values()
    }
    for name in (
        "views_list",
        "view_read",
        "mailbox_views_list",
        "mailbox_view_read",
        "thread_ownership_read",
        "threads_assign",
        "threads_close",
        "threads_reopen",
        "threads_snooze",
        "threads_wake",
    ):
        assert {"401", "404"} <= set(operations[name]["responses"]), name
    snooze = operations["threads_snooze"]
    assert list(snooze["requestBody"]["content"]) == ["application/json"]
    assert {"400", "415"} <= set(snooze["responses"])
    view = next(p for p in operations["view_read"]["parameters"] if p["name"] == "view")
    assert set(view["schema"]["enum"]) == {"mine", "unassigned", "open", "snoozed", "done"}
