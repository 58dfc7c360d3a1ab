"""The conversation list's filters: parsed from a query string (the page's form and the JSON
API share this), normalised, and turned into `listMessages` parameters.

RingCentral looks back 24 hours when no `dateFrom` is given; the inbox looks back
`DEFAULT_WINDOW_DAYS` instead, from the start of that day (UTC), so the query — and so its cache
key — stays the same all day. Older conversations are one "look further back" away.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import phonenumbers
from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.validators import MinValueValidator
from django.utils import timezone

from inbox.ringcentral import HISTORY_START

DEFAULT_WINDOW_DAYS = 30
LOOK_BACK_DAYS = 90  # each "look further back" widens the window by this much
PAGE_SIZE = 25
MAX_PAGE = 10_000


def page_number(raw: str | None) -> int:
    """A page of a page's address (`?page=`): a hand-typed, absent or impossible one is read
    as the nearest page that can be (RingCentral takes 32-bit page numbers only)."""
    try:
        page = int(raw or "1")
    except ValueError:
        return 1
    return min(max(page, 1), MAX_PAGE)


TYPE_CHOICES = [
    ("", "Any type"),
    ("text", "SMS and MMS"),
    ("pager", "Pager"),
    ("fax", "Fax"),
    ("voicemail", "Voicemail"),
]
TYPE_FILTERS = {"text": "SMS", "pager": "Pager", "fax": "Fax", "voicemail": "VoiceMail"}
DIRECTION_CHOICES = [("", "Both directions"), ("Inbound", "Received"), ("Outbound", "Sent")]
READ_CHOICES = [("", "Read and unread"), ("unread", "Unread only"), ("read", "Read only")]

# an earlier day finds nothing, and a year before 1000 would reach RingCentral as an invalid date
NOT_BEFORE_HISTORY = MinValueValidator(
    HISTORY_START.date(),
    f"Choose a day from {HISTORY_START.day} {HISTORY_START:%B %Y} on: there are no older messages.",
)

PHONE_HELP = (
    "Enter a phone number, such as (650) 555-0101 or +44 20 7946 0000, "
    "or at least 3 of its digits, such as 415 or 555-01."
)
NUMBER_HELP = (
    "A whole phone number, or 3 or more of its digits (415, 555-01), found inside any number."
)


def normalized_phone(text: str) -> str:
    """`(650) 555-0101` → `+16505550101`, `555-01` → `+55501` (a part of a number: see
    `is_whole_number`); raises ValueError for anything not a number."""
    if re.search(r"[^\d\s()+.\-]", text):
        raise ValueError(PHONE_HELP)
    digits = re.sub(r"\D", "", text)
    if len(digits) == 10 and not text.strip().startswith("+"):
        digits = "1" + digits
    if not 3 <= len(digits) <= 15:
        raise ValueError(PHONE_HELP)
    return "+" + digits


def is_whole_number(number: str) -> bool:
    """Whether `number` (`normalized_phone`'s) is a whole phone number, one RingCentral's
    `phoneNumber` filter can be asked for, rather than a part of one ("+415", "+55501"), which
    only the index finds (inside any number, `inbox.index.selectors`)."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return False
    reason = phonenumbers.is_possible_number_with_reason(parsed)
    return bool(reason == phonenumbers.ValidationResult.IS_POSSIBLE)


def filter_choice(choices: list[tuple[str, str]], label: str, what: str) -> forms.ChoiceField:
    """One of the list's select filters, whose error (a value typed into the address) names the
    choices there are, in the words the select shows."""
    names = [name for value, name in choices if value]
    offered = ", ".join(names[:-1]) + " or " + names[-1]
    return forms.ChoiceField(
        choices=choices,
        required=False,
        label=label,
        error_messages={
            "invalid_choice": f"“%(value)s” is not a {what} this list knows: choose {offered}."
        },
    )


class ConversationFilterForm(forms.Form):
    type = filter_choice(TYPE_CHOICES, "Type", "type")
    direction = filter_choice(DIRECTION_CHOICES, "Direction", "direction")
    read = filter_choice(READ_CHOICES, "Read status", "read status")
    start = forms.DateField(
        required=False,
        label="From",
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[NOT_BEFORE_HISTORY],
    )
    end = forms.DateField(
        required=False,
        label="To",
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[NOT_BEFORE_HISTORY],
    )
    number = forms.CharField(
        required=False,
        max_length=40,
        label="Phone number",
        help_text=NUMBER_HELP,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "inputmode": "tel",
                "autocomplete": "off",
                "placeholder": "Number, or 3+ digits",
                "data-number-search": "",
            }
        ),
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE)

    def clean_number(self) -> str:
        text = str(self.cleaned_data.get("number") or "").strip()
        if not text:
            return ""
        try:
            return normalized_phone(text)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean(self) -> dict[str, Any] | None:
        return dates_in_order(super().clean())


def dates_in_order(cleaned: dict[str, Any] | None) -> dict[str, Any] | None:
    """A filter form's cleaned data, refused when its `start` day comes after its `end` day
    (the conversation list's and search's forms)."""
    if cleaned is not None:
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and start > end:
            raise forms.ValidationError("The start date must be on or before the end date.")
    return cleaned


@dataclass(frozen=True)
class ConversationQuery:
    """What the list shows: filters in the inbox's own terms."""

    type: str = ""
    direction: str = ""
    read: str = ""
    start: date | None = None  # None: the default window
    end: date | None = None
    number: str = ""
    page: int = 1

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> tuple[ConversationQuery, dict[str, Any]]:
        """The query of a query string's valid filters, and the form's errors (field →
        sentences): a list shows what its valid filters find and says what is wrong with the
        others; the API and bulk selections refuse a query with errors."""
        form = ConversationFilterForm(params)
        form.is_valid()
        data = form.cleaned_data
        dates_kept = NON_FIELD_ERRORS not in form.errors  # the only form-wide rule: their order
        query = cls(
            type=data.get("type") or "",
            direction=data.get("direction") or "",
            read=data.get("read") or "",
            start=data.get("start") if dates_kept else None,
            end=data.get("end") if dates_kept else None,
            number=data.get("number") or "",
            page=data.get("page") or 1,
        )
        errors = {field: [str(e) for e in errs] for field, errs in form.errors.items()}
        return query, errors

    def effective_start(self, today: date | None = None) -> date:
        if self.start is not None:
            return self.start
        today = today or timezone.now().astimezone(UTC).date()
        anchor = self.end if self.end is not None and self.end < today else today
        return anchor - timedelta(days=DEFAULT_WINDOW_DAYS)

    def ringcentral_params(self) -> dict[str, Any]:
        """Keyword arguments of `RingCentralClient.list_messages` (also the cache key)."""
        params: dict[str, Any] = {
            "distinct_conversations": True,
            "date_from": datetime.combine(self.effective_start(), time.min, tzinfo=UTC),
            "page": self.page,
            "per_page": PAGE_SIZE,
        }
        if self.end is not None:
            # the last millisecond of the day: RingCentral's dateTo is inclusive
            params["date_to"] = datetime.combine(self.end, time.max, tzinfo=UTC)
        if self.type:
            params["message_type"] = [TYPE_FILTERS[self.type]]
        if self.direction:
            params["direction"] = [self.direction]
        if self.read == "unread":
            # only received messages wait to be read: RingCentral stores sent ones `Unread`
            # (with "Sent" chosen too, nothing matches: see `matches_nothing`)
            params.setdefault("direction", ["Inbound"])
            params["read_status"] = ["Unread"]
        elif self.read:
            params["read_status"] = ["Read"]
        if self.number:
            params["phone_number"] = self.number
        return params

    @property
    def number_is_part(self) -> bool:
        """The number filter holds a part of a number ("415", "555-01"): the list from the
        index finds it inside any number; RingCentral cannot be asked for it."""
        return bool(self.number) and not is_whole_number(self.number)

    @property
    def number_shown(self) -> str:
        """The number filter as the form shows it: a part of a number as its digits ("415",
        not "+415", which reads as a country code), unless ten digits, which without their
        "+" would read as a North American number."""
        digits = self.number.lstrip("+")
        return digits if self.number_is_part and len(digits) != 10 else self.number

    @property
    def matches_nothing(self) -> bool:
        """Unread messages the mailbox sent: there are none, whatever RingCentral stores."""
        return self.read == "unread" and self.direction == "Outbound"

    def as_params(self, **changes: Any) -> dict[str, str]:
        """Query-string values of this query (with `changes`), defaults left out."""
        query = replace(self, **changes)
        values = {
            "type": query.type,
            "direction": query.direction,
            "read": query.read,
            "start": query.start.isoformat() if query.start else "",
            "end": query.end.isoformat() if query.end else "",
            "number": query.number_shown,
            "page": str(query.page) if query.page != 1 else "",
        }
        return {key: value for key, value in values.items() if value}

    def further_back(self) -> ConversationQuery:
        """The same filters over a window reaching `LOOK_BACK_DAYS` further into the past."""
        return replace(self, start=self.effective_start() - timedelta(days=LOOK_BACK_DAYS), page=1)


def unread_params(today: date | None = None) -> dict[str, Any]:
    """`list_messages` arguments counting the unread conversations of the default window: those
    with a received message unread (RingCentral stores sent messages `Unread`, whichever app
    sent them, so they are not counted)."""
    start = ConversationQuery().effective_start(today)
    return {
        "distinct_conversations": True,
        "direction": ["Inbound"],
        "read_status": ["Unread"],
        "date_from": datetime.combine(start, time.min, tzinfo=UTC),
        # the count is `paging.totalElements`; the records count when the platform omits it
        "per_page": 100,
    }
