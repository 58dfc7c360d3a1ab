"""A contact's name is shown on the pages beyond the conversations that name a customer's
number too: Recently deleted and its purge confirmation, a bulk job's report, the audit log
and Mentions — each page with one address-book query for all its numbers, and never a name
from another account's address book."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from inbox.models import (
    AuditEntry,
    BulkDeleteItem,
    BulkDeleteJob,
    ConversationNote,
    NoteMention,
)
from tests.emulator.factories import conversation_of, make_sms, unique_number
from tests.inbox.conftest import extension_of
from tests.inbox.contacts.support import account_of, contact_make, ringcentral_names
from tests.inbox.ownership.support import indexed, mailbox_of
from tests.inbox.support import found
from tests.support.emulator import RunningEmulator

OURS = "Fatima Rossi"
THEIRS = "Someone Of Another Account"
RINGCENTRAL = "F ROSSI MOBILE"


def local(number: str) -> str:
    """`+12095550123` as the inbox shows it."""
    return f"({number[2:5]}) {number[5:8]}-{number[8:]}"


def named(user: User, number: str) -> None:
    """`number` is OURS in `user`'s address book and THEIRS in another account's."""
    contact_make(account_id=account_of(user), name=OURS, numbers=[number])
    contact_make(account_id=account_of(user) + 1, name=THEIRS, numbers=[number])


def contact_queries(queries: CaptureQueriesContext) -> int:
    return sum('"inbox_contactnumber"' in q["sql"] for q in queries.captured_queries)


def customer_sms(
    running: RunningEmulator, which: str, number: str, availability: str = "Alive"
) -> int:
    """A received SMS from `number` in `which`'s mailbox that RingCentral names RINGCENTRAL."""
    message = make_sms(
        running.db_path,
        extension_of(running, which),
        other_number=number,
        availability=availability,
    )
    ringcentral_names(running, message, RINGCENTRAL)
    return message


@pytest.fixture
def alice(alice_client: Client, rc: RunningEmulator) -> User:
    return User.objects.get(rc_extension_id=extension_of(rc, "admin"))


@pytest.fixture
def bob(bob_client: Client, rc: RunningEmulator) -> User:
    return User.objects.get(rc_extension_id=extension_of(rc, "agent"))


# --------------------------------------------------------------------------- recently deleted


def test_recently_deleted_names_the_contact(
    bob_client: Client, bob: User, rc: RunningEmulator
) -> None:
    number, unnamed = unique_number(), unique_number()
    customer_sms(rc, "agent", number, availability="Deleted")
    customer_sms(rc, "agent", unnamed, availability="Deleted")
    named(bob, number)
    url = reverse("inbox:deleted", args=[extension_of(rc, "agent")])

    with CaptureQueriesContext(connection) as queries:
        page = bob_client.get(url).content.decode()

    assert f'<strong class="party">{OURS}</strong>' in page
    assert f"Restore the conversation with {OURS}" in page
    assert f'<strong class="party">{RINGCENTRAL}</strong>' in page  # no contact: RingCentral's
    assert THEIRS not in page
    assert contact_queries(queries) == 1
    # the list is cached; a name given since shows all the same
    contact_make(account_id=account_of(bob), name="Gianni Verdi", numbers=[unnamed])
    again = bob_client.get(url).content.decode()
    assert '<strong class="party">Gianni Verdi</strong>' in again


def test_the_purge_confirmation_names_the_contact(
    alice_client: Client, alice: User, rc: RunningEmulator
) -> None:
    number = unique_number()
    message = customer_sms(rc, "admin", number, availability="Deleted")
    named(alice, number)
    key = f"conversation:{conversation_of(rc.db_path, message)}"

    page = alice_client.post(
        reverse("inbox:deleted_purge", args=[extension_of(rc, "admin")]), {"item": key}
    ).content.decode()

    assert "for good?" in page
    assert f"with <strong>{OURS}</strong>" in page
    assert THEIRS not in page and RINGCENTRAL not in page


# --------------------------------------------------------------------------- bulk jobs


def test_a_bulk_jobs_report_names_the_contact(
    alice_client: Client, alice: User, rc: RunningEmulator
) -> None:
    number = unique_number()
    message = customer_sms(rc, "admin", number)
    named(alice, number)
    extension = extension_of(rc, "admin")

    with CaptureQueriesContext(connection) as queries:
        alice_client.post(
            reverse("inbox:bulk_preview", args=[extension]),
            {"conversation": [str(conversation_of(rc.db_path, message))]},
        )

    job = BulkDeleteJob.objects.get(account_id=account_of(alice), extension_id=extension)
    (item,) = job.items.all()
    assert item.party == OURS
    assert contact_queries(queries) == 1
    # the job ran and this conversation failed: the report names it
    item.state, item.error = BulkDeleteItem.State.FAILED, "RingCentral refused it."
    item.save()
    BulkDeleteJob.objects.filter(pk=job.pk).update(status=BulkDeleteJob.Status.DONE, failed_count=1)

    page = alice_client.get(reverse("inbox:bulk_job", args=[extension, job.pk])).content.decode()

    failures = found(r'(<table class="bulk-failures">.*?</table>)', page)
    assert f"<td>{OURS}</td>" in failures
    assert THEIRS not in page and RINGCENTRAL not in page


# --------------------------------------------------------------------------- audit log


def test_the_audit_log_names_the_contact_beside_the_number(
    alice_client: Client, alice: User, rc: RunningEmulator
) -> None:
    number, unnamed = unique_number(), unique_number()
    named(alice, number)
    for customer in (number, unnamed):
        AuditEntry.objects.create(
            actor=None,
            actor_label=f"The customer at {local(customer)}",
            action=AuditEntry.Action.OPT_OUT,
            account_id=account_of(alice),
            extension_id=extension_of(rc, "admin"),
            detail=f"{local(customer)} texted STOP to (650) 555-0100.",
        )

    AuditEntry.objects.create(
        actor=alice,
        actor_label="Alex Morgan (ext. 101)",
        action=AuditEntry.Action.CONTACT_ADD,
        account_id=account_of(alice),
        extension_id=extension_of(rc, "admin"),
        detail=f"{OURS} ({number})",
    )

    with CaptureQueriesContext(connection) as queries:
        page = alice_client.get(reverse("inbox:audit_log")).content.decode()

    assert f"The customer at {local(number)} ({OURS})" in page
    assert f'<span class="subline">{OURS} ({number})</span>' in page  # as written
    assert f"{local(number)} ({OURS}) texted STOP to (650) 555-0100." in page
    assert f"The customer at {local(unnamed)}<" in page  # no contact: the number alone
    assert THEIRS not in page
    assert contact_queries(queries) == 1


# --------------------------------------------------------------------------- mentions


def test_mentions_names_the_contact(
    alice: User, bob_client: Client, bob: User, rc: RunningEmulator
) -> None:
    number = unique_number()
    named(bob, number)
    thread = indexed(mailbox_of(bob), parties=[{"number": number, "name": RINGCENTRAL}])
    note = ConversationNote.objects.create(
        account_id=thread.account_id,
        extension_id=thread.extension_id,
        thread_kind=thread.thread_kind,
        thread_id=thread.thread_id,
        author=alice,
        author_label="Alex Morgan",
        text="@Sam can you call them back?",
    )
    NoteMention.objects.create(
        note=note,
        person=bob,
        account_id=thread.account_id,
        extension_id=thread.extension_id,
        thread_kind=thread.thread_kind,
        thread_id=thread.thread_id,
    )

    with CaptureQueriesContext(connection) as queries:
        page = bob_client.get(reverse("inbox:notes_mentions")).content.decode()

    row = found(r'(<li class="conversation is-unread" data-row.*?</li>)', page)
    assert f"· {OURS}</span>" in row
    assert THEIRS not in page and RINGCENTRAL not in page
    assert contact_queries(queries) == 1
