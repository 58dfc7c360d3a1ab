"""The `<int64:…>` path converter of the JSON API's ids (mailboxes, conversations, messages,
attachments, sends).

RingCentral's ids, like the dashboard's own, are signed 64-bit integers. A larger number in an
address matches no route, so the caller gets the API's JSON 404 instead of a failure deep in
the database or in RingCentral. Importing this module registers the converter;
`SPECTACULAR_SETTINGS["PATH_CONVERTER_OVERRIDES"]` describes it in the schema.
"""

from __future__ import annotations

from django.urls import register_converter

INT64_MAX = 2**63 - 1
NAME = "int64"


class Int64Converter:
    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > INT64_MAX:
            raise ValueError(f"{value} is past the largest id")
        return number

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(Int64Converter, NAME)
