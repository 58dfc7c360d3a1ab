"""Filling a reply's variables: pure functions, no database."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from inbox.replies.variables import (
    BLANKS,
    VARIABLES,
    first_name_of,
    reply_render,
    reply_variables_unknown,
)

NAMES = [v.name for v in VARIABLES]
ALL = {
    "contact.first_name": "Fatima",
    "contact.name": "Fatima Rossi",
    "agent.first_name": "Sam",
    "agent.name": "Sam Rivera",
    "mailbox.name": "Support",
}


def test_it_fills_every_variable() -> None:
    text = "Hi {contact.first_name}, {agent.first_name} of {mailbox.name} here ({agent.name})."

    assert reply_render(text=text, values=ALL) == "Hi Fatima, Sam of Support here (Sam Rivera)."


def test_it_leaves_a_visible_blank_for_a_missing_value() -> None:
    rendered = reply_render(text="Hi {contact.first_name}, {contact.name}!", values={})

    assert rendered == "Hi [first name], [name]!"
    assert "{" not in rendered


def test_it_treats_an_empty_or_blank_value_as_missing() -> None:
    rendered = reply_render(text="Hi {contact.first_name}", values={"contact.first_name": "  "})

    assert rendered == "Hi [first name]"


def test_it_takes_spaces_inside_the_braces() -> None:
    assert reply_render(text="Hi { contact.first_name }", values=ALL) == "Hi Fatima"


def test_it_never_fills_a_value_again() -> None:
    """A customer who calls themselves "{agent.name}" is greeted by that name, literally."""
    values = {**ALL, "contact.first_name": "{agent.name}"}

    assert reply_render(text="Hi {contact.first_name}", values=values) == "Hi {agent.name}"


def test_it_keeps_other_braces_as_text() -> None:
    text = "Smile {: and {} and {1} stay"

    assert reply_render(text=text, values=ALL) == text
    assert reply_variables_unknown(text) == []


def test_it_names_unknown_variables_once_each_in_order() -> None:
    text = "{contact.frist_name} {customer} {contact.frist_name} {contact.name}"

    assert reply_variables_unknown(text) == ["contact.frist_name", "customer"]


def test_it_takes_the_first_word_as_a_first_name() -> None:
    assert first_name_of("Fatima Rossi") == "Fatima"
    assert first_name_of("  Cher ") == "Cher"
    assert first_name_of("") == ""
    assert first_name_of("+1 (650) 555-0100") == ""


# --------------------------------------------------------------------------- properties

plain = st.text(alphabet=st.characters(blacklist_characters="{}"), max_size=20)
value = st.text(max_size=12)


@given(
    parts=st.lists(st.tuples(plain, st.sampled_from(NAMES)), max_size=6),
    tail=plain,
    values=st.dictionaries(st.sampled_from(NAMES), value),
)
def test_it_fills_each_variable_with_its_value_or_its_blank(
    parts: list[tuple[str, str]], tail: str, values: dict[str, str]
) -> None:
    text = "".join(f"{before}{{{name}}}" for before, name in parts) + tail
    expected = "".join(
        before + (" ".join(values.get(name, "").split()) or BLANKS[name]) for before, name in parts
    )

    assert reply_render(text=text, values=values) == expected + tail


@given(parts=st.lists(st.tuples(plain, st.sampled_from(NAMES)), max_size=6), tail=plain)
def test_no_placeholder_survives_filling(parts: list[tuple[str, str]], tail: str) -> None:
    text = "".join(f"{before}{{{name}}}" for before, name in parts) + tail

    rendered = reply_render(text=text, values={})

    assert not re.search(r"\{\s*(contact|agent|mailbox)\.", rendered)
