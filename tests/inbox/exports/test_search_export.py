"""An admin exports a search's results as CSV: the messages the search finds, in its order,
each with its conversation and mailbox, streamed and audited with the rows that went out;
only admins (403 for an agent), and only from the mailboxes the admin may open."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from inbox.exports.views import search_csv
from inbox.models import AuditEntry, MailboxSync
from tests.inbox.exports.support import csv_rows, index_fill, mailbox_of, server_closes
from tests.inbox.index.support import at, sms

URL = reverse("inbox:search_export_csv")


def indexed(user: User) -> None:
    account_id, extension_id = mailbox_of(user)
    MailboxSync.objects.update_or_create(
        account_id=account_id,
        extension_id=extension_id,
        defaults={"indexed_at": timezone.now(), "index_window_start": at(0)},
    )


def search(**params: str) -> str:
    return f"{URL}?{urlencode(params)}"


@pytest.fixture
def bobs_messages(bob: User) -> list[int]:
    found = [sms(text=f"Refund number {n}", created=at(n + 1)) for n in range(3)]
    index_fill(bob, [*found, sms(text="Where is my parcel?", created=at(9))])
    indexed(bob)
    return [m.id for m in found]


def test_an_admin_exports_what_the_search_finds_with_its_mailbox_and_an_audit_entry(
    alice_client: Client, alice: User, bob: User, bobs_messages: list[int]
) -> None:
    response = alice_client.get(search(q="refund"))

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    header, *rows = csv_rows(b"".join(response.streaming_content).decode())  # type: ignore[attr-defined]
    assert header[-2:] == ["conversation_id", "mailbox_extension_id"]
    assert sorted(int(row[header.index("message_id")]) for row in rows) == sorted(bobs_messages)
    assert {row[-1] for row in rows} == {str(bob.rc_extension_id)}
    assert all("Refund" in row[header.index("text")] for row in rows)
    (entry,) = AuditEntry.objects.filter(action=AuditEntry.Action.SEARCH_EXPORT)
    assert entry.actor == alice
    assert entry.message_count == 3
    assert entry.outcome == AuditEntry.Outcome.DONE
    assert "“refund”" in entry.detail


def test_the_filters_and_the_mailbox_narrow_the_export(
    alice_client: Client, bob: User, bobs_messages: list[int]
) -> None:
    response = alice_client.get(search(q="refund", mailbox=str(bob.rc_extension_id)))
    _, *rows = csv_rows(b"".join(response.streaming_content).decode())  # type: ignore[attr-defined]
    assert len(rows) == 3

    response = alice_client.get(search(q="refund", direction="Outbound"))
    _, *rows = csv_rows(b"".join(response.streaming_content).decode())  # type: ignore[attr-defined]
    assert rows == []
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.SEARCH_EXPORT).latest("pk")
    assert "direction: Outbound" in entry.detail


def test_an_agent_may_not_export_search_results(
    bob_client: Client, bobs_messages: list[int]
) -> None:
    assert bob_client.get(search(q="refund")).status_code == 403
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.SEARCH_EXPORT).exists()


def test_a_search_of_nothing_or_a_foreign_mailbox_is_refused_and_exports_nothing(
    alice_client: Client, bobs_messages: list[int]
) -> None:
    assert alice_client.get(search(q="")).status_code == 400
    refused = alice_client.get(search(q="refund", mailbox="999999999999"))
    assert refused.status_code == 400
    assert b"Choose one of your mailboxes" in refused.content
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.SEARCH_EXPORT).exists()


def test_a_download_stopped_early_is_audited_with_the_rows_sent(
    alice: User, bobs_messages: list[int]
) -> None:
    request = RequestFactory().get(URL, {"q": "refund"})
    request.user = alice
    response = search_csv(request)
    first = next(iter(response))  # the header and every row fit in the first chunk
    assert b"Refund" in first
    server_closes(response)

    (entry,) = AuditEntry.objects.filter(action=AuditEntry.Action.SEARCH_EXPORT)
    assert entry.message_count == 3
    assert entry.outcome == AuditEntry.Outcome.PARTLY


def test_the_search_page_offers_admins_the_export_of_its_results(
    alice_client: Client, bob_client: Client, bobs_messages: list[int]
) -> None:
    page = alice_client.get(reverse("inbox:search"), {"q": "refund"}).content.decode()
    link = f'href="{URL}?q=refund"'
    assert link in page
    assert "Export every result as CSV" in page

    assert (
        "Export every result as CSV"
        not in bob_client.get(reverse("inbox:search"), {"q": "refund"}).content.decode()
    )
