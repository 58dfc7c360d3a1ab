"""Fields of the API's request bodies that take, in JSON, only the type the schema gives them.

DRF's own fields also read a form's text: `0` or `"no"` for false, `7` for the text "7", `5.0`
for the id 5. A JSON body has types of its own, and a value of another type is a mistake the
caller should hear about (`400`, `invalid`), not one the API guesses its way around. Ids are
the one exception, as the schema says: the API writes them as text (they exceed what
JavaScript's numbers hold), so it takes them back as text too. A form's values (multipart: an
SMS with files) are all text, and are read as DRF reads them.
"""

from __future__ import annotations

import re
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.utils import html

from inbox.path_ids import INT64_MAX

ID_DIGITS = re.compile(r"[1-9][0-9]{0,18}")


def sent_as_json(field: serializers.Field[Any, Any, Any, Any]) -> bool:
    """Whether the body the field's serializer reads came as JSON (not as a form)."""
    body = getattr(field.root, "initial_data", None)
    return body is not None and not html.is_html_input(body)


class JsonBooleanField(serializers.BooleanField):
    """`true` or `false`."""

    def to_internal_value(self, data: Any) -> bool:
        if sent_as_json(self) and not isinstance(data, bool):
            self.fail("invalid", input=data)
        return super().to_internal_value(data)


class JsonCharField(serializers.CharField):
    """A text: not a number."""

    def to_internal_value(self, data: Any) -> str:
        if sent_as_json(self) and not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


@extend_schema_field(
    {
        "oneOf": [
            {"type": "integer", "format": "int64", "minimum": 1, "maximum": INT64_MAX},
            {"type": "string", "pattern": f"^{ID_DIGITS.pattern}$"},
        ]
    }
)
class JsonIdField(serializers.IntegerField):
    """An id, from 1 to 2**63 - 1: a whole number, or its digits as a text."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=1, max_value=INT64_MAX, **kwargs)

    def to_internal_value(self, data: Any) -> int:
        if sent_as_json(self):
            if isinstance(data, str) and ID_DIGITS.fullmatch(data):
                data = int(data)
            elif isinstance(data, bool) or not isinstance(data, int):
                self.fail("invalid")
        return super().to_internal_value(data)
