"""Marking what a search found in a message's text: every word that starts with one of the
searched words, or the searched digits inside a number. `match_spans` and `number_span` say
where, as character offsets (the JSON API gives them as they are); `highlighted` and
`number_highlighted` wrap the same places in `<mark>` for the pages. The text is a customer's
and untrusted: each piece is escaped, only the marks are markup.
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


Span = tuple[int, int]  # [start, end): `text[start:end]` is what matched


def match_spans(text: str, words: Sequence[str]) -> list[Span]:
    """Where in `text` the words that match `words` are, in order, none overlapping."""
    pattern = _pattern(words)
    if pattern is None:
        return []
    return [found.span() for found in pattern.finditer(text)]


def number_span(number: str, digits: str) -> Span | None:
    """Where in a formatted number (e.g. "(415) 555-0100") the searched `digits` are,
    whatever formatting lies between them; None when they are not in it."""
    if not digits:
        return None
    positions = [i for i, ch in enumerate(number) if ch.isdigit()]
    found = "".join(number[i] for i in positions).find(digits)
    if found < 0:
        return None
    return positions[found], positions[found + len(digits) - 1] + 1


def marked(text: str, spans: Sequence[Span]) -> SafeString:
    """`text`, escaped, with each of `spans` in `<mark>`."""
    pieces: list[str] = []
    at = 0
    for start, end in spans:
        pieces.append(escape(text[at:start]))
        pieces.append(f"<mark>{escape(text[start:end])}</mark>")
        at = end
    pieces.append(escape(text[at:]))
    # every piece of text is escaped above: only the marks are markup
    return mark_safe("".join(pieces))  # noqa: S308  # nosec B308 B703


def highlighted(text: str, words: Sequence[str]) -> SafeString:
    """`text`, escaped, with the words that match `words` in `<mark>`."""
    return marked(text, match_spans(text, words))


def number_highlighted(number: str, digits: str) -> SafeString:
    """A formatted number (e.g. "(415) 555-0100") with the searched `digits` in `<mark>`,
    whatever formatting lies between them."""
    span = number_span(number, digits)
    return marked(number, [span] if span else [])
