"""The fax pages' forms: they read what was posted; the rules that decide whether it can be
faxed live in `inbox.fax.rules` and are applied by the services, whose `SendInvalid` the view
puts back on the form's field."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile

from inbox.fax.rules import MAX_COVER_TEXT, zone_check
from inbox.fax.selectors import CoverPageChoice
from inbox.sending.rules import SendInvalid


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class DocumentsField(forms.FileField):
    """One or more files (`<input type="file" multiple>`)."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile[Any]]:
        files = data if isinstance(data, list | tuple) else [data]
        files = [f for f in files if f]
        if not files:
            raise forms.ValidationError("Choose at least one document to fax.")
        return [super(DocumentsField, self).clean(f, initial) for f in files]


class FaxForm(forms.Form):
    documents = DocumentsField(
        label="Documents",
        help_text="PDF, Word, Excel, PowerPoint, text, TIFF or pictures; 50 MB together at most.",
    )
    to = forms.CharField(
        label="To",
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "off"}),
        help_text="Fax numbers, one a line or separated by commas, e.g. +1 650 555 0123.",
    )
    cover_index = forms.TypedChoiceField(
        label="Cover page",
        coerce=int,
        initial=0,
        error_messages={
            "invalid_choice": "Cover page %(value)s is not one RingCentral offers for this "
            "account: pick one from the list."
        },
    )
    cover_page_text = forms.CharField(
        label="Cover page text",
        required=False,
        max_length=MAX_COVER_TEXT,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": MAX_COVER_TEXT}),
    )
    resolution = forms.ChoiceField(
        label="Resolution",
        choices=[("High", "High (fine print, pictures)"), ("Low", "Low (plain text, faster)")],
        initial="High",
        widget=forms.RadioSelect,
    )
    send_at = forms.DateTimeField(
        label="Send at",
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Leave empty to send now. Your browser's time zone is used; without it, UTC.",
    )
    timezone = forms.CharField(required=False, widget=forms.HiddenInput, max_length=64)
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, cover_pages: Sequence[CoverPageChoice], **kwargs: Any):
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", uuid.uuid4())
        super().__init__(*args, **kwargs)
        cover = self.fields["cover_index"]
        assert isinstance(cover, forms.TypedChoiceField)
        choices = [(page.id, page.name) for page in cover_pages]
        if not any(page.id == 0 for page in cover_pages):
            choices.insert(0, (0, "None"))
        cover.choices = choices

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        when = data.get("send_at")
        if when is not None:
            # the browser sent its own wall-clock time: read it in the browser's zone
            try:
                zone = zone_check(data.get("timezone"))
            except SendInvalid as error:
                self.add_error("send_at", error.message)
            else:
                data["send_at"] = when.replace(tzinfo=None).replace(tzinfo=zone or UTC)
        return data

    def add_send_error(self, error: SendInvalid) -> None:
        field = error.field if error.field in self.fields else None
        self.add_error(field, error.message)


class FaxAgainForm(forms.Form):
    """Resend or forward a fax RingCentral already has."""

    to = forms.CharField(
        label="To",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "off"}),
        help_text="Fax numbers, one a line or separated by commas.",
    )
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", uuid.uuid4())
        super().__init__(*args, **kwargs)

    def add_send_error(self, error: SendInvalid) -> None:
        field = error.field if error.field in self.fields else None
        self.add_error(field, error.message)
