"""Every error of the JSON API as `{"code": …, "message": …}`: a short code for scripts and a
sentence for people (validation errors add `fields`)."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from accounts.errors import ReconnectRequired
from inbox.ringcentral import InboxError

SENTENCES = {
    "not_authenticated": "Sign in, or send an API token as `Authorization: Token <key>`.",
    "authentication_failed": "This API token is not valid. Ask an admin for a new one.",
    "permission_denied": "You may not do this.",
    "not_found": "There is no such mailbox, conversation or message, or it is not yours to see.",
    "method_not_allowed": "This address does not take that HTTP method.",
    "unsupported_media_type": "Send the request body as JSON.",
    "parse_error": "The request body is not valid JSON.",
    "throttled": "Too many requests. Wait a moment and try again.",
}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, InboxError):
        failure = Response({"code": exc.code, "message": exc.message}, status=exc.status)
        if exc.retry_after is not None:
            failure["Retry-After"] = str(exc.retry_after)
        return failure
    if isinstance(exc, ReconnectRequired):
        return Response(
            {"code": "ringcentral_reconnect_required", "message": str(exc)},
            status=status.HTTP_403_FORBIDDEN,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response: Response | None = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {
            "code": "invalid",
            "message": "Some of the values sent are not valid; see `fields`.",
            "fields": exc.detail,
        }
        return response
    if isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else "error"
        response.data = {"code": code, "message": SENTENCES.get(code, str(exc.detail))}
    return response
