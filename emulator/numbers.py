"""Phone numbers as the sending endpoints read them, and the numbers reserved to fail.

Normalisation (REFERENCE §8: `to[].phoneNumber` is "E.164"): a number with a leading `+` must
be a well-formed E.164 number; 10-digit (NXX-NXX-XXXX) and 11-digit (`1` + 10 digits) North
American numbers without `+` are taken as US numbers, which is how the platform treats the
plain numbers of the official fax form-data sample. Spaces, dashes, dots and parentheses are
ignored. Everything else is either an internal number (3-6 digits: `MSG-246`/`MSG-247` for SMS)
or garbage (`CMN-101`).

Reserved numbers. A 200 from the sending endpoints only means "queued" (REFERENCE §8,
docs/messaging/sms/sms-errors.md); the delivery life (`emulator.lifecycle`) decides later.
These recipients always fail, so clients can exercise their failure paths:

- `+15005550001`: SMS SendingFailed `SMS-RC-413` (recipient opted out); fax `LineBusy`.
- `+15005550002`: SMS Sent, then DeliveryFailed `SMS-CAR-411` (number invalid or
  unallocated); fax `NoAnswer`.
- `+15005550003`: SMS SendingFailed `SMS-UP-410` (number cannot take SMS); fax `NoFaxMachine`.
- `+15005550004`: SMS Sent, then DeliveryFailed `SMS-CAR-412` (handset unavailable); fax
  `CallFailed`.
- `+15005550009`: SMS refused at once, 400 `MSG-243` "Phone number is blocked"; fax
  `ProhibitedNumber`.

A failing fax recipient ends SendingFailed with that `faxErrorCode`.
Every other number is sent (and, for SMS, delivered).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from emulator.mailstore import digits

_E164 = re.compile(r"^\+[1-9]\d{7,14}$")
_SEPARATORS = " -.()\t"


@dataclass(frozen=True)
class ReservedNumber:
    """How sending to one reserved number ends."""

    sms_status: str  # SendingFailed (never leaves Queued for Sent) or DeliveryFailed
    sms_error: str  # deliveryErrorCode, docs/messaging/sms/sms-errors.md
    fax_error: str  # FaxErrorCodeEnum (REFERENCE §2)


RESERVED: dict[str, ReservedNumber] = {
    "+15005550001": ReservedNumber("SendingFailed", "SMS-RC-413", "LineBusy"),
    "+15005550002": ReservedNumber("DeliveryFailed", "SMS-CAR-411", "NoAnswer"),
    "+15005550003": ReservedNumber("SendingFailed", "SMS-UP-410", "NoFaxMachine"),
    "+15005550004": ReservedNumber("DeliveryFailed", "SMS-CAR-412", "CallFailed"),
    "+15005550009": ReservedNumber("SendingFailed", "SMS-RC-430", "ProhibitedNumber"),
}
# SMS to these is refused by the API itself (400 MSG-243, REFERENCE §8.2).
BLOCKED_SMS = frozenset({"+15005550009"})


def normalise(raw: str) -> str | None:
    """The E.164 form of a number as clients write it, or None when it is not one."""
    text = raw.strip()
    plus = text.startswith("+")
    rest = text[1:] if plus else text
    if not rest or any(not (ch.isdigit() or ch in _SEPARATORS) for ch in rest):
        return None
    if not rest.isascii():
        return None
    plain = digits(rest)
    if plus:
        if plain.startswith("1") and len(plain) != 11:
            return None  # a North American number always has ten digits after the 1
        number = "+" + plain
        return number if _E164.match(number) else None
    if len(plain) == 10 and plain[0] in "23456789":
        return "+1" + plain
    if len(plain) == 11 and plain[0] == "1" and plain[1] in "23456789":
        return "+" + plain
    return None


def is_short_number(raw: str) -> bool:
    """3 to 6 digits and nothing else: an extension number or an SMS short code."""
    text = raw.strip()
    return text.isascii() and text.isdigit() and 3 <= len(text) <= 6


def reserved(number: str) -> ReservedNumber | None:
    return RESERVED.get(number)


def sms_outcome(numbers: list[str]) -> ReservedNumber | None:
    """The failure of a (group) SMS: that of its first reserved recipient, if any."""
    for number in numbers:
        found = RESERVED.get(number)
        if found is not None:
            return found
    return None
