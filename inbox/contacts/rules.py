"""What a contact may hold, checked the same way for the form and the CSV import: numbers read
into E.164 (the form RingCentral gives every number in, so a contact's number meets the
conversations' numbers as they are), and lengths the address book keeps.

Numbers are read by `inbox.phones`, the rule the composers use too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from inbox.phones import PhoneNumberInvalid, phone_number_e164

NAME_MAX = 120  # Contact.name
COMPANY_MAX = 120  # Contact.company
NOTES_MAX = 2000
LABEL_MAX = 40  # ContactNumber.label
NUMBERS_MAX = 10  # a contact's numbers

# "(650) 555-0101 (Mobile)": a label in brackets at the end, holding a letter (a number's
# own brackets hold digits only)
_LABELLED = re.compile(r"^(?P<number>.*?)\s*\((?P<label>[^()]*[^\d\s()+\-.][^()]*)\)\s*$")


class ContactInvalid(ValueError):
    """A contact cannot be kept as given. `field` names the form field to blame."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class NumberEntry:
    number: str  # E.164
    label: str = ""

    @property
    def as_text(self) -> str:
        """How the form and the CSV write it, and read it back."""
        return f"{self.number} ({self.label})" if self.label else self.number


def contact_number_normalize(raw: str, *, field: str = "numbers") -> str:
    """`raw` as an E.164 number (`+16505550101`), or `ContactInvalid` saying why not, by the
    same rule as the composers' (`inbox.phones`)."""
    try:
        return phone_number_e164(raw)
    except PhoneNumberInvalid as invalid:
        raise ContactInvalid(invalid.message, field=field) from None


def number_entries_parse(parts: list[str], *, field: str = "numbers") -> list[NumberEntry]:
    """Each part ("+1 650 555 0101" or "+1 650 555 0101 (Mobile)") as a number in E.164 and
    its label, in order, each number once; at least one."""
    entries: dict[str, NumberEntry] = {}
    for part in parts:
        text = part.strip()
        if not text:
            continue
        label = ""
        labelled = _LABELLED.match(text)
        if labelled:
            text, label = labelled["number"], " ".join(labelled["label"].split())
        if len(label) > LABEL_MAX:
            raise ContactInvalid(
                f"The label “{label[:LABEL_MAX]}…” is too long: at most {LABEL_MAX} characters.",
                field=field,
            )
        number = contact_number_normalize(text, field=field)
        entries.setdefault(number, NumberEntry(number, label))
    if not entries:
        raise ContactInvalid("Enter at least one phone number.", field=field)
    if len(entries) > NUMBERS_MAX:
        raise ContactInvalid(
            f"A contact has at most {NUMBERS_MAX} numbers; this one has {len(entries)}.",
            field=field,
        )
    return list(entries.values())


def contact_text_check(*, name: str, company: str, notes: str) -> None:
    """`ContactInvalid` for a missing name or a value longer than the address book keeps."""
    if not name.strip():
        raise ContactInvalid("Enter the contact's name.", field="name")
    for field, value, limit in (
        ("name", name, NAME_MAX),
        ("company", company, COMPANY_MAX),
        ("notes", notes, NOTES_MAX),
    ):
        if len(value.strip()) > limit:
            raise ContactInvalid(
                f"The {field} is too long: at most {limit} characters, not {len(value.strip())}.",
                field=field,
            )
