"""The JSON API's OpenAPI schema: every error answer an operation can give, documented in one
place.

`InboxAutoSchema` adds to each operation the errors that come from the API as a whole (the
authentication, the routes, the request body, RingCentral), each with the error envelope of
`inbox.api.errors`; a view declares only the answers particular to it (409 for a send that
cannot be retried, 416 for a byte range, …) and its own wording wins. It also says that an
optional query parameter sent empty (`?type=`) counts as not sent, as DRF and Django's forms
read a query string.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework.permissions import AllowAny

from inbox.api.errors import ErrorSerializer

JSON = "application/json"

SIGNED_IN_ERRORS = {
    401: "Not signed in, or the API token is not valid (`WWW-Authenticate: Token`).",
    403: "Not allowed: a session write without its CSRF token, something that is not yours "
    "to do, or RingCentral must be reconnected.",
}
API_ERRORS = {
    400: "The request could not be read: its address or query is not UTF-8, or it has more "
    "than 1,000 parameters.",
    404: "No such mailbox, conversation, message or send, or it is not yours to see.",
    500: "Something failed in the dashboard itself; it has been logged.",
    502: "RingCentral refused the request.",
    503: "RingCentral is busy (see `Retry-After`) or did not answer. Try again.",
}
BODY_ERRORS = {
    400: "The body is not valid JSON, or some values are not valid: see `fields`.",
    413: "The request body is too large.",
    415: "The body is not of a content type this operation takes.",
}

RESPONSE_HEADERS = [
    OpenApiParameter(
        "WWW-Authenticate",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        response=[401],
        description="`Token`: send `Authorization: Token <key>`.",
    ),
    OpenApiParameter(
        "Retry-After",
        OpenApiTypes.INT,
        OpenApiParameter.HEADER,
        response=[503],
        description="Seconds to wait, when RingCentral is busy.",
    ),
]


class InboxAutoSchema(AutoSchema):
    """drf-spectacular's schema of a view, with the errors of `error_answers` added.

    They are added in `_get_response_bodies`, after the view's own answers are known:
    `get_response_serializers`, the public hook, is what `@extend_schema` replaces."""

    def error_answers(self) -> dict[int, str]:
        """The errors this operation can give, whatever its view declares."""
        answers: dict[int, str] = {}
        if not all(
            isinstance(p, type) and issubclass(p, AllowAny) for p in self.view.permission_classes
        ):
            answers |= SIGNED_IN_ERRORS
        if self.path.startswith("/api/"):
            answers |= API_ERRORS
        if self.method in ("POST", "PUT", "PATCH") and self.get_request_serializer() is not None:
            answers |= BODY_ERRORS
        return answers

    def _get_parameters(self) -> list[dict[str, Any]]:
        parameters: list[dict[str, Any]] = super()._get_parameters()
        for parameter in parameters:
            if parameter["in"] == "query" and not parameter.get("required"):
                parameter["allowEmptyValue"] = True
        return parameters

    def get_override_parameters(self) -> list[Any]:
        answers = self.error_answers()
        headers = [
            h
            for h in RESPONSE_HEADERS
            if isinstance(h.response, list) and answers.keys() & h.response
        ]
        return [*super().get_override_parameters(), *headers]

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        for status, description in sorted(self.error_answers().items()):
            responses.setdefault(
                str(status),
                self._get_response_for_code(  # type: ignore[no-untyped-call]
                    OpenApiResponse(ErrorSerializer, description=description),
                    str(status),
                    [JSON],
                    direction,
                ),
            )
        return responses
