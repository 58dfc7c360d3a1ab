"""`GET /api/search/`: the search page's search as JSON, over the caller's own mailboxes only.

Its hits and pages (with a `next` address that keeps the filters), each filter, numbers and
names, a 400 in the API's error envelope naming each value that is not valid, 401 without
credentials, Support Line's messages for its members and never for Riley (nor is its id any
use to him), highlights that are offsets into the text by the page's own rule, and customer
text returned as the customer wrote it, as JSON data."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts.models import User
from inbox.conversations.api import mailbox_data
from inbox.conversations.selectors import Mailbox
from inbox.models import ConversationState, MailboxSync, TeamMailbox
from inbox.search.highlight import highlighted, match_spans, number_highlighted, number_span
from inbox.search.selectors import PAGE_SIZE
from rcapi import Message
from tests.inbox.index.support import WINDOW, fax, sms
from tests.inbox.ownership.support import mailbox_of
from tests.inbox.search.support import fill as fill_index
from tests.inbox.support import rc_calls
from tests.inbox.team.conftest import person, support_line  # noqa: F401  (a fixture)
from tests.support.emulator import RunningEmulator

URL = reverse("api:search")
FATIMA = "+14155550142"
OMAR = "+16505550177"


def days_ago(days: float) -> datetime:
    return (timezone.now() - timedelta(days=days)).replace(microsecond=0)


def fill(mailbox: Mailbox, *records: Message) -> None:
    """The mailbox's index holding `records`, read whole (as its first sync leaves it)."""
    fill_index(mailbox, *records, window_start=WINDOW)


def search(client: Client, **params: Any) -> dict[str, Any]:
    answer = client.get(URL, params)
    assert answer.status_code == 200, answer.content
    assert answer["Content-Type"] == "application/json"
    body: dict[str, Any] = answer.json()
    return body


def ids(body: dict[str, Any]) -> list[str]:
    return [hit["message_id"] for hit in body["hits"]]


@pytest.fixture
def sam(rc: RunningEmulator, support_line: TeamMailbox) -> User:  # noqa: F811
    """Sam Rivera (bob_client), Support Line's member."""
    return person(rc, "agent")


@pytest.fixture
def team_box(sam: User, support_line: TeamMailbox) -> Mailbox:  # noqa: F811
    return mailbox_of(sam, support_line.extension_id)


@pytest.fixture
def own_box(sam: User) -> Mailbox:
    return mailbox_of(sam)


# --------------------------------------------------------------------------- hits and pages


def test_it_answers_each_hit_with_its_thread_mailbox_text_and_where_it_matched(
    bob_client: Client, sam: User, team_box: Mailbox, own_box: Mailbox
) -> None:
    created = days_ago(1)
    text = "Still no refund for order #1042; the refunds page says 5 days"
    message = sms(text=text, other=FATIMA, name="Fatima Rossi", created=created)
    fill(team_box, message)

    body = search(bob_client, q="refund")

    assert body == {
        "page": 1,
        "has_next": False,
        "next": None,
        "searched": 1,
        "syncing": [mailbox_data(own_box)],  # Sam's own mailbox: not read by the index yet
        "hits": [
            {
                "message_id": str(message.id),
                "thread": {"kind": "conversation", "id": str(message.conversation_id)},
                "mailbox": {
                    "extension_id": str(team_box.extension_id),
                    "extension_number": team_box.extension_number,
                    "name": "Support Line",
                    "is_own": False,
                    "is_team": True,
                },
                "type": "SMS",
                "direction": "Inbound",
                "created": body["hits"][0]["created"],
                "text": text,
                "highlights": [[9, 15], [37, 44]],
                "party": "Fatima Rossi",
                "party_number": "(415) 555-0142",
                "party_number_highlights": [],
                "matched": "words",
                "stale": False,
                "web_url": f"http://testserver/inbox/{team_box.extension_id}/messages/"
                f"{message.id}/#message-{message.id}",
            }
        ],
    }
    assert datetime.fromisoformat(body["hits"][0]["created"]) == created
    assert [text[a:b] for a, b in body["hits"][0]["highlights"]] == ["refund", "refunds"]


def test_pages_follow_on_through_next_which_keeps_the_filters(
    bob_client: Client, team_box: Mailbox
) -> None:
    records = [
        sms(text=f"refund number {n}", other=f"+1415555{n:04d}", created=days_ago(n + 1))
        for n in range(PAGE_SIZE + 2)
    ]
    fill(team_box, *records)

    first = search(bob_client, q=" refund ", mailbox=team_box.extension_id, type="text")
    second = bob_client.get(first["next"]).json()

    assert (first["page"], first["has_next"], len(first["hits"])) == (1, True, PAGE_SIZE)
    assert parse_qs(urlsplit(first["next"]).query) == {
        "q": ["refund"],
        "mailbox": [str(team_box.extension_id)],
        "type": ["text"],
        "page": ["2"],
    }
    assert (second["page"], second["has_next"], second["next"]) == (2, False, None)
    assert len(second["hits"]) == 2
    assert sorted(ids(first) + ids(second)) == sorted(str(r.id) for r in records)


def test_the_filters_narrow_the_hits(
    bob_client: Client, sam: User, team_box: Mailbox, own_box: Mailbox
) -> None:
    received = sms(text="refund please", created=days_ago(10))
    sent = sms(text="refund sent", direction="Outbound", other=OMAR, created=days_ago(5))
    fill(team_box, received, sent, fax(created=days_ago(1)))
    mine = sms(text="refund of my own", created=days_ago(2))
    fill(own_box, mine)
    ConversationState.objects.create(
        account_id=team_box.account_id,
        extension_id=team_box.extension_id,
        thread_kind="conversation",
        thread_id=received.conversation_id or 0,
        assignee=sam,
        status=ConversationState.Status.DONE,
    )
    week_ago = (timezone.now() - timedelta(days=7)).date().isoformat()

    def found(**filters: Any) -> set[int]:
        return {int(i) for i in ids(search(bob_client, q="refund", **filters))}

    assert found() == {received.id, sent.id, mine.id}
    assert found(mailbox=team_box.extension_id) == {received.id, sent.id}
    assert found(mailbox=own_box.extension_id) == {mine.id}
    assert found(direction="Outbound") == {sent.id}
    assert found(type="fax") == set()
    assert found(start=week_ago) == {sent.id, mine.id}
    assert found(end=week_ago) == {received.id}
    assert found(assignee="me") == {received.id}
    assert found(assignee=str(sam.pk)) == {received.id}
    assert found(assignee="none") == {sent.id, mine.id}
    assert found(status="done") == {received.id}
    assert found(status="open", type="", direction="") == {sent.id, mine.id}  # empty: any


def test_a_number_or_a_name_finds_the_conversation_and_says_how(
    bob_client: Client, team_box: Mailbox
) -> None:
    fatima = sms(text="Where is it?", other=FATIMA, name="Fatima Rossi", created=days_ago(2))
    omar = sms(text="Any news?", other=OMAR, created=days_ago(1))
    fill(team_box, fatima, omar)

    by_number = search(bob_client, q="555-014")["hits"]
    by_name = search(bob_client, q="fatima")["hits"]

    assert [(h["message_id"], h["matched"]) for h in by_number] == [(str(fatima.id), "number")]
    (hit,) = by_number
    assert [hit["party_number"][a:b] for a, b in hit["party_number_highlights"]] == ["555-014"]
    assert hit["highlights"] == []  # the number matched, not the text
    assert [(h["message_id"], h["matched"]) for h in by_name] == [(str(fatima.id), "name")]
    assert by_name[0]["highlights"] == [] and by_name[0]["party_number_highlights"] == []


def test_a_mailbox_not_read_yet_is_listed_as_syncing_and_its_id_is_no_error(
    bob_client: Client, own_box: Mailbox, team_box: Mailbox
) -> None:
    fill(team_box, sms(text="refund", created=days_ago(1)))

    body = search(bob_client, q="refund", mailbox=own_box.extension_id)

    assert (body["hits"], body["searched"]) == ([], 0)
    assert body["syncing"] == [mailbox_data(own_box)]


def test_a_hit_of_a_mailbox_whose_session_ended_is_marked_stale(
    bob_client: Client, team_box: Mailbox
) -> None:
    fill(team_box, sms(text="refund", created=days_ago(1)))
    MailboxSync.objects.filter(extension_id=team_box.extension_id).update(
        stale_since=timezone.now()
    )

    (hit,) = search(bob_client, q="refund")["hits"]

    assert hit["stale"] is True


def test_someone_without_ringcentral_finds_nothing(dave_client: Client) -> None:
    body = search(dave_client, q="refund")

    assert (body["hits"], body["searched"], body["syncing"]) == ([], 0, [])


# --------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": None}, "q"),  # not sent
        ({"q": ""}, "q"),
        ({"q": "r" * 201}, "q"),
        ({"q": " " + "r" * 200}, "q"),  # the length sent counts, spaces too
        ({"start": "yesterday"}, "start"),
        ({"end": "2026-02-30"}, "end"),
        ({"start": "1999-12-31"}, "start"),
        ({"start": "2026-02-02", "end": "2026-02-01"}, "non_field_errors"),
        ({"type": "carrier-pigeon"}, "type"),
        ({"direction": "sideways"}, "direction"),
        ({"status": "lost"}, "status"),
        ({"assignee": "everyone"}, "assignee"),
        ({"assignee": "987654321"}, "assignee"),  # nobody who works Sam's mailboxes
        ({"mailbox": "support"}, "mailbox"),
        ({"mailbox": "987654321"}, "mailbox"),  # no mailbox of Sam's
        ({"mailbox": "0"}, "mailbox"),
        ({"page": "0"}, "page"),
        ({"page": "401"}, "page"),
        ({"page": "two"}, "page"),
    ],
)
def test_it_refuses_each_value_that_is_not_valid_naming_it(
    bob_client: Client, team_box: Mailbox, params: dict[str, str | None], field: str
) -> None:
    query = {name: value for name, value in {"q": "refund", **params}.items() if value is not None}

    answer = bob_client.get(URL, query)

    assert answer.status_code == 400, answer.content
    assert answer["Content-Type"] == "application/json"
    body = answer.json()
    assert body["code"] == "invalid"
    assert body["message"] == "Some of the values sent are not valid; see `fields`."
    assert list(body["fields"]) == [field]
    assert all(isinstance(m, str) and m for m in body["fields"][field])


def test_it_asks_for_credentials_with_401(client: Client, db: None) -> None:
    anonymous = client.get(URL, {"q": "refund"})
    bad_token = client.get(URL, {"q": "refund"}, headers={"Authorization": "Token nope"})

    assert anonymous.status_code == 401
    assert anonymous["WWW-Authenticate"] == "Token"
    assert anonymous.json()["code"] == "not_authenticated"
    assert bad_token.status_code == 401
    assert bad_token.json()["code"] == "authentication_failed"


def test_a_script_searches_with_its_token(sam: User, team_box: Mailbox) -> None:
    message = sms(text="refund", created=days_ago(1))
    fill(team_box, message)
    token = Token.objects.create(user=sam).key

    answer = Client(headers={"Authorization": f"Token {token}"}).get(URL, {"q": "refund"})

    assert answer.status_code == 200
    assert ids(answer.json()) == [str(message.id)]


# --------------------------------------------------------------------------- whose mailboxes


def test_support_lines_messages_reach_its_members_and_admins_never_riley(
    rc: RunningEmulator,
    alice_client: Client,
    bob_client: Client,
    charlie_client: Client,
    team_box: Mailbox,
) -> None:
    secret = sms(text="the vault code is quokka", name="Team customer", created=days_ago(1))
    fill(team_box, secret)
    # Riley's own mailbox is read too, so his searches do run, over his mailbox alone
    fill(
        mailbox_of(person(rc, "agent2")), sms(text="nothing here", other=OMAR, created=days_ago(1))
    )
    since = time.time()

    sams = search(bob_client, q="quokka")
    rileys = [
        charlie_client.get(URL, {"q": q}) for q in ("quokka", "vault code", "Team customer")
    ] + [charlie_client.get(URL, {"q": "4155550142"})]
    calls = rc_calls(rc, since)
    alexs = search(alice_client, q="quokka")

    assert ids(sams) == [str(secret.id)]
    assert ids(alexs) == [str(secret.id)]  # admins see every team mailbox
    for answer in rileys:
        assert answer.status_code == 200
        body = answer.json()
        assert (body["hits"], body["searched"], body["syncing"]) == ([], 1, [])
        assert "Support Line" not in answer.content.decode()
    assert calls == 0  # nothing of a search asks RingCentral


def test_a_mailbox_id_not_ones_own_is_refused_as_if_it_did_not_exist(
    charlie_client: Client, team_box: Mailbox
) -> None:
    fill(team_box, sms(text="the vault code is quokka", created=days_ago(1)))
    nobodys = team_box.extension_id + 1

    theirs = charlie_client.get(URL, {"q": "quokka", "mailbox": str(team_box.extension_id)})
    none = charlie_client.get(URL, {"q": "quokka", "mailbox": str(nobodys)})

    assert (theirs.status_code, none.status_code) == (400, 400)
    assert list(theirs.json()["fields"]) == ["mailbox"]
    assert theirs.content.decode().replace(str(team_box.extension_id), "#") == (
        none.content.decode().replace(str(nobodys), "#")
    )


def test_an_assignee_who_works_none_of_ones_mailboxes_is_refused(
    rc: RunningEmulator, charlie_client: Client, sam: User, team_box: Mailbox
) -> None:
    """Sam works Support Line, which Riley does not: Riley cannot filter by him."""
    answer = charlie_client.get(URL, {"q": "refund", "assignee": str(sam.pk)})

    assert answer.status_code == 400
    assert list(answer.json()["fields"]) == ["assignee"]


# --------------------------------------------------------------------------- customer text


def test_highlights_slice_the_text_to_the_matched_words(
    bob_client: Client, team_box: Mailbox
) -> None:
    text = "🙂🙂 Refunded?\nI asked for a REFUND of the parcel, prefunded twice (refund-parcel)"
    fill(team_box, sms(text=text, created=days_ago(1)))

    (one,) = search(bob_client, q="refund")["hits"]
    (two,) = search(bob_client, q="parcel REFUND")["hits"]

    assert one["text"] == text
    assert [text[a:b] for a, b in one["highlights"]] == ["Refunded", "REFUND", "refund"]
    assert [text[a:b] for a, b in two["highlights"]] == [
        "Refunded",
        "REFUND",
        "parcel",
        "refund",
        "parcel",
    ]


def test_customer_markup_comes_back_verbatim_as_json_data(
    bob_client: Client, team_box: Mailbox
) -> None:
    text = '<script>alert("x")</script> refund <b>now</b> &amp; <img src=x onerror=alert(1)>'
    fill(team_box, sms(text=text, name="<i>Evil</i> & Co", created=days_ago(1)))

    answer = bob_client.get(URL, {"q": "refund"})

    assert answer["Content-Type"] == "application/json"
    (hit,) = json.loads(answer.content)["hits"]
    assert hit["text"] == text  # not escaped, not marked: data
    assert hit["party"] == "<i>Evil</i> & Co"
    assert "<mark>" not in answer.content.decode()
    assert [text[a:b] for a, b in hit["highlights"]] == ["refund"]


def test_the_spans_are_the_rule_the_page_marks_by() -> None:
    text = 'a <b>Refund</b>, "refunds" & prefund'

    spans = match_spans(text, ["refund"])

    assert [text[a:b] for a, b in spans] == ["Refund", "refunds"]
    assert str(highlighted(text, ["refund"])) == (
        "a &lt;b&gt;<mark>Refund</mark>&lt;/b&gt;, &quot;<mark>refunds</mark>&quot; &amp; prefund"
    )
    assert match_spans(text, []) == [] and str(highlighted(text, [])) == (
        "a &lt;b&gt;Refund&lt;/b&gt;, &quot;refunds&quot; &amp; prefund"
    )
    # the longer of two words that start alike is marked whole
    assert match_spans("refunded", ["refund", "refunded"]) == [(0, 8)]
    assert number_span("(415) 555-0142", "5550") == (6, 11)
    assert number_span("(415) 555-0142", "999") is None and number_span("415", "") is None
    assert str(number_highlighted("(415) 555-0142", "5550")) == "(415) <mark>555-0</mark>142"


# --------------------------------------------------------------------------- the schema


def test_the_schema_documents_the_search_its_answers_and_its_errors(client: Client) -> None:
    schema = client.get(reverse("api:schema"), {"format": "json"}).json()
    operation = schema["paths"]["/api/search/"]["get"]

    parameters = {p["name"]: p for p in operation["parameters"]}
    assert set(parameters) == {
        "q", "mailbox", "type", "direction", "start", "end", "assignee", "status", "page",
    }  # fmt: skip
    assert parameters["q"]["required"] is True
    assert parameters["q"]["schema"]["maxLength"] == 200
    assert parameters["page"]["schema"]["maximum"] == 400
    assert {"200", "400", "401"} <= set(operation["responses"])
    ok = operation["responses"]["200"]["content"]["application/json"]
    assert ok["schema"] == {"$ref": "#/components/schemas/SearchResults"}
    assert (
        ok["examples"] and operation["responses"]["400"]["content"]["application/json"]["examples"]
    )
    assert "WWW-Authenticate" in operation["responses"]["401"]["headers"]
