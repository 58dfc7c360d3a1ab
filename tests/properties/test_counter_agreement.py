"""The composer's counter (static/js/sending.js, run in real Chromium) and the server's
(inbox/sending/rules.py) agree: on several hundred generated texts of every kind of character,
around every boundary, both give the same length in UTF-16 units, encoding, length in that
encoding's units and number of segments."""

from __future__ import annotations

import math
import random
from pathlib import Path
from typing import Any

from inbox.sending.rules import sms_segments, utf16_units
from tests.e2e.conftest import browser  # noqa: F401  (fixture: the browser tests' Chromium)
from tests.properties.strategies import EMOJI, GSM_BASIC, GSM_EXTENSION

SCRIPT = Path(__file__).resolve().parents[2] / "static" / "js" / "sending.js"
SEED = 20

# characters outside GSM 03.38 but inside the BMP that people type: accents GSM lacks,
# typographic punctuation, Greek lower case, Cyrillic, Hebrew, Arabic, CJK, invisible ones
# (no-break space, zero-width joiner, byte-order mark, combining accent, line separator, tab)
BMP_OUTSIDE_GSM = (
    "ąęłńśźżĀāĒēçêîôûœ\u2018\u2019“”\u2013\u2014•…"
    + "αβγδεζηθ"
    + "привет"
    + "שלום"
    + "مرحبا"
    + "你好世界日本語한국어"
    + "\u00a0\u200d\ufeff\u0301\u2028\t"
)
# astral characters: emoji, and a few others (musical symbols, a CJK extension ideograph,
# mathematical letters), one code point each
ASTRAL = "😀👍🎉🚀🙂🤖🧾𝄞𠀋𝐀𝒜🀄"

# lengths around every limit: 70 / 67 for UCS-2, 160 / 153 for GSM-7, their multiples
LENGTHS = sorted(
    {0, 1, 2, 33, 34, 35, 36, 65, 66, 67, 68, 69, 70, 71, 72, 76, 77, 80, 81, 133, 134, 135,
     136, 152, 153, 154, 159, 160, 161, 162, 200, 201, 305, 306, 307, 308, 459, 460, 461, 612,
     999, 1000, 1001}
)  # fmt: skip


def corpus() -> list[str]:
    """Texts of each kind of character and their mixes, two at each length in LENGTHS, and
    each kind of character placed where a segment ends."""
    rng = random.Random(SEED)  # noqa: S311  (the same corpus on every run, no secret)
    pools = {
        "gsm basic": GSM_BASIC,
        "gsm with extension": GSM_BASIC * 3 + GSM_EXTENSION,
        "gsm extension only": GSM_EXTENSION,
        "bmp outside gsm": BMP_OUTSIDE_GSM,
        "bmp with gsm": BMP_OUTSIDE_GSM + GSM_BASIC * 2,
        "astral": ASTRAL,
        "everything": GSM_BASIC + GSM_EXTENSION + BMP_OUTSIDE_GSM + ASTRAL,
    }
    texts: list[str] = []
    for pool in pools.values():
        for length in LENGTHS:
            for _ in range(2 if length else 1):
                texts.append("".join(rng.choice(pool) for _ in range(length)))
    # one odd character in a long GSM text, at and around each place a segment ends
    odd_ones = [*GSM_EXTENSION, *BMP_OUTSIDE_GSM[:8], *ASTRAL[:4], *EMOJI]
    for end in (66, 67, 68, 69, 70, 152, 153, 154, 159, 160, 305, 306):
        for offset in (-1, 0, 1):
            odd = rng.choice(odd_ones)
            head = "".join(rng.choice(GSM_BASIC) for _ in range(end + offset))
            tail = "".join(rng.choice(GSM_BASIC) for _ in range(rng.randrange(0, 200)))
            texts.append(head + odd + tail)
    # runs of two-unit characters that meet a boundary on either side
    for count in (34, 35, 36, 66, 67, 76, 77, 80, 81, 153):
        texts.append("€" * count)
        texts.append("😀" * count)
        texts.append("a" + "😀" * count)
        texts.append("a" + "€" * count)
    # sequences people send as one symbol but that are several code points
    texts += [*EMOJI, "".join(EMOJI) * 7, "e\u0301" * 90, "\r\n" * 81, "\f" * 80, "\x00"]
    return texts


def server_count(text: str) -> list[Any]:
    counted = sms_segments(text)
    return [utf16_units(text), counted.encoding, counted.units, counted.segments]


def test_the_composer_counts_like_the_server(browser: Any) -> None:  # noqa: F811
    texts = corpus()
    page = browser.new_page()
    try:
        page.set_content("<!doctype html><title>Counter</title>")
        page.add_script_tag(path=str(SCRIPT))
        composer = page.evaluate(
            """texts => texts.map(text => {
                const counted = window.TeamInboxCompose.segments(text);
                return [text.length, counted.encoding, counted.units, counted.segments];
            })""",
            texts,
        )
    finally:
        page.close()

    assert not set(BMP_OUTSIDE_GSM) & set(GSM_BASIC + GSM_EXTENSION)
    server = [server_count(text) for text in texts]
    assert len(composer) == len(texts) >= 400
    disagreements = [
        (text, ours, theirs)
        for text, ours, theirs in zip(texts, server, composer, strict=True)
        if ours != theirs
    ]
    assert disagreements == []

    # the corpus reaches every boundary, and places where a character may not be split
    seen = {(encoding, units) for _, encoding, units, _ in server}
    for boundary in [("GSM-7", 160), ("GSM-7", 161), ("GSM-7", 306), ("GSM-7", 307),
                     ("UCS-2", 70), ("UCS-2", 71), ("UCS-2", 134), ("UCS-2", 135)]:  # fmt: skip
        assert boundary in seen
    assert {segments for *_, segments in server} >= set(range(0, 10))
    kept_whole = {
        encoding
        for _, encoding, units, segments in server
        if units > (160 if encoding == "GSM-7" else 70)
        and segments > math.ceil(units / (153 if encoding == "GSM-7" else 67))
    }
    assert kept_whole == {"GSM-7", "UCS-2"}
