"""A conversation, a fax and a voicemail as CSV: the columns, one row per Alive message oldest
first, parties named as the pages name them (the address book first), attachments listed,
every cell a spreadsheet would run as a formula written as text; and the rows function
itself, which any export of messages streams through."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from accounts.models import User
from inbox.exports.rows import COLUMNS, PartyNames, message_csv_rows
from inbox.models import IndexedMessage
from tests.inbox.contacts.support import account_of, contact_make
from tests.inbox.exports.support import csv_rows, index_fill, streamed, with_fields
from tests.inbox.index.support import CUSTOMER, OWN, at, conversation_of, fax, sms, voicemail

HEADER = ["time", "direction", "type", "from", "to", "text", "attachments", "status", "message_id"]
CONVERSATION = conversation_of(OWN, CUSTOMER)


def export_url(user: User, conversation_id: int = CONVERSATION) -> str:
    return reverse("inbox:conversation_export_csv", args=[user.rc_extension_id, conversation_id])


def test_a_conversation_is_one_row_per_alive_message_oldest_first(
    bob_client: Client, bob: User
) -> None:
    contact_make(account_id=account_of(bob), name="Fatima Rossi", numbers=[CUSTOMER])
    hello = sms(direction="Inbound", name="Fatima R.", text="Hello,\nis my order ready?",
                created=at(1))  # fmt: skip
    reply = sms(direction="Outbound", text='=HYPERLINK("http://evil.example","Click")',
                created=at(2))  # fmt: skip
    picture = sms(direction="Inbound", text="-1 star, see the photo", pictures=1, created=at(3))
    failed = with_fields(
        sms(direction="Outbound", text="@everyone sorry", created=at(4)),
        messageStatus="DeliveryFailed",
        deliveryErrorCode="SMS-CAR-430",
    )
    deleted = sms(direction="Inbound", text="Never mind", created=at(5), availability="Deleted")
    # given out of order: the export orders by time
    index_fill(bob, [failed, deleted, picture, reply, hello])

    response = bob_client.get(export_url(bob))

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="conversation-{CONVERSATION}-'
    )
    assert response["Cache-Control"] == "no-store"
    text = streamed(response)
    assert text.endswith("\r\n")
    fatima = "Fatima Rossi (+14155550142)"
    assert csv_rows(text) == [
        HEADER,
        ["2026-01-01T00:01:00Z", "Inbound", "SMS", fatima, f"'{OWN}",
         "Hello,\nis my order ready?", "", "Received", str(hello.id)],
        ["2026-01-01T00:02:00Z", "Outbound", "SMS", f"'{OWN}", fatima,
         '\'=HYPERLINK("http://evil.example","Click")', "", "Delivered", str(reply.id)],
        ["2026-01-01T00:03:00Z", "Inbound", "MMS", fatima, f"'{OWN}",
         "'-1 star, see the photo", "attachment-2 (image/png)", "Received", str(picture.id)],
        ["2026-01-01T00:04:00Z", "Outbound", "SMS", f"'{OWN}", fatima, "'@everyone sorry", "",
         "Failed: the carrier blocked the message as spam", str(failed.id)],
    ]  # fmt: skip


def test_without_a_contact_a_name_ringcentral_gave_on_any_message_names_the_number(
    bob_client: Client, bob: User
) -> None:
    index_fill(
        bob,
        [
            sms(direction="Inbound", name="Omar Haddad", text="Hi", created=at(1)),
            sms(direction="Outbound", text="Hello Omar", created=at(2)),
        ],
    )

    rows = csv_rows(streamed(bob_client.get(export_url(bob))))

    assert [(row[3], row[4]) for row in rows[1:]] == [
        ("Omar Haddad (+14155550142)", f"'{OWN}"),
        (f"'{OWN}", "Omar Haddad (+14155550142)"),
    ]


def test_a_fax_and_a_voicemail_export_from_their_own_pages(bob_client: Client, bob: User) -> None:
    contact_make(account_id=account_of(bob), name="Fatima Rossi", numbers=[CUSTOMER])
    document = fax(pages=2, created=at(20))
    message = voicemail(seconds=42, created=at(30))
    index_fill(bob, [document, message])

    fax_rows = csv_rows(
        streamed(
            bob_client.get(reverse("inbox:message_export_csv", args=[bob.rc_extension_id,
                                                                     document.id]))
        )
    )  # fmt: skip
    voicemail_rows = csv_rows(
        streamed(
            bob_client.get(reverse("inbox:message_export_csv", args=[bob.rc_extension_id,
                                                                     message.id]))
        )
    )  # fmt: skip

    assert fax_rows == [
        HEADER,
        ["2026-01-01T00:20:00Z", "Inbound", "Fax", "Fatima Rossi (+14155550142)", "", "",
         "attachment-1 (application/pdf, 2 pages)", "Received", str(document.id)],
    ]  # fmt: skip
    assert voicemail_rows == [
        HEADER,
        ["2026-01-01T00:30:00Z", "Inbound", "Voicemail", "Fatima Rossi (+14155550142)", "Bob",
         "", "attachment-1 (audio/x-wav, 0:42)", "Received", str(message.id)],
    ]  # fmt: skip


def test_the_rows_function_streams_any_rows_with_the_names_it_is_given() -> None:
    """What a search's export will call: rows of any origin, a lookup per batch."""
    first = sms(direction="Inbound", text="+1 for the fast reply", created=at(1))
    second = sms(direction="Outbound", text="Thanks", created=at(2), other="+12095550100")
    rows = [
        IndexedMessage(message_id=m.id, thread_kind="conversation", thread_id=7, record=m.raw)
        for m in (second, first)
    ]
    batches: list[int] = []

    def names(batch: object) -> PartyNames:
        assert isinstance(batch, list)
        batches.append(len(batch))
        return PartyNames(contacts={CUSTOMER: "Fatima Rossi"}, known={"+12095550100": "Sam"})

    lines = list(message_csv_rows(iter(rows), names, conversation_column=True))

    assert batches == [2]
    assert all(line.endswith("\r\n") for line in lines)
    assert csv_rows("".join(lines)) == [
        [*COLUMNS, "conversation_id"],
        ["2026-01-01T00:02:00Z", "Outbound", "SMS", f"'{OWN}", "Sam (+12095550100)", "Thanks",
         "", "Delivered", str(second.id), "7"],
        ["2026-01-01T00:01:00Z", "Inbound", "SMS", "Fatima Rossi (+14155550142)", f"'{OWN}",
         "'+1 for the fast reply", "", "Received", str(first.id), "7"],
    ]  # fmt: skip
