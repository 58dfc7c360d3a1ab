"""Properties of phone-number normalisation (`phone_numbers_normalize`): whatever the
formatting, a number comes out in E.164; refusals are `SendInvalid` sentences, never a crash."""

from __future__ import annotations

import re

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from inbox.sending.rules import SendInvalid, phone_number_normalize, phone_numbers_normalize

E164 = re.compile(r"\+[1-9][0-9]{1,14}")
REGIONS = sorted(phonenumbers.SUPPORTED_REGIONS)


def _valid_numbers() -> list[tuple[str, str]]:
    """(E.164, region) of numbers phonenumbers holds valid: each region's examples, and the
    fictional 555-01xx numbers of a few US area codes."""
    numbers: list[tuple[str, str]] = []
    for region in REGIONS:
        for kind in (phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.MOBILE):
            example = phonenumbers.example_number_for_type(region, kind)
            if example is not None and phonenumbers.is_valid_number(example):
                e164 = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
                numbers.append((e164, region))
    for area in ("201", "212", "415", "650", "917"):
        numbers += [(f"+1{area}55501{last:02d}", "US") for last in range(0, 100, 7)]
    return sorted(set(numbers))


VALID_NUMBERS = _valid_numbers()
valid_numbers = st.sampled_from(VALID_NUMBERS)
separators = st.sampled_from([" ", "-", ".", "(", ")", "  ", " - ", ") ", "("])


@st.composite
def formatted(draw: st.DrawFn, e164: str) -> str:
    """`e164` written the way people write numbers: separators between the digits and space
    around, at most 40 characters (longer is refused as not a number at all)."""
    digits = e164[1:]
    parts = ["+"]
    for position, digit in enumerate(digits):
        if position and len("".join(parts)) + len(digits) - position < 36:
            parts.append(draw(st.one_of(st.just(""), separators)))
        parts.append(digit)
    return (
        draw(st.sampled_from(["", " ", "\t"])) + "".join(parts) + draw(st.sampled_from(["", " "]))
    )


def is_sentence(message: str) -> bool:
    return bool(message) and (message[0].isupper() or message[0] == "“") and message[-1] == "."


def test_the_corpus_holds_numbers_of_many_countries() -> None:
    assert len({region for _, region in VALID_NUMBERS}) > 200
    assert all(E164.fullmatch(number) for number, _ in VALID_NUMBERS)


@given(valid_numbers, st.data())
def test_formatting_does_not_change_the_number(
    number: tuple[str, str], data: st.DataObject
) -> None:
    e164, _ = number
    written = data.draw(formatted(e164), label="written")

    assert phone_numbers_normalize([written]) == [e164]


@given(valid_numbers, st.sampled_from(REGIONS))
def test_a_number_with_its_country_code_is_read_the_same_from_any_region(
    number: tuple[str, str], region: str
) -> None:
    e164, _ = number
    international = phonenumbers.format_number(
        phonenumbers.parse(e164), phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )

    assert phone_number_normalize(e164, region=region) == e164
    assert phone_number_normalize(international, region=region) == e164


@given(valid_numbers)
def test_a_number_without_country_code_is_read_as_its_regions(number: tuple[str, str]) -> None:
    e164, region = number
    national = phonenumbers.format_number(
        phonenumbers.parse(e164), phonenumbers.PhoneNumberFormat.NATIONAL
    )

    assert phone_number_normalize(national, region=region) == e164


# what people type into a "to" box, and what they may paste there by mistake
typed = st.text(alphabet="0123456789+-() .,;/\\#*xXetl:\t\n", max_size=45)
pasted = st.text(st.characters(exclude_categories=["Cs"]), max_size=60)
anything = st.one_of(typed, pasted, valid_numbers.map(lambda number: number[0]))


@given(st.lists(anything, max_size=6), st.sampled_from(["to", "recipients"]))
def test_it_returns_e164_numbers_or_refuses_with_a_sentence(raws: list[str], field: str) -> None:
    try:
        numbers = phone_numbers_normalize(raws, field=field)
    except SendInvalid as refusal:
        assert refusal.field == field
        assert is_sentence(refusal.message), refusal.message
        assert str(refusal) == refusal.message
        return
    assert numbers
    assert all(E164.fullmatch(number) for number in numbers)
    assert len(set(numbers)) == len(numbers)  # RingCentral refuses repeated recipients
    # in the order given, each the normalised form of one of the entries
    singles = [phone_number_normalize(raw) for raw in raws if raw.strip()]
    assert numbers == list(dict.fromkeys(singles))
    # normalising again changes nothing
    assert phone_numbers_normalize(numbers, field=field) == numbers


@given(st.lists(st.sampled_from(["", " ", "\t", "\n  "]), max_size=4))
def test_blank_entries_are_skipped_but_someone_is_needed(blanks: list[str]) -> None:
    with pytest.raises(SendInvalid, match=r"^Enter at least one recipient\.$"):
        phone_numbers_normalize(blanks)

    assert phone_numbers_normalize([*blanks, "+16505550101", *blanks]) == ["+16505550101"]
