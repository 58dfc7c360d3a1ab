"""What a person searches for: the words or number they typed and the filters, read from a
query string (the search page, the sidebar's box and `GET /api/search/` take the same ones).

The typed text is read one of two ways:

* **A number**, when it holds only digits and what people write around them (spaces,
  brackets, dashes, dots, a leading +) and at least three digits: "415", "555-01",
  "(650) 555-0101" all search the digits of the parties' numbers, anywhere in them.
* **Words** otherwise: every word must be in the message (each one matched from its start,
  "refund" finds "refunds" and "refunded"), or the phrase must be in a party's name (their
  RingCentral name or the address book's).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from django import forms

from inbox.conversations.queries import (
    DIRECTION_CHOICES,
    NOT_BEFORE_HISTORY,
    TYPE_CHOICES,
    TYPE_FILTERS,
    dates_in_order,
)
from inbox.models import ConversationState

TEXT_MAX = 200  # characters: longer is no search a person types
WORDS_MAX = 8  # words of a search that count; more would only slow the query
NUMBER_DIGITS_MIN = 3
PAGE_MAX = 400  # pages of 25: further back, narrow the search instead

STATUS_CHOICES = [("", "Any status"), *ConversationState.Status.choices]
ASSIGNEE_ANY, ASSIGNEE_ME, ASSIGNEE_NOBODY = "", "me", "none"

_NUMBER = re.compile(r"^\+?[\d\s().\-]+$")
_WORD = re.compile(r"\w+")


def digits_of(text: str) -> str:
    """The digits of `text`, in order: how numbers are compared, whatever their format."""
    return "".join(ch for ch in text if ch.isdigit())


def number_digits(text: str) -> str:
    """The digits a number search looks for, or "" when `text` is not a number search."""
    stripped = text.strip()
    if not _NUMBER.match(stripped):
        return ""
    digits = digits_of(stripped)
    return digits if len(digits) >= NUMBER_DIGITS_MIN else ""


def words_of(text: str) -> tuple[str, ...]:
    """The words of `text`, lower-case, each once, at most `WORDS_MAX`."""
    found = dict.fromkeys(word.lower() for word in _WORD.findall(text))
    return tuple(found)[:WORDS_MAX]


class SearchForm(forms.Form):
    q = forms.CharField(
        required=False,
        max_length=TEXT_MAX,
        label="Search",
        strip=True,
        error_messages={"max_length": f"Search for at most {TEXT_MAX} characters."},
    )
    mailbox = forms.TypedChoiceField(
        required=False,
        label="Mailbox",
        coerce=int,
        empty_value=None,
        choices=(),
        # the same sentence for a mailbox one may not open and one that does not exist
        error_messages={"invalid_choice": "Choose one of your mailboxes, or all of them."},
    )
    type = forms.ChoiceField(choices=TYPE_CHOICES, required=False, label="Type")
    direction = forms.ChoiceField(choices=DIRECTION_CHOICES, required=False, label="Direction")
    start = forms.DateField(
        required=False,
        label="Sent or received from",
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[NOT_BEFORE_HISTORY],
    )
    end = forms.DateField(
        required=False,
        label="Sent or received until",
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[NOT_BEFORE_HISTORY],
    )
    assignee = forms.ChoiceField(required=False, label="Assignee", choices=())
    status = forms.ChoiceField(choices=STATUS_CHOICES, required=False, label="Status")
    page = forms.IntegerField(required=False, min_value=1, max_value=PAGE_MAX)

    def __init__(
        self,
        data: Any = None,
        *,
        mailboxes: list[tuple[int, str]],
        people: list[tuple[int, str]],
    ) -> None:
        super().__init__(data)
        mailbox_field = self.fields["mailbox"]
        assert isinstance(mailbox_field, forms.TypedChoiceField)
        mailbox_field.choices = [("", "All my mailboxes"), *mailboxes]
        assignee_field = self.fields["assignee"]
        assert isinstance(assignee_field, forms.ChoiceField)
        assignee_field.choices = [
            (ASSIGNEE_ANY, "Anyone or nobody"),
            (ASSIGNEE_ME, "Me"),
            (ASSIGNEE_NOBODY, "Nobody"),
            *((str(pk), label) for pk, label in people),
        ]

    def clean(self) -> dict[str, Any] | None:
        return dates_in_order(super().clean())


@dataclass(frozen=True)
class SearchQuery:
    """A search in the inbox's own terms (see the module's description)."""

    text: str = ""
    mailbox: int | None = None  # an extension id among the person's mailboxes
    type: str = ""  # "text", "pager", "fax", "voicemail"
    direction: str = ""  # "Inbound", "Outbound"
    start: date | None = None
    end: date | None = None
    assignee: str = ASSIGNEE_ANY  # "me", "none" or a person's id
    status: str = ""  # "open", "snoozed", "done"
    page: int = 1

    @classmethod
    def from_form(cls, form: SearchForm) -> SearchQuery:
        data = form.cleaned_data
        return cls(
            text=" ".join((data.get("q") or "").split()),
            mailbox=data.get("mailbox"),
            type=data.get("type") or "",
            direction=data.get("direction") or "",
            start=data.get("start"),
            end=data.get("end"),
            assignee=data.get("assignee") or ASSIGNEE_ANY,
            status=data.get("status") or "",
            page=data.get("page") or 1,
        )

    @property
    def digits(self) -> str:
        return number_digits(self.text)

    @property
    def words(self) -> tuple[str, ...]:
        return () if self.digits else words_of(self.text)

    @property
    def is_empty(self) -> bool:
        return not (self.digits or self.words)

    @property
    def message_type(self) -> str:
        """RingCentral's type for the `type` filter ("" for any)."""
        return TYPE_FILTERS.get(self.type, "")

    def as_params(self, **changes: Any) -> dict[str, str]:
        """Query-string values of this search (with `changes`), defaults left out."""
        query = replace(self, **changes)
        values = {
            "q": query.text,
            "mailbox": str(query.mailbox) if query.mailbox is not None else "",
            "type": query.type,
            "direction": query.direction,
            "start": query.start.isoformat() if query.start else "",
            "end": query.end.isoformat() if query.end else "",
            "assignee": query.assignee,
            "status": query.status,
            "page": str(query.page) if query.page != 1 else "",
        }
        return {key: value for key, value in values.items() if value}
