"""Marking what a search found in a message's text: every word that starts with one of the
searched words, or the searched digits inside a number, wrapped in `<mark>`. The text is a
customer's and untrusted: each piece is escaped, only the marks are markup.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

EXCERPT_CHARS = 300  # of a long message, the part around its first match is shown


def _pattern(words: Sequence[str]) -> re.Pattern[str] | None:
    if not words:
        return None
    # longest first, so that "refunded" is marked whole rather than "refund" + "ed"
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"\b(?:{alternatives})\w*", re.IGNORECASE)


def excerpt(text: str, words: Sequence[str], limit: int = EXCERPT_CHARS) -> str:
    """`text` on one line, cut to about `limit` characters around its first match."""
    line = " ".join(text.split())
    if len(line) <= limit:
        return line
    pattern = _pattern(words)
    found = pattern.search(line) if pattern else None
    start = max(0, (found.start() if found else 0) - limit // 3)
    end = min(len(line), start + limit)
    start = max(0, end - limit)
    return ("…" if start else "") + line[start:end] + ("…" if end < len(line) else "")


def highlighted(text: str, words: Sequence[str]) -> SafeString:
    """`text`, escaped, with the words that match `words` in `<mark>`."""
    pattern = _pattern(words)
    if pattern is None:
        return escape(text)
    pieces: list[str] = []
    at = 0
    for found in pattern.finditer(text):
        pieces.append(escape(text[at : found.start()]))
        pieces.append(f"<mark>{escape(found.group(0))}</mark>")
        at = found.end()
    pieces.append(escape(text[at:]))
    return mark_safe("".join(pieces))  # noqa: S308  (every piece of text is escaped above)


def number_highlighted(number: str, digits: str) -> SafeString:
    """A formatted number (e.g. "(415) 555-0100") with the searched `digits` in `<mark>`,
    whatever formatting lies between them."""
    if not digits:
        return escape(number)
    positions = [i for i, ch in enumerate(number) if ch.isdigit()]
    only_digits = "".join(number[i] for i in positions)
    found = only_digits.find(digits)
    if found < 0:
        return escape(number)
    first, last = positions[found], positions[found + len(digits) - 1] + 1
    return mark_safe(  # noqa: S308  (every piece of the number is escaped)
        f"{escape(number[:first])}<mark>{escape(number[first:last])}</mark>{escape(number[last:])}"
    )
