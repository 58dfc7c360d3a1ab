"""Properties of the opt-out keywords (inbox/optout/keywords.py): a whole message that is one
of the keywords, in any case and with any whitespace around it, opts out or back in; a
message that is anything more, or anything else, changes nothing."""

from __future__ import annotations

from hypothesis import assume, given
from hypothesis import strategies as st

from inbox.optout.keywords import IN_KEYWORDS, OUT_KEYWORDS, keyword_change, keyword_of

KEYWORDS = sorted(OUT_KEYWORDS | IN_KEYWORDS)
WHITESPACE = st.text(alphabet=" \t\r\n\u00a0\u2028\x0b\x0c", max_size=6)


@st.composite
def any_case(draw: st.DrawFn, word: str) -> str:
    flips = draw(st.lists(st.booleans(), min_size=len(word), max_size=len(word)))
    return "".join(ch.lower() if flip else ch for ch, flip in zip(word, flips, strict=True))


@st.composite
def keyword_messages(draw: st.DrawFn) -> tuple[str, str]:
    """(the keyword, a message that is it as a whole): any case, any surrounding whitespace."""
    word = draw(st.sampled_from(KEYWORDS))
    return word, draw(WHITESPACE) + draw(any_case(word)) + draw(WHITESPACE)


@given(keyword_messages())
def test_it_reads_a_whole_message_keyword_in_any_case_with_any_surrounding_space(
    case: tuple[str, str],
) -> None:
    word, text = case
    assert keyword_of(text) == word
    assert keyword_change(text) == ("out" if word in OUT_KEYWORDS else "in")


@given(keyword_messages(), st.text(min_size=1, max_size=20))
def test_it_ignores_a_keyword_with_anything_more_than_whitespace_around_it(
    case: tuple[str, str], extra: str
) -> None:
    _, text = case
    assume(extra.strip())
    assert keyword_change(text + extra) is None or keyword_of(text + extra) != text.strip()
    assert keyword_change(extra + " " + text.strip() + " " + extra) is None


@given(st.text(max_size=30))
def test_it_answers_none_for_any_text_that_is_not_a_keyword(text: str) -> None:
    assume(text.strip().upper() not in KEYWORDS)
    assert keyword_change(text) is None
    assert keyword_of(text) == ""


@given(st.sampled_from(KEYWORDS), st.data())
def test_it_takes_no_look_alike_letters_for_a_keyword(word: str, data: st.DataObject) -> None:
    # characters that upper-case to ASCII letters: the long s, the dotless i, the Kelvin sign
    look_alikes = {"S": "\u017f", "I": "\u0131", "K": "\u212a"}
    positions = [i for i, ch in enumerate(word) if ch in look_alikes]
    assume(positions)
    at = data.draw(st.sampled_from(positions))
    text = word[:at] + look_alikes[word[at]] + word[at + 1 :]
    assert keyword_change(text) is None


def test_it_opts_out_on_each_stop_word_and_back_in_on_each_start_word() -> None:
    for word in ("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"):
        assert keyword_change(f"  {word.lower()}\n") == "out"
    for word in ("START", "UNSTOP", "YES"):
        assert keyword_change(word.title()) == "in"
    for text in ("", "   ", None, "please stop", "STOP!", "S T O P", "stop stop"):
        assert keyword_change(text) is None
