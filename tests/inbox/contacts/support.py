"""Helpers of the address book's tests: contacts made directly, and a customer's name as
RingCentral gives it on a message."""

from __future__ import annotations

from accounts.models import User
from emulator.mailstore import update_message
from emulator.store import loads
from inbox.models import Contact, ContactNumber
from tests.emulator.factories import store
from tests.support.emulator import RunningEmulator


def contact_make(
    *, account_id: int, name: str, numbers: list[str], company: str = "", notes: str = ""
) -> Contact:
    contact = Contact.objects.create(account_id=account_id, name=name, company=company, notes=notes)
    for number in numbers:
        ContactNumber.objects.create(contact=contact, account_id=account_id, number=number)
    return contact


def account_of(user: User) -> int:
    assert user.rc_account_id is not None
    return user.rc_account_id


def ringcentral_names(running: RunningEmulator, message_id: int, name: str) -> None:
    """RingCentral gives the sender of the (received) message `message_id` this name."""
    with store(running.db_path).write() as db:
        row = db.execute("SELECT body FROM message WHERE id = ?", (message_id,)).fetchone()
        body = loads(row["body"])
        body["from"]["name"] = name
        update_message(db, message_id, body=body)
