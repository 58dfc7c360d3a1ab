"""Reading a phone number a person typed into E.164 (`+16505550101`), the form RingCentral gives
every number in: one rule, with one set of sentences, for the composers, the API and the
address book.
"""

from __future__ import annotations

import phonenumbers

DEFAULT_REGION = "US"
TEXT_MAX = 40  # characters: longer is no phone number, and is not echoed back whole


class PhoneNumberInvalid(ValueError):
    """`raw` is not a phone number; `message` says why, in a sentence for the person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def phone_number_e164(raw: str, *, region: str = DEFAULT_REGION) -> str:
    """`raw` in E.164, or `PhoneNumberInvalid`. Numbers without a country code are read as
    `region`'s; formatting (spaces, dashes, brackets, dots) is ignored."""
    text = raw.strip()
    if not text:
        raise PhoneNumberInvalid("Enter a phone number.")
    if len(text) > TEXT_MAX:
        raise PhoneNumberInvalid(f"“{text[:TEXT_MAX]}…” is not a phone number.")
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise PhoneNumberInvalid(
            f"“{text}” is not a phone number. Write it with its country code, e.g. +1 650 555 0123."
        ) from None
    if not phonenumbers.is_valid_number(parsed):
        raise PhoneNumberInvalid(
            f"“{text}” is not a valid phone number: check the digits and the country code."
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
