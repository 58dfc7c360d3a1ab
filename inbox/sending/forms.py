"""Forms of the composers. They hold what the person typed (so nothing is lost when the server
refuses it) and the idempotency key; the rules themselves live in `inbox.sending.rules` and are
applied by the services, whose `SendInvalid` lands on the field it names."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django import forms

from inbox.conversations.presenters import format_number
from inbox.conversations.selectors import DirectoryEntry
from inbox.sending.rules import SMS_TEXT_LIMIT, SendInvalid

FIELD_ALIASES = {"to_numbers": "to", "to_extension_ids": "to", "__all__": None}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (MMS attachments), checked together by the service."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleFileField, self).clean(file, initial) for file in files]


class SendForm(forms.Form):
    """What every composer has: a fresh idempotency key per rendered form (a reload renders a
    new one, a double submit posts the same one)."""

    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("idempotency_key", uuid.uuid4())
        super().__init__(*args, **kwargs)

    def refuse(self, error: SendInvalid) -> None:
        field = FIELD_ALIASES.get(error.field, error.field)
        if field is not None and field not in self.fields:
            field = None
        self.add_error(field, error.message)


def _text_field(limit: int) -> forms.CharField:
    return forms.CharField(
        label="Message",
        required=False,
        strip=False,
        # the limit is RingCentral's in UTF-16 units: enforced by static/js/sending.js and by the
        # service
        widget=forms.Textarea(attrs={"rows": 4, "data-sms-text": "", "data-limit": limit}),
    )


class SmsForm(SendForm):
    from_number = forms.ChoiceField(label="From")
    text = _text_field(SMS_TEXT_LIMIT)
    attachments = MultipleFileField(
        label="Attach files",
        help_text="Pictures, video, audio, PDF and more: up to 10 files, 1.5 MB together.",
    )

    def __init__(self, *args: Any, sms_numbers: Sequence[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["from_number"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(n, format_number(n)) for n in sms_numbers]


class SendLaterForm(forms.Form):
    """The "Send later" fields (the `when=later` button): hold the SMS until `send_at`, a
    wall-clock time in `timezone` (the browser's; see `inbox.sending.scheduling`)."""

    send_at = forms.DateTimeField(
        label="Send at",
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"invalid": "Enter the day and time to send at, e.g. 2026-12-07 09:00."},
    )
    timezone = forms.CharField(required=False, widget=forms.HiddenInput, max_length=64)
    cancel_on_reply = forms.BooleanField(
        label="Cancel if they write first", required=False, initial=True
    )

    def scheduling(self) -> bool:
        """Whether "Schedule" was pressed rather than "Send"."""
        return self.data.get("when") == "later"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.scheduling() and data.get("send_at") is None and "send_at" not in self.errors:
            self.add_error("send_at", "Choose the day and time to send it at.")
        return data

    def send_at_local(self) -> datetime | None:
        """The chosen time as typed: a wall-clock time without a zone (the form field reads
        it in the site's zone; the service reads it in the person's)."""
        value = self.cleaned_data.get("send_at")
        return value.replace(tzinfo=None) if value is not None else None


class SmsReplyForm(SmsForm, SendLaterForm):
    """A reply in an SMS thread: to the other party, so no recipient field."""

    field_order = ["idempotency_key", "from_number", "text", "attachments"]


class SmsNewForm(SmsForm, SendLaterForm):
    """A new conversation. Sent later, a text from any recipient to the sending number
    cancels it (`cancel_on_reply`): there is no conversation yet to reply in."""

    to = forms.CharField(
        label="To",
        help_text="One or more phone numbers, separated by commas.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
    )
    field_order = ["from_number", "to", "text", "attachments"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        reply = "Any text from one of the recipients to the number it is sent from cancels it."
        self.fields["cancel_on_reply"].help_text = reply

    def to_numbers(self) -> list[str]:
        raw = str(self.cleaned_data.get("to", ""))
        return raw.replace(";", ",").replace("\n", ",").split(",")


class PagerReplyForm(SendForm):
    text = _text_field(1024)


class PagerNewForm(SendForm):
    to = forms.TypedMultipleChoiceField(
        label="To",
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one person to page."},
    )
    text = _text_field(1024)

    def __init__(self, *args: Any, people: Sequence[DirectoryEntry], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["to"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(p.extension_id, f"{p.name} (ext. {p.extension_number})") for p in people]
