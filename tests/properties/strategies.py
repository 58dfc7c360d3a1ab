"""Texts the SMS counter must handle, by the way each kind of character is counted.

The GSM 03.38 tables are written out here in their code order, independently of
inbox/sending/rules.py, so a test can check the rules' sets against the standard.
"""

from __future__ import annotations

from hypothesis import strategies as st

ESCAPE = None  # 0x1B, the escape to the extension table: not a character of its own

# GSM 03.38 basic character set, codes 0x00 to 0x7F
GSM_BASIC_TABLE: tuple[str | None, ...] = (
    *"@£$¥èéùìòÇ\nØø\rÅå",
    *"Δ_ΦΓΛΩΠΨΣΘΞ",
    ESCAPE,
    *"ÆæßÉ",
    *" !\"#¤%&'()*+,-./",
    *"0123456789:;<=>?",
    *"¡ABCDEFGHIJKLMNO",
    *"PQRSTUVWXYZÄÖÑÜ§",
    *"¿abcdefghijklmno",
    *"pqrstuvwxyzäöñüà",
)
# the extension table: each is sent as the escape and its code, two septets
GSM_EXTENSION_TABLE: dict[int, str] = {
    0x0A: "\f",
    0x14: "^",
    0x28: "{",
    0x29: "}",
    0x2F: "\\",
    0x3C: "[",
    0x3D: "~",
    0x3E: "]",
    0x40: "|",
    0x65: "€",
}

GSM_BASIC = "".join(char for char in GSM_BASIC_TABLE if char is not None)
GSM_EXTENSION = "".join(GSM_EXTENSION_TABLE.values())
GSM_ANY = GSM_BASIC + GSM_EXTENSION

# emoji as people type them: single code points outside the BMP, and a few sequences
# (a flag, a family joined by ZWJ, a heart with its variation selector, a skin tone)
EMOJI = ("😀", "👍", "🎉", "🚀", "🙂", "🤖", "🇺🇸", "👨\u200d👩\u200d👧", "❤️", "👋🏽")

gsm_basic_chars = st.sampled_from(GSM_BASIC)
gsm_extension_chars = st.sampled_from(GSM_EXTENSION)
# lone surrogates are left out: no browser or UTF-8 request carries one
bmp_non_gsm_chars = st.characters(
    max_codepoint=0xFFFF, exclude_categories=["Cs"], exclude_characters=GSM_ANY
)
astral_chars = st.characters(min_codepoint=0x10000, exclude_categories=["Cs"])
emoji = st.sampled_from(EMOJI)

gsm_basic_texts = st.text(gsm_basic_chars, max_size=500)
gsm_texts = st.text(st.one_of(gsm_basic_chars, gsm_extension_chars), max_size=400)
bmp_non_gsm_texts = st.text(bmp_non_gsm_chars, min_size=1, max_size=300)
any_chars = st.one_of(gsm_basic_chars, gsm_extension_chars, bmp_non_gsm_chars, astral_chars, emoji)
# any text a composer may hold: every kind mixed, emoji sequences included
mixed_texts = st.lists(any_chars, max_size=300).map("".join)
