"""Message text sizes: UTF-16 code units (the API's length limits) and SMS segments.

Limits are stated in 2-byte UTF-16 units: "if a character is encoded in 4 bytes in UTF-16 it
is treated as 2 characters" (spec `CreateSMSMessage.text`, `CreateInternalTextMessageRequest`).

`segmentCount` (REFERENCE §2) follows GSM 03.38: text made only of the GSM 7-bit alphabet
travels as 160 septets in one segment, 153 per segment when concatenated (the characters of
the extension table take two septets); anything else is UCS-2, 70 units in one segment, 67 per
segment when concatenated.
"""

from __future__ import annotations

import math

GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = frozenset("^{}\\[~]|€\f")


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def segment_count(text: str) -> int:
    if all(ch in GSM_BASIC or ch in GSM_EXTENDED for ch in text):
        septets = sum(2 if ch in GSM_EXTENDED else 1 for ch in text)
        return 1 if septets <= 160 else math.ceil(septets / 153)
    units = utf16_units(text)
    return 1 if units <= 70 else math.ceil(units / 67)
