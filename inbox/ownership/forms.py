"""The forms of ownership's pages: a change to threads (the thread page's panel and a view's
bulk bar post the same one), and a view's filters."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django import forms

from inbox.conversations.queries import (
    DIRECTION_CHOICES,
    READ_CHOICES,
    TYPE_CHOICES,
    filter_choice,
)
from inbox.ownership.presenters import SNOOZE_CHOICES, ThreadKey, snooze_preset_until
from inbox.ownership.selectors import ViewFilters
from inbox.ownership.services import ACTIONS, Change
from inbox.path_ids import INT64_MAX

SNOOZE_AT = "at"  # the snooze ends at the time chosen in `until`
THREAD_VALUE = re.compile(r"([1-9][0-9]{0,18}):(conversation|message):([1-9][0-9]{0,18})")


def thread_values_parse(values: Iterable[str]) -> list[tuple[int, ThreadKey]] | None:
    """The (extension id, thread key) of each form value "<extension>:<kind>:<id>"; None
    when one is not such a value."""
    parsed: list[tuple[int, ThreadKey]] = []
    for value in values:
        match = THREAD_VALUE.fullmatch(value)
        if match is None:
            return None
        extension_id, kind, thread_id = int(match[1]), match[2], int(match[3])
        if extension_id > INT64_MAX or thread_id > INT64_MAX:
            return None
        parsed.append((extension_id, (kind, thread_id)))
    return parsed


class ThreadsChangeForm(forms.Form):
    """What to do to the threads named by the request's `thread` values."""

    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS])
    assignee = forms.IntegerField(required=False, min_value=1, max_value=INT64_MAX)
    snooze = forms.ChoiceField(
        choices=[*SNOOZE_CHOICES, (SNOOZE_AT, "At the time chosen")], required=False
    )
    until = forms.DateTimeField(
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        if cleaned is None or cleaned.get("action") != "snooze":
            return cleaned
        choice = cleaned.get("snooze") or (SNOOZE_AT if cleaned.get("until") else "")
        if not choice:
            raise forms.ValidationError("Choose how long to snooze for.")
        if choice == SNOOZE_AT:
            if cleaned.get("until") is None and "until" not in self.errors:
                raise forms.ValidationError("Choose the day and time the snooze ends.")
        else:
            cleaned["until"] = snooze_preset_until(choice)
        return cleaned

    def change(self) -> Change:
        data = self.cleaned_data
        return Change(data["action"], assignee_id=data.get("assignee"), until=data.get("until"))

    def first_error(self) -> str:
        """A sentence saying what to change."""
        if "until" in self.errors:
            return "Choose the day and time the snooze ends, such as tomorrow at 9:00."
        if self.non_field_errors():
            return str(self.non_field_errors()[0])
        if "assignee" in self.errors:
            return "Choose someone to assign the conversation to, or nobody."
        return "Choose what to do with the conversation."


class ViewFilterForm(forms.Form):
    """The conversation list's filters that apply to a view."""

    type = filter_choice(TYPE_CHOICES, "Type", "type")
    direction = filter_choice(DIRECTION_CHOICES, "Direction", "direction")
    read = filter_choice(READ_CHOICES, "Read status", "read status")

    def filters(self) -> ViewFilters:
        """The filters chosen; none where the value is not one of the choices (the form
        then says so beside that filter)."""
        self.is_valid()
        data = self.cleaned_data
        return ViewFilters(
            type=data.get("type") or "",
            direction=data.get("direction") or "",
            read=data.get("read") or "",
        )
