"""The API's single deletes are audited like the pages' ones: with the request's address."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from inbox.models import AuditEntry
from tests.emulator.factories import conversation_of, make_sms, message_row
from tests.inbox.conftest import extension_of
from tests.inbox.support import own_day
from tests.support.emulator import RunningEmulator


def test_it_records_the_address_of_an_api_message_delete(
    bob_client: Client, rc: RunningEmulator
) -> None:
    mailbox = extension_of(rc, "agent")
    day, _ = own_day()
    message_id = make_sms(rc.db_path, mailbox, text="delete me", created_ts=day)

    response = bob_client.post(
        reverse("api:message_delete", args=[mailbox, message_id]),
        {},
        content_type="application/json",
        REMOTE_ADDR="198.51.100.23",
    )

    assert response.status_code == 200, response.content
    entry = AuditEntry.objects.get(pk=int(response.json()["audit_entry_id"]))
    assert entry.action == AuditEntry.Action.MESSAGE_DELETE
    assert entry.ip_address == "198.51.100.23"
    assert message_row(rc.db_path, message_id)["availability"] == "Deleted"


def test_it_records_the_address_of_an_api_conversation_delete(
    bob_client: Client, rc: RunningEmulator
) -> None:
    mailbox = extension_of(rc, "agent")
    day, _ = own_day()
    message_id = make_sms(rc.db_path, mailbox, text="and this thread", created_ts=day)
    conversation_id = conversation_of(rc.db_path, message_id)

    response = bob_client.post(
        reverse("api:conversation_delete", args=[mailbox, conversation_id]),
        {},
        content_type="application/json",
        REMOTE_ADDR="2001:db8::17",
    )

    assert response.status_code == 200, response.content
    entry = AuditEntry.objects.get(pk=int(response.json()["audit_entry_id"]))
    assert entry.action == AuditEntry.Action.CONVERSATION_DELETE
    assert entry.ip_address == "2001:db8::17"
    assert entry.conversation_id == conversation_id
    assert message_row(rc.db_path, message_id)["availability"] == "Deleted"
