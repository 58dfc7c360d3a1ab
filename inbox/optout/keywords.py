"""The keywords by which a customer opts out of texts from a number, or back in.

Only a message that is a keyword as a whole counts ("Stop" does; "please stop" and "STOP!" do
not): carriers' and RingCentral's opt-out service work on whole-message keywords, and a
sentence that merely contains "stop" is a conversation, not an instruction.
"""

from __future__ import annotations

from typing import Literal

OUT_KEYWORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
IN_KEYWORDS = frozenset({"START", "UNSTOP", "YES"})

Change = Literal["out", "in"]


def keyword_of(text: str | None) -> str:
    """The keyword the whole message is, upper-cased ("" when it is none)."""
    word = (text or "").strip()
    if not word.isascii():
        # the long s and the dotless i upper-case to S and I: "\u017ftop" is no STOP
        return ""
    word = word.upper()
    return word if word in OUT_KEYWORDS or word in IN_KEYWORDS else ""


def keyword_change(text: str | None) -> Change | None:
    """ "out" for an opt-out keyword, "in" for an opt-in one, None for anything else.
    Surrounding whitespace (line breaks too) and case do not matter."""
    word = keyword_of(text)
    if word in OUT_KEYWORDS:
        return "out"
    if word in IN_KEYWORDS:
        return "in"
    return None
