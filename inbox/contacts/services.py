"""Changes to the address book: adding, changing and deleting a contact, importing many from
CSV. Each writes its audit entry, in the same transaction, under the acting person's own
mailbox (account and extension): an address book is the account's, not a mailbox's.

A number names one contact in an account (the database's constraint says so too); a number
another contact holds is refused with a sentence naming that contact.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction

from accounts.models import User
from inbox.contacts.rules import (
    ContactInvalid,
    NumberEntry,
    contact_text_check,
    number_entries_parse,
)
from inbox.contacts.selectors import contact_account_check, contacts_for_user, number_owners
from inbox.csv_cells import CsvLines, csv_cell_read
from inbox.csv_cells import csv_cell as csv_cell  # the rule's former home here still names it
from inbox.models import AuditEntry, Contact, ContactNumber

CSV_HEADER = ("name", "company", "notes", "numbers")
CSV_NUMBER_SEPARATOR = ";"
IMPORT_ROWS_MAX = 5000


@dataclass(frozen=True)
class ContactInput:
    name: str
    company: str
    notes: str
    numbers: tuple[NumberEntry, ...]


def _audit(
    *,
    user: User,
    action: str,
    ip_address: str | None,
    detail: str,
    outcome: str = AuditEntry.Outcome.DONE,
) -> None:
    assert user.rc_account_id is not None and user.rc_extension_id is not None
    AuditEntry.objects.create(
        actor=user,
        actor_label=AuditEntry.label_of(user),
        ip_address=ip_address,
        action=action,
        outcome=outcome,
        account_id=user.rc_account_id,
        extension_id=user.rc_extension_id,
        detail=detail,
    )


def _numbers_check(
    *, account_id: int, numbers: Sequence[NumberEntry], contact: Contact | None
) -> None:
    """`ContactInvalid` naming the contact that already holds one of `numbers`."""
    owners = number_owners(account_id=account_id, numbers=[n.number for n in numbers])
    for entry in numbers:
        owner = owners.get(entry.number)
        if owner is not None and (contact is None or owner.pk != contact.pk):
            raise ContactInvalid(
                f"{entry.number} is already the number of {owner.name}: "
                "change or delete that contact first.",
                field="numbers",
            )


def _detail(contact: Contact, numbers: Sequence[NumberEntry]) -> str:
    return f"{contact.name} ({', '.join(n.number for n in numbers)})"


def _numbers_write(*, contact: Contact, numbers: Sequence[NumberEntry]) -> None:
    ContactNumber.objects.bulk_create(
        ContactNumber(
            contact=contact, account_id=contact.account_id, number=n.number, label=n.label
        )
        for n in numbers
    )


def _refused_on_race() -> ContactInvalid:
    return ContactInvalid(
        "Someone gave one of these numbers to another contact at the same moment; "
        "look at the contacts and try again.",
        field="numbers",
    )


def contact_create(*, user: User, data: ContactInput, ip_address: str | None) -> Contact:
    """A new contact of `user`'s account; `ContactInvalid` when a number is another's."""
    account_id = contact_account_check(user=user)
    contact_text_check(name=data.name, company=data.company, notes=data.notes)
    try:
        with transaction.atomic():
            _numbers_check(account_id=account_id, numbers=data.numbers, contact=None)
            contact = Contact.objects.create(
                account_id=account_id,
                name=data.name.strip(),
                company=data.company.strip(),
                notes=data.notes.strip(),
                created_by=user,
            )
            _numbers_write(contact=contact, numbers=data.numbers)
            _audit(
                user=user,
                action=AuditEntry.Action.CONTACT_ADD,
                ip_address=ip_address,
                detail=_detail(contact, data.numbers),
            )
    except IntegrityError:
        raise _refused_on_race() from None
    return contact


def contact_update(
    *, user: User, contact: Contact, data: ContactInput, ip_address: str | None
) -> Contact:
    """The contact (one `contact_get_for_user` gave) with these values and numbers."""
    contact_text_check(name=data.name, company=data.company, notes=data.notes)
    try:
        with transaction.atomic():
            _numbers_check(account_id=contact.account_id, numbers=data.numbers, contact=contact)
            contact.name = data.name.strip()
            contact.company = data.company.strip()
            contact.notes = data.notes.strip()
            contact.save(update_fields=["name", "company", "notes", "updated_at"])
            contact.numbers.all().delete()
            _numbers_write(contact=contact, numbers=data.numbers)
            _audit(
                user=user,
                action=AuditEntry.Action.CONTACT_CHANGE,
                ip_address=ip_address,
                detail=_detail(contact, data.numbers),
            )
    except IntegrityError:
        raise _refused_on_race() from None
    return contact


@transaction.atomic
def contact_delete(*, user: User, contact: Contact, ip_address: str | None) -> None:
    """Forget the contact (one `contact_get_for_user` gave) and its numbers."""
    numbers = [NumberEntry(n.number, n.label) for n in contact.numbers.all()]
    detail = _detail(contact, numbers)
    contact.delete()
    _audit(user=user, action=AuditEntry.Action.CONTACT_DELETE, ip_address=ip_address, detail=detail)


# --------------------------------------------------------------------------- CSV


def contacts_csv_rows(*, user: User) -> Iterator[str]:
    """The account's contacts as CSV lines (header first): name, company, notes, and the
    numbers separated by ";", each with its label in brackets."""
    lines = CsvLines()  # cells a spreadsheet would run as formulas are written as text
    contacts = contacts_for_user(user=user)
    yield lines.line(CSV_HEADER)
    for contact in contacts.iterator(chunk_size=500):
        numbers = f"{CSV_NUMBER_SEPARATOR} ".join(
            NumberEntry(n.number, n.label).as_text for n in contact.numbers.all()
        )
        row = [contact.name, contact.company, contact.notes, numbers]
        yield lines.line(row)


def contacts_export_record(*, user: User, ip_address: str | None) -> None:
    """The export's audit entry (the file itself is streamed to the person)."""
    account_id = contact_account_check(user=user)
    count = Contact.objects.filter(account_id=account_id).count()
    _audit(
        user=user,
        action=AuditEntry.Action.CONTACTS_EXPORT,
        ip_address=ip_address,
        detail=f"{count} contact{'s' if count != 1 else ''}",
    )


class ImportUnreadable(ValueError):
    """The file as a whole cannot be imported; the message says why."""


@dataclass(frozen=True)
class RefusedRow:
    row: int  # as a spreadsheet numbers it: the header is row 1
    name: str
    reason: str


@dataclass
class ImportReport:
    imported: int = 0
    refused: list[RefusedRow] = field(default_factory=list)


def _csv_records(text: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for record in reader:
            yield reader.line_num, record
    except csv.Error as error:
        raise ImportUnreadable(
            f"Line {reader.line_num} of the file is not CSV Team Inbox can read ({error}). "
            "Nothing was imported."
        ) from None


def _header_check(record: list[str] | None) -> None:
    found = tuple(csv_cell_read(cell).strip().lower() for cell in record or [])
    if found != CSV_HEADER:
        raise ImportUnreadable(
            "The first row must be the header name,company,notes,numbers (as an export "
            "writes it). Nothing was imported."
        )


def contacts_import(*, user: User, text: str, ip_address: str | None) -> ImportReport:
    """Add a contact for each row of the CSV `text` (an export's columns) that can be one, and
    say which rows were refused and why. `ImportUnreadable` when the file as a whole is not
    such a CSV (nothing is imported then)."""
    account_id = contact_account_check(user=user)
    records = _csv_records(text)
    _header_check(next(records, (0, None))[1])
    report = ImportReport()
    accepted: list[tuple[ContactInput, int]] = []
    rows = list(records)
    if len(rows) > IMPORT_ROWS_MAX:
        raise ImportUnreadable(
            f"The file has {len(rows):,} rows; an import takes at most {IMPORT_ROWS_MAX:,}. "
            "Split it and import each part. Nothing was imported."
        )
    parsed: list[tuple[int, ContactInput]] = []
    for line, record in rows:
        if not any(cell.strip() for cell in record):
            continue  # an empty line
        cells = [csv_cell_read(cell) for cell in record] + [""] * 4
        name, company, notes, numbers_cell = (cell.strip() for cell in cells[:4])
        try:
            if len(record) > len(CSV_HEADER):
                raise ContactInvalid(
                    f"The row has {len(record)} cells; a row has {len(CSV_HEADER)}.",
                    field="row",
                )
            contact_text_check(name=name, company=company, notes=notes)
            numbers = number_entries_parse(numbers_cell.split(CSV_NUMBER_SEPARATOR))
        except ContactInvalid as invalid:
            report.refused.append(RefusedRow(line, name, invalid.message))
            continue
        parsed.append((line, ContactInput(name, company, notes, tuple(numbers))))
    owners = number_owners(
        account_id=account_id,
        numbers=[entry.number for _, data in parsed for entry in data.numbers],
    )
    taken: dict[str, str] = {number: contact.name for number, contact in owners.items()}
    for line, data in parsed:
        clash = next((n.number for n in data.numbers if n.number in taken), None)
        if clash is not None:
            reason = f"{clash} is already the number of {taken[clash]}."
            report.refused.append(RefusedRow(line, data.name, reason))
            continue
        taken.update({n.number: data.name for n in data.numbers})
        accepted.append((data, line))
    report.refused.sort(key=lambda refused: refused.row)
    try:
        with transaction.atomic():
            contacts = Contact.objects.bulk_create(
                Contact(
                    account_id=account_id,
                    name=data.name,
                    company=data.company,
                    notes=data.notes,
                    created_by=user,
                )
                for data, _ in accepted
            )
            ContactNumber.objects.bulk_create(
                ContactNumber(
                    contact=contact, account_id=account_id, number=n.number, label=n.label
                )
                for contact, (data, _) in zip(contacts, accepted, strict=True)
                for n in data.numbers
            )
            report.imported = len(contacts)
            _import_audit(user=user, report=report, ip_address=ip_address)
    except IntegrityError:
        raise ImportUnreadable(
            "Someone changed the contacts while the file was imported, so nothing was "
            "imported. Import it again."
        ) from None
    return report


def _import_audit(*, user: User, report: ImportReport, ip_address: str | None) -> None:
    refused = len(report.refused)
    if refused and report.imported:
        outcome = AuditEntry.Outcome.PARTLY
    elif refused:
        outcome = AuditEntry.Outcome.FAILED
    else:
        outcome = AuditEntry.Outcome.DONE
    _audit(
        user=user,
        action=AuditEntry.Action.CONTACTS_IMPORT,
        ip_address=ip_address,
        detail=f"{report.imported} imported, {refused} refused",
        outcome=outcome,
    )
