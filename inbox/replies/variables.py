"""The variables a saved reply may hold, and filling them in. Pure: no database, no request.

A variable is a name in braces, `{contact.first_name}`. Filling is one pass over the text, so a
value that itself looks like a variable (a customer named "{agent.name}") is inserted as it is,
never filled again. A variable without a value becomes a visible blank such as
"[contact's first name]", for the person to fix before sending: never the raw placeholder, and
never nothing at all, which would leave "Hi ," unnoticed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Variable:
    name: str
    meaning: str  # for the help text
    blank: str  # what stands in the text when the value is missing


VARIABLES: tuple[Variable, ...] = (
    Variable("contact.first_name", "the first name of the person you write to", "[first name]"),
    Variable("contact.name", "the full name of the person you write to", "[name]"),
    Variable("agent.first_name", "your first name", "[your first name]"),
    Variable("agent.name", "your full name", "[your name]"),
    Variable("mailbox.name", "the name of the mailbox you reply from", "[mailbox name]"),
)
BLANKS: Mapping[str, str] = {v.name: v.blank for v in VARIABLES}

# `{name}` or `{name.part}`, spaces inside the braces allowed; other braces are plain text
PLACEHOLDER = re.compile(r"\{\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*\}")


def reply_variables_unknown(text: str) -> list[str]:
    """The variable names in `text` that are not ones a reply may use, in order, once each."""
    unknown: list[str] = []
    for match in PLACEHOLDER.finditer(text):
        name = match.group(1)
        if name not in BLANKS and name not in unknown:
            unknown.append(name)
    return unknown


def reply_render(*, text: str, values: Mapping[str, str]) -> str:
    """`text` with each known variable replaced by its value in `values` (its blank when the
    value is missing or empty). Unknown variables, which saving refuses, stay as written."""

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in BLANKS:
            return match.group(0)
        value = " ".join(values.get(name, "").split())
        return value or BLANKS[name]

    return PLACEHOLDER.sub(fill, text)


def first_name_of(name: str) -> str:
    """The first word of a person's name; "" for a name that is only a phone number or
    nothing (a number is no one's first name)."""
    words = name.split()
    if not words or any(ch.isdigit() for ch in words[0]):
        return ""
    return words[0]
