"""The `<int64:…>` path converter of every id in an address (mailboxes, conversations,
messages, attachments, sends, jobs), in the pages and the JSON API alike.

RingCentral's ids, like the dashboard's own, are positive signed 64-bit integers. A larger
number in an address, or 0, matches no route, so the caller gets a 404 (the API's JSON one
under `/api/`) instead of a failure deep in the database or in RingCentral. Importing this
module registers the converter; `SPECTACULAR_SETTINGS["PATH_CONVERTER_OVERRIDES"]` describes it
in the schema.
"""

from __future__ import annotations

from django.urls import register_converter

INT64_MAX = 2**63 - 1
NAME = "int64"


class Int64Converter:
    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= INT64_MAX:
            raise ValueError(f"{value} is no id: ids run from 1 to {INT64_MAX}")
        return number

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(Int64Converter, NAME)
