"""What RingCentral accepts in a send, checked before anything is queued: the same rules serve
the composers, the JSON API and the services, so a send that would be refused is refused here,
with a sentence that says what to change.
"""

from __future__ import annotations

import phonenumbers

DEFAULT_REGION = "US"


class SendInvalid(ValueError):
    """The send cannot go out as asked. `field` names the form field to blame."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def phone_number_normalize(raw: str, *, field: str = "to", region: str = DEFAULT_REGION) -> str:
    """`raw` as an E.164 number (`+16505550101`), or `SendInvalid` saying why not.

    Numbers without a country code are read as `region`'s; formatting (spaces, dashes,
    brackets, dots) is ignored.
    """
    text = raw.strip()
    if not text:
        raise SendInvalid("Enter a phone number.", field=field)
    if len(text) > 40:
        raise SendInvalid(f"“{text[:40]}…” is not a phone number.", field=field)
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise SendInvalid(
            f"“{text}” is not a phone number. Write it with its country code, "
            "e.g. +1 650 555 0123.",
            field=field,
        ) from None
    if not phonenumbers.is_valid_number(parsed):
        raise SendInvalid(
            f"“{text}” is not a valid phone number: check the digits and the country code.",
            field=field,
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def phone_numbers_normalize(
    raws: list[str], *, field: str = "to", region: str = DEFAULT_REGION
) -> list[str]:
    """Each number in E.164, in order, without repeats (RingCentral refuses duplicates,
    CMN-406); at least one."""
    numbers: list[str] = []
    for raw in raws:
        if not raw.strip():
            continue
        number = phone_number_normalize(raw, field=field, region=region)
        if number not in numbers:
            numbers.append(number)
    if not numbers:
        raise SendInvalid("Enter at least one recipient.", field=field)
    return numbers
