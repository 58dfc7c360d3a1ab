"""Who may export what: a conversation's CSV and transcript for anyone who may open its
mailbox (a 404 for everyone else, and for a thread the mailbox's index does not hold); a
whole mailbox for admins only (403 for an agent who may open it, 404 for a stranger)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from inbox.models import AuditEntry
from tests.inbox.exports.support import csv_rows, index_fill, streamed
from tests.inbox.index.support import CUSTOMER, OWN, at, conversation_of, fax, sms

CONVERSATION = conversation_of(OWN, CUSTOMER)


def thread_urls(extension_id: int | None, conversation_id: int, message_id: int) -> list[str]:
    return [
        reverse("inbox:conversation_export_csv", args=[extension_id, conversation_id]),
        reverse("inbox:conversation_transcript", args=[extension_id, conversation_id]),
        reverse("inbox:message_export_csv", args=[extension_id, message_id]),
        reverse("inbox:message_transcript", args=[extension_id, message_id]),
        reverse("inbox:mailbox_export_csv", args=[extension_id]),
    ]


@pytest.fixture
def bobs_index(bob: User) -> tuple[int, int]:
    """bob's mailbox holds a conversation and a fax: (conversation id, fax id)."""
    document = fax(created=at(3))
    index_fill(bob, [sms(text="Where is my parcel?", created=at(1)), document])
    return CONVERSATION, document.id


@pytest.mark.parametrize("who", ["charlie_client", "dave_client"])
def test_strangers_to_the_mailbox_get_404_for_every_export(
    request: pytest.FixtureRequest, who: str, bob: User, bobs_index: tuple[int, int]
) -> None:
    client: Client = request.getfixturevalue(who)

    for url in thread_urls(bob.rc_extension_id, *bobs_index):
        assert client.get(url).status_code == 404, url
    assert not AuditEntry.objects.filter(action__endswith="_export").exists()


def test_an_agent_exports_their_conversations_but_not_the_whole_mailbox(
    bob_client: Client, bob: User, bobs_index: tuple[int, int]
) -> None:
    *threads, mailbox = thread_urls(bob.rc_extension_id, *bobs_index)

    for url in threads:
        response = bob_client.get(url)
        assert response.status_code == 200, url
        if response.streaming:
            streamed(response)
    assert bob_client.get(mailbox).status_code == 403
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.MAILBOX_EXPORT).exists()


def test_an_admin_exports_a_mailbox_they_may_open(
    alice_client: Client, bob: User, alice: User, bobs_index: tuple[int, int]
) -> None:
    response = alice_client.get(reverse("inbox:mailbox_export_csv", args=[bob.rc_extension_id]))

    assert response.status_code == 200
    assert len(csv_rows(streamed(response))) == 3  # the header, the SMS, the fax


def test_a_thread_the_mailbox_index_does_not_hold_is_404_with_a_sentence(
    bob_client: Client, bob: User, alice: User
) -> None:
    index_fill(alice, [sms(text="Only in alice's mailbox", created=at(1))])  # not bob's
    index_fill(bob, [sms(text="Another customer", other="+12095550999", created=at(1))])

    for url in thread_urls(bob.rc_extension_id, CONVERSATION, 123456789)[:4]:
        answer = bob_client.get(url)
        assert answer.status_code == 404, url
        assert "holds none of this conversation" in answer.content.decode()
    # and alice's conversation is not reached through her mailbox either
    theirs = reverse("inbox:conversation_export_csv", args=[alice.rc_extension_id, CONVERSATION])
    assert bob_client.get(theirs).status_code == 404
