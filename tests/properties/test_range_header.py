"""Properties of `Range` header parsing (`parse_range`): one `bytes=first-[last]` range is
read back exactly; anything else is `BadRange` (the proxy answers 416), never another error."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from inbox.conversations.proxy import BadRange, parse_range

positions = st.integers(min_value=0, max_value=10**18 - 1)
spaces = st.sampled_from(["", " ", "\t", "  "])

# what reaches the proxy: headers a browser or a media player sends, near misses of them,
# and anything at all (WSGI hands headers over as Latin-1 text)
header_like = st.text(alphabet="bytes=0123456789-, \t;*", max_size=40)
# numbers of any length up to what a header holds (gunicorn takes 8,190 bytes), and digits
# of other scripts, which `int()` reads too
numbers = st.one_of(
    st.just(""),
    positions.map(str),
    st.integers(1, 8_000).map(lambda length: "9" * length),
    st.text("0123456789٣۴", max_size=30),
)
near_misses = st.builds(
    lambda unit, first, sign, last, tail: f"{unit}={first}{sign}{last}{tail}",
    st.sampled_from(["bytes", "Bytes", "BYTES", "items", "bytes ", ""]),
    numbers,
    st.sampled_from(["-", "--", "+", "", "\u2212"]),  # the last a minus sign
    numbers,
    st.sampled_from(["", ",0-1", ", 5-", "\n", "\x00", "x"]),
)
odd_numbers = st.builds(lambda first, last: f"bytes={first}-{last}", numbers, numbers)
anything = st.one_of(
    header_like, near_misses, odd_numbers, st.text(st.characters(max_codepoint=0xFF)), st.text()
)


@given(positions, st.one_of(st.none(), positions), spaces, spaces)
def test_a_single_range_reads_back_exactly(
    first: int, length: int | None, before: str, after: str
) -> None:
    last = None if length is None else first + length % (10**18 - first)
    header = f"{before}bytes={first}-{'' if last is None else last}{after}"

    assert parse_range(header) == (first, last)


@given(positions, positions)
def test_a_range_that_ends_before_it_starts_is_refused(first: int, last: int) -> None:
    header = f"bytes={first}-{last}"
    if last < first:
        with pytest.raises(BadRange):
            parse_range(header)
    else:
        assert parse_range(header) == (first, last)


@given(anything)
@example("bytes=" + "9" * 5000 + "-")  # more digits than Python turns into an int
@example("bytes=0-" + "1" * 4301)
@example("bytes=٣-")  # an Arabic-Indic three: HTTP's digits are ASCII
@example("bytes=0-499\n")
@example("bytes=-500")
@example("bytes=0-1,5-6")
def test_any_header_is_a_range_or_bad_range(header: str) -> None:
    try:
        parsed = parse_range(header)
    except BadRange:
        return
    if not header:
        assert parsed is None
        return
    assert parsed is not None
    # what was taken is exactly one range, in ASCII digits, no position over 18 digits long
    text = header.strip()
    assert re.fullmatch(r"bytes=[0-9]{1,18}-[0-9]{0,18}", text)
    first, last = text.removeprefix("bytes=").split("-")
    assert parsed == (int(first), int(last) if last else None)
    assert parsed[1] is None or parsed[0] <= parsed[1]


def test_no_header_is_no_range() -> None:
    assert parse_range(None) is None
    assert parse_range("") is None
