"""The contact form and the import's upload, read with the address book's own rules."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile

from inbox.contacts.rules import (
    COMPANY_MAX,
    NAME_MAX,
    NOTES_MAX,
    ContactInvalid,
    number_entries_parse,
)
from inbox.contacts.services import ContactInput

IMPORT_MAX_BYTES = 5 * 1024 * 1024
CSV_TYPES = frozenset(
    {"text/csv", "application/csv", "text/plain", "application/vnd.ms-excel", "text/x-csv", ""}
)


class ContactForm(forms.Form):
    name = forms.CharField(max_length=NAME_MAX, label="Name")
    company = forms.CharField(max_length=COMPANY_MAX, required=False, label="Company")
    numbers = forms.CharField(
        label="Phone numbers",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One a line, with the country code for numbers outside the US; a label in "
        "brackets after it if you like, e.g. +1 650 555 0123 (Mobile).",
    )
    notes = forms.CharField(
        max_length=NOTES_MAX,
        required=False,
        label="Notes",
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def clean_numbers(self) -> list[Any]:
        text: str = self.cleaned_data["numbers"]
        try:
            return number_entries_parse(re.split(r"[\n;]", text))
        except ContactInvalid as invalid:
            raise forms.ValidationError(invalid.message) from None

    def contact_input(self) -> ContactInput:
        data = self.cleaned_data
        return ContactInput(data["name"], data["company"], data["notes"], tuple(data["numbers"]))


class QuickContactForm(forms.Form):
    """The "Add to contacts" of a conversation: its number and a name, one submit."""

    name = forms.CharField(max_length=NAME_MAX, label="Name")
    number = forms.CharField(max_length=40, label="Phone number")

    def clean_number(self) -> list[Any]:
        try:
            return number_entries_parse([self.cleaned_data["number"]])
        except ContactInvalid as invalid:
            raise forms.ValidationError(invalid.message) from None

    def contact_input(self) -> ContactInput:
        data = self.cleaned_data
        return ContactInput(data["name"], "", "", tuple(data["number"]))


class ImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="UTF-8 CSV of at most 5 MB with the header name,company,notes,numbers (an "
        "export is one); several numbers in a cell are separated by “;”.",
    )

    def clean_file(self) -> str:
        """The file's text; a sentence saying why not when it is too large, not CSV, or not
        UTF-8."""
        upload: UploadedFile[bytes] = self.cleaned_data["file"]
        name = upload.name or ""
        content_type = (upload.content_type or "").split(";", 1)[0].strip().lower()
        if not name.lower().endswith(".csv") or content_type not in CSV_TYPES:
            raise forms.ValidationError(
                f"“{name}” is not a CSV file. Export the contacts from your spreadsheet as "
                "CSV (UTF-8) and choose that file."
            )
        if upload.size is not None and upload.size > IMPORT_MAX_BYTES:
            raise forms.ValidationError(too_large_message())
        raw: bytes = upload.read(IMPORT_MAX_BYTES + 1)
        if len(raw) > IMPORT_MAX_BYTES:
            raise forms.ValidationError(too_large_message())
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(
                f"“{name}” is not UTF-8 text. Save it from your spreadsheet as “CSV UTF-8” "
                "and choose it again."
            ) from None
        if "\x00" in text:
            raise forms.ValidationError(f"“{name}” is not a CSV file: it holds binary data.")
        return text


def too_large_message() -> str:
    return (
        f"The file is larger than {IMPORT_MAX_BYTES // 2**20} MB, so it was not read. "
        "Split it and import each part."
    )
