"""Reads of opt-outs: who may not be texted from a number, and the sentence that says why.

Numbers are compared in E.164 (`+16505550101`), as sends and the index keep them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import phonenumbers
from django.utils import timezone

from inbox.models import OptOut


def number_label(number: str) -> str:
    """A number as the rest of the inbox shows it: `+14155550123` as `(415) 555-0123`, others in
    the international form people read (`+44 20 7946 0018`)."""
    if number.startswith("+1") and len(number) == 12 and number[1:].isdigit():
        return f"({number[2:5]}) {number[5:8]}-{number[8:]}"
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return number
    if not phonenumbers.is_possible_number(parsed):
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def optouts_active(
    *, account_id: int, our_numbers: Iterable[str], customer_numbers: Iterable[str]
) -> list[OptOut]:
    """The opt-outs in force between any of `our_numbers` and any of `customer_numbers`,
    in the order of `customer_numbers`."""
    ours = sorted(set(our_numbers))
    customers = list(dict.fromkeys(customer_numbers))
    if not ours or not customers:
        return []
    found = OptOut.objects.filter(
        account_id=account_id,
        our_number__in=ours,
        customer_number__in=customers,
        opted_out=True,
    ).select_related("changed_by")
    order = {number: position for position, number in enumerate(customers)}
    return sorted(found, key=lambda row: (order[row.customer_number], row.our_number))


def optout_how(optout: OptOut) -> str:
    """How the opt-out came about: "replied STOP", "recorded by hand"."""
    if optout.source == OptOut.Source.KEYWORD and optout.keyword:
        return f"replied {optout.keyword}"
    return "recorded by hand"


def optout_date(optout: OptOut) -> str:
    """The day of the opt-out, in the site's time zone: "5 Dec 2026"."""
    moment = timezone.localtime(optout.changed_at)
    return f"{moment.day} {moment:%b %Y}"


def sms_refusal(*, account_id: int, from_number: str, recipients: Sequence[str]) -> str | None:
    """Why an SMS from `from_number` to `recipients` may not go out (a sentence naming every
    recipient who opted out of texts from that number), or None when it may."""
    refused = optouts_active(
        account_id=account_id, our_numbers=[from_number], customer_numbers=recipients
    )
    if not refused:
        return None
    parts = [
        f"{number_label(row.customer_number)} opted out of texts from "
        f"{number_label(row.our_number)} on {optout_date(row)} ({optout_how(row)})"
        for row in refused
    ]
    if len(refused) == 1:
        return f"{parts[0]}. They must text START before you can message them."
    return (
        f"{'; '.join(parts)}. They must text START before you can message them: "
        "remove them from the recipients to text the others."
    )
