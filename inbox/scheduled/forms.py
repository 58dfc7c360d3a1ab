"""The form that changes a scheduled SMS: its text, its time (a wall-clock time in the
person's zone, see `inbox.sending.scheduling`) and whether a reply cancels it."""

from __future__ import annotations

from datetime import datetime

from django import forms

from inbox.sending.rules import SMS_TEXT_LIMIT, SendInvalid


class ScheduledChangeForm(forms.Form):
    text = forms.CharField(
        label="Message",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4, "data-sms-text": "", "data-limit": SMS_TEXT_LIMIT}),
    )
    send_at = forms.DateTimeField(
        label="Send at",
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={
            "required": "Choose the day and time to send it at.",
            "invalid": "Enter the day and time to send at, e.g. 2026-12-07 09:00.",
        },
    )
    timezone = forms.CharField(required=False, widget=forms.HiddenInput, max_length=64)
    cancel_on_reply = forms.BooleanField(label="Cancel if they write first", required=False)

    def send_at_local(self) -> datetime | None:
        """The time as typed, without a zone (the service reads it in the person's)."""
        value = self.cleaned_data.get("send_at")
        return value.replace(tzinfo=None) if value is not None else None

    def refuse(self, error: SendInvalid) -> None:
        self.add_error(error.field if error.field in self.fields else None, error.message)
