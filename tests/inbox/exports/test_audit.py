"""Every export is in the audit log: who, which conversation or mailbox, and how many messages
went out, written when the stream ends; a download the client stopped is recorded with the
rows sent until then, as partly done. The audit log's page shows the entries readably."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from accounts.models import User
from inbox.exports.streams import CHUNK_LINES
from inbox.models import AuditEntry
from tests.inbox.contacts.support import account_of, contact_make
from tests.inbox.exports.support import (
    csv_rows,
    index_fill,
    long_thread,
    served,
    server_closes,
    streamed,
)
from tests.inbox.index.support import CUSTOMER, OWN, at, conversation_of, fax, sms

CONVERSATION = conversation_of(OWN, CUSTOMER)


def exports() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action__endswith="_export").order_by("id"))


def test_a_conversation_export_is_recorded_when_its_stream_ends(
    bob_client: Client, bob: User
) -> None:
    index_fill(bob, [sms(text=f"Message {n}", created=at(n)) for n in range(3)])
    response = bob_client.get(
        reverse("inbox:conversation_export_csv", args=[bob.rc_extension_id, CONVERSATION]),
        REMOTE_ADDR="203.0.113.7",
    )
    assert exports() == []  # nothing is out yet

    assert len(csv_rows(streamed(response))) == 4

    (entry,) = exports()
    assert entry.action == AuditEntry.Action.CONVERSATION_EXPORT
    assert entry.outcome == AuditEntry.Outcome.DONE
    assert entry.actor == bob
    assert (entry.account_id, entry.extension_id) == (bob.rc_account_id, bob.rc_extension_id)
    assert entry.conversation_id == CONVERSATION
    assert entry.message_count == 3
    assert entry.ip_address == "203.0.113.7"
    assert entry.detail == f"CSV of the conversation with {CUSTOMER}: 3 messages"


def test_a_download_stopped_halfway_is_recorded_with_the_rows_sent(bob: User) -> None:
    long_thread(bob, 1000, conversation_id=CONVERSATION, text="How are you?")
    url = reverse("inbox:conversation_export_csv", args=[bob.rc_extension_id, CONVERSATION])
    response = served(bob, url)
    chunks = iter(response.streaming_content)

    sent = [next(chunks) for _ in range(3)]
    server_closes(response)  # the client went away

    sent_rows = sum(chunk.count(b"\r\n") for chunk in sent) - 1  # the header is no message
    assert sent_rows == 3 * CHUNK_LINES - 1
    (entry,) = exports()
    assert entry.outcome == AuditEntry.Outcome.PARTLY
    assert entry.message_count == sent_rows
    assert entry.detail == (
        f"CSV of the conversation with {CUSTOMER}: the download stopped after {sent_rows} messages"
    )


def test_a_download_closed_before_its_first_row_is_recorded_too(bob: User) -> None:
    index_fill(bob, [sms(text="Hello", created=at(1))])
    url = reverse("inbox:conversation_export_csv", args=[bob.rc_extension_id, CONVERSATION])
    response = served(bob, url)

    server_closes(response)  # the client went away

    (entry,) = exports()
    assert (entry.outcome, entry.message_count) == (AuditEntry.Outcome.PARTLY, 0)


def test_a_mailbox_export_and_a_transcript_are_recorded(
    alice_client: Client, alice: User, bob: User, bob_client: Client
) -> None:
    document = fax(created=at(9))
    index_fill(bob, [sms(text="Hi", created=at(1)), sms(text="Bye", created=at(2)), document])

    streamed(alice_client.get(reverse("inbox:mailbox_export_csv", args=[bob.rc_extension_id])))
    bob_client.get(reverse("inbox:message_transcript", args=[bob.rc_extension_id, document.id]))

    mailbox, transcript = exports()
    assert mailbox.action == AuditEntry.Action.MAILBOX_EXPORT
    assert (mailbox.actor, mailbox.extension_id) == (alice, bob.rc_extension_id)
    assert (mailbox.outcome, mailbox.message_count) == (AuditEntry.Outcome.DONE, 3)
    assert mailbox.conversation_id is None
    assert mailbox.detail.startswith("CSV of the mailbox ")
    assert mailbox.detail.endswith(": 3 messages")
    assert transcript.action == AuditEntry.Action.CONVERSATION_EXPORT
    assert transcript.actor == bob
    assert transcript.conversation_id is None and transcript.message_ids == [str(document.id)]
    assert transcript.message_count == 1
    assert transcript.detail == f"Printable transcript of the message with {CUSTOMER}: 1 message"


def test_the_audit_log_page_shows_an_export_with_the_contacts_name(
    alice_client: Client, alice: User
) -> None:
    contact_make(account_id=account_of(alice), name="Fatima Rossi", numbers=[CUSTOMER])
    index_fill(alice, [sms(text=f"Message {n}", created=at(n)) for n in range(2)])
    streamed(
        alice_client.get(
            reverse("inbox:conversation_export_csv", args=[alice.rc_extension_id, CONVERSATION])
        )
    )

    page = alice_client.get(reverse("inbox:audit_log")).content.decode()

    assert "Exported a conversation" in page
    assert f"CSV of the conversation with {CUSTOMER} (Fatima Rossi): 2 messages" in page
