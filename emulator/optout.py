"""Customers' opt-outs, as the carriers and RingCentral's opt-out service keep them.

A received SMS whose whole text is an opt-out keyword (STOP, STOPALL, UNSUBSCRIBE, CANCEL,
END, QUIT; any case, surrounding whitespace ignored) opts its sender out of texts from the
number it was sent to; START, UNSTOP or YES opts them back in. An SMS sent afterwards from
that number to them is accepted (`200`, `Queued`) and then ends `SendingFailed` with
`deliveryErrorCode` `SMS-RC-413`, "the recipient has opted out" (docs/messaging/sms/
sms-errors.md, REFERENCE §2): RingCentral documents the opt-out as a delivery failure, and
none of §8.2's request errors names it.

Where the sources are silent, the emulator decides: the keyword list above (RingCentral's
own text says only "standard keywords including stop, unstop, start, etc."); the opt-out
holds for the pair of numbers, whatever extension or account sends from the number; a
later keyword wins over an earlier one by the message's creation time, so an injected
history in any order ends in the right state; a group SMS with one opted-out recipient
fails as a whole (it is one message); MMS count like SMS.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

OUT_KEYWORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
IN_KEYWORDS = frozenset({"START", "UNSTOP", "YES"})
OPTED_OUT_STATUS = "SendingFailed"
OPTED_OUT_CODE = "SMS-RC-413"


def keyword_state(text: str | None) -> bool | None:
    """True for an opt-out keyword, False for an opt-in one, None for any other text."""
    word = (text or "").strip()
    if not word.isascii():
        return None
    word = word.upper()
    if word in OUT_KEYWORDS:
        return True
    if word in IN_KEYWORDS:
        return False
    return None


def keyword_record(
    db: sqlite3.Connection, *, customer: str, our_number: str, text: str | None, ts: float
) -> None:
    """Note a keyword `customer` texted to `our_number` at `ts` (a newer state wins)."""
    state = keyword_state(text)
    if state is None:
        return
    db.execute(
        "INSERT INTO opt_out (our_number, customer, opted_out, changed_ts) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (our_number, customer) DO UPDATE SET "
        "opted_out = excluded.opted_out, changed_ts = excluded.changed_ts "
        "WHERE excluded.changed_ts >= opt_out.changed_ts",
        (our_number, customer, int(state), ts),
    )


def opted_out(db: sqlite3.Connection, *, our_number: str, customers: Iterable[str]) -> list[str]:
    """Those of `customers` who opted out of texts from `our_number`."""
    wanted = list(customers)
    if not wanted:
        return []
    rows = db.execute(
        "SELECT customer FROM opt_out WHERE our_number = ? AND opted_out = 1", (our_number,)
    ).fetchall()
    found = {row["customer"] for row in rows}
    return [number for number in wanted if number in found]
