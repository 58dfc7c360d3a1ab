"""Properties of the SMS and pager counter (inbox/sending/rules.py): lengths in UTF-16 units as
RingCentral counts them, GSM-7 septets (extension characters cost two) or UCS-2 units, and
the segments a text is split into (160 / 153 each for GSM-7, 70 / 67 for UCS-2)."""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inbox.sending.rules import (
    GSM7_BASIC,
    GSM7_EXTENSION,
    SendInvalid,
    pager_text_check,
    sms_segments,
    sms_text_check,
    utf16_units,
)
from tests.properties.strategies import (
    GSM_BASIC,
    GSM_BASIC_TABLE,
    GSM_EXTENSION,
    any_chars,
    astral_chars,
    bmp_non_gsm_chars,
    bmp_non_gsm_texts,
    emoji,
    gsm_basic_chars,
    gsm_basic_texts,
    gsm_texts,
    mixed_texts,
)

# RingCentral's limits, in UTF-16 code units (an emoji counts 2)
SMS_LIMIT = 1000
PAGER_LIMIT = 1024

non_gsm_chars = st.one_of(bmp_non_gsm_chars, astral_chars, emoji)


def code_unit_count(char: str) -> int:
    return 2 if ord(char) > 0xFFFF else 1


def widths(text: str) -> tuple[str, list[int]]:
    """The encoding the standard calls for and each code point's cost in it."""
    if all(char in GSM_BASIC or char in GSM_EXTENSION for char in text):
        return "GSM-7", [2 if char in GSM_EXTENSION else 1 for char in text]
    return "UCS-2", [code_unit_count(char) for char in text]


def fewest_parts(costs: list[int], capacity: int) -> int:
    """The fewest runs of consecutive characters, each costing at most `capacity`: a search
    over every place a part may start, not the rules' greedy walk."""
    prefix = [0]
    for cost in costs:
        prefix.append(prefix[-1] + cost)
    best = [0]
    for end in range(1, len(costs) + 1):
        # the earliest start whose part still fits (costs are positive: prefix increases)
        start = bisect.bisect_left(prefix, prefix[end] - capacity, 0, end)
        best.append(min(best[start:end]) + 1)
    return best[-1]


def expected_segments(text: str) -> tuple[str, int, int]:
    encoding, costs = widths(text)
    single, multi = (160, 153) if encoding == "GSM-7" else (70, 67)
    units = sum(costs)
    if units == 0:
        return encoding, 0, 0
    if units <= single:
        return encoding, units, 1
    return encoding, units, fewest_parts(costs, multi)


def test_it_knows_the_gsm_03_38_tables() -> None:
    assert len(GSM_BASIC_TABLE) == 128
    assert set(GSM_BASIC) == GSM7_BASIC
    assert len(GSM7_BASIC) == 127  # the 128 codes less the escape
    assert set(GSM_EXTENSION) == GSM7_EXTENSION


@given(mixed_texts, mixed_texts)
def test_it_counts_utf16_units_as_ringcentral_does(text: str, more: str) -> None:
    assert utf16_units(text) == sum(code_unit_count(char) for char in text)
    assert utf16_units(text + more) == utf16_units(text) + utf16_units(more)


@given(gsm_basic_texts)
def test_it_sends_gsm_basic_text_as_gsm7_at_one_septet_a_character(text: str) -> None:
    counted = sms_segments(text)

    assert counted.encoding == "GSM-7"
    assert counted.units == len(text)
    n = len(text)
    assert counted.segments == (0 if n == 0 else 1 if n <= 160 else math.ceil(n / 153))


@given(bmp_non_gsm_texts, st.lists(gsm_basic_chars, max_size=200).map("".join))
def test_it_sends_bmp_text_outside_gsm_as_ucs2_at_one_unit_a_character(
    outside: str, gsm: str
) -> None:
    text = outside + gsm
    counted = sms_segments(text)

    assert counted.encoding == "UCS-2"
    assert counted.units == len(text) == utf16_units(text)
    n = len(text)
    assert counted.segments == (1 if n <= 70 else math.ceil(n / 67))


@given(gsm_texts)
def test_it_counts_gsm_extension_characters_as_two_septets(text: str) -> None:
    counted = sms_segments(text)
    extension_count = sum(char in GSM_EXTENSION for char in text)

    assert counted.encoding == "GSM-7"
    assert counted.units == len(text) + extension_count
    assert (counted.encoding, counted.units, counted.segments) == expected_segments(text)
    if counted.units > 160:
        # an escape pair never straddles two segments: at most one septet of each is lost
        assert math.ceil(counted.units / 153) <= counted.segments
        assert counted.segments <= math.ceil(counted.units / 152)


@given(gsm_texts, non_gsm_chars, st.data())
def test_one_character_outside_gsm_switches_the_whole_text_to_ucs2(
    text: str, outside: str, data: st.DataObject
) -> None:
    where = data.draw(st.integers(0, len(text)), label="position")
    mixed = text[:where] + outside + text[where:]
    counted = sms_segments(mixed)

    assert sms_segments(text).encoding == "GSM-7"
    assert counted.encoding == "UCS-2"
    assert counted.units == utf16_units(mixed)  # extension characters cost one unit in UCS-2


@given(mixed_texts)
def test_it_splits_into_the_fewest_segments_without_breaking_a_character(text: str) -> None:
    counted = sms_segments(text)

    assert (counted.encoding, counted.units, counted.segments) == expected_segments(text)


@given(mixed_texts, any_chars)
def test_more_text_never_takes_fewer_segments(text: str, more: str) -> None:
    assert sms_segments(text).segments <= sms_segments(text + more).segments
    assert utf16_units(text) < utf16_units(text + more)


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", "GSM-7", 0, 0),
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        ("€" * 80, "GSM-7", 160, 1),
        ("€" * 80 + "a", "GSM-7", 161, 2),
        # the escape pair would straddle septets 153 and 154: it opens the next segment
        ("a" * 152 + "€" + "a" * 152, "GSM-7", 306, 3),
        ("a" * 153 + "€" + "a" * 151, "GSM-7", 306, 2),
        ("ą" * 70, "UCS-2", 70, 1),
        ("ą" * 71, "UCS-2", 71, 2),
        ("ą" * 134, "UCS-2", 134, 2),
        ("ą" * 135, "UCS-2", 135, 3),
        ("😀" * 35, "UCS-2", 70, 1),
        ("😀" * 35 + "a", "UCS-2", 71, 2),
        # a surrogate pair is never split: units 67 and 68 go together to the next segment
        ("ą" * 66 + "😀" + "ą" * 66, "UCS-2", 134, 3),
        ("ą" * 65 + "😀" + "ą" * 67, "UCS-2", 134, 2),
        ("a" * 159 + "€", "GSM-7", 161, 2),
        ("a" * 159 + "é", "GSM-7", 160, 1),
        ("a" * 159 + "ê", "UCS-2", 160, 3),
    ],
)
def test_it_splits_at_the_boundaries(text: str, encoding: str, units: int, segments: int) -> None:
    counted = sms_segments(text)

    assert (counted.encoding, counted.units, counted.segments) == (encoding, units, segments)


# a short text of any kind, then a run of one character long enough to cross the limits
texts_around_the_limits = st.builds(
    lambda head, filler, count: head + filler * count,
    st.lists(any_chars, max_size=20).map("".join),
    st.sampled_from(["a", "€", "😀", "ą", " "]),
    st.one_of(st.integers(0, 1_100), st.integers(495, 530), st.integers(990, 1_030)),
)


@given(texts_around_the_limits, st.booleans())
def test_it_takes_an_sms_text_exactly_up_to_1000_utf16_units(
    text: str, has_attachments: bool
) -> None:
    units = utf16_units(text)
    fine = units <= SMS_LIMIT and (bool(text.strip()) or has_attachments)
    try:
        assert sms_text_check(text, has_attachments=has_attachments) == text
    except SendInvalid as refusal:
        assert not fine
        assert refusal.field == "text"
        if not text.strip() and not has_attachments:
            assert refusal.message == "Write a message, or attach a file."
        else:
            assert f"is {units:,} characters long" in refusal.message
            assert f"Shorten it by {units - SMS_LIMIT:,}." in refusal.message
    else:
        assert fine


@given(texts_around_the_limits)
def test_it_takes_a_pager_text_exactly_up_to_1024_utf16_units(text: str) -> None:
    units = utf16_units(text)
    fine = units <= PAGER_LIMIT and bool(text.strip())
    try:
        assert pager_text_check(text) == text
    except SendInvalid as refusal:
        assert not fine
        assert refusal.field == "text"
        if not text.strip():
            assert refusal.message == "Write a message."
        else:
            assert f"Shorten it by {units - PAGER_LIMIT:,}." in refusal.message
    else:
        assert fine


@pytest.mark.parametrize(
    ("check", "text", "taken"),
    [
        # 2,000 septets, but 1,000 UTF-16 units: the limit counts units
        (sms_text_check, "€" * 1000, True),
        (sms_text_check, "😀" * 500, True),
        (sms_text_check, "😀" * 500 + "a", False),
        (sms_text_check, "a" * 999 + "😀", False),
        (pager_text_check, "a" * 1024, True),
        (pager_text_check, "a" * 1025, False),
        (pager_text_check, "😀" * 512, True),
        (pager_text_check, "a" * 1023 + "😀", False),
    ],
)
def test_the_limits_count_utf16_units_not_septets_or_characters(
    check: Callable[[str], str], text: str, taken: bool
) -> None:
    if taken:
        assert check(text) == text
    else:
        with pytest.raises(SendInvalid, match="Shorten it by 1\\."):
            check(text)
