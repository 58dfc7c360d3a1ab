"""Every error of the JSON API as `{"code": …, "message": …}`: a short code for scripts and a
sentence for people (validation errors add `fields`). Addresses under `/api/` that match no
route answer the same way (`api_not_found`), never with the pages' HTML."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    JsonResponse,
)
from django.urls import Resolver404, get_urlconf, resolve, reverse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from accounts.errors import ReconnectRequired
from inbox.api.auth import CsrfFailed
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
    "request_too_large": "The request body is too large. Send less at a time.",
}


# The schema of every error answer: `inbox.api.schema` puts it on each operation.
@extend_schema_serializer(component_name="Error")
class ErrorSerializer(serializers.Serializer[Any]):
    """An error: a short code for scripts and a sentence for people."""

    code = serializers.CharField(help_text="What went wrong, for scripts.")
    message = serializers.CharField(help_text="What went wrong, as a sentence for people.")
    # the envelope's key; DRF keeps declared fields apart from its own `fields` property
    fields = serializers.DictField(  # type: ignore[assignment]
        required=False,
        help_text="With `invalid`: what is wrong with each value sent, by field name.",
    )


CSRF_ADVICE = (
    "Send the value of the `csrftoken` cookie in an `X-CSRFToken` header, "
    "or use an API token (`Authorization: Token <key>`) instead of the session."
)
NOT_FOUND_NAME = "not_found"


def error_data(code: str, message: str) -> dict[str, str]:
    return {"code": code, "message": message}


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
    if isinstance(exc, RequestDataTooBig):
        # Django's own answer would be its HTML 400 page
        return Response(
            error_data("request_too_large", SENTENCES["request_too_large"]),
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, CsrfFailed):
        return Response(
            error_data("csrf_failed", f"{exc.detail} {CSRF_ADVICE}"),
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
        if isinstance(exc, exceptions.UnsupportedMediaType):
            response.data["message"] = body_types_sentence(context.get("view"))
    return response


def body_types_sentence(view: Any) -> str:
    """What to send instead of a body of the wrong type: JSON, or, for a fax, a form."""
    taken = [parser.media_type for parser in getattr(view, "parser_classes", ())]
    if not taken or taken == ["application/json"]:
        return SENTENCES["unsupported_media_type"]
    return f"Send the request body as {' or '.join(taken)}."


@csrf_exempt  # nothing happens here, whatever the method: no token to ask for
def api_not_found(request: HttpRequest) -> HttpResponse:
    """The end of the API's routes: every other address under `/api/` is a JSON 404.

    This route matches every address, so Django's APPEND_SLASH redirect never happens under
    `/api/`: a read of an address that exists with a slash is redirected here instead, and
    a write is told the address to use."""
    with_slash = f"{request.path_info}/"
    if settings.APPEND_SLASH and not request.path_info.endswith("/") and route_exists(with_slash):
        if request.method in ("GET", "HEAD"):
            return HttpResponsePermanentRedirect(request.get_full_path(force_append_slash=True))
        message = (
            f"There is nothing at this address. Send it to {request.path}/ instead "
            "(the API's addresses end with a slash)."
        )
    else:
        message = (
            "There is nothing at this address. "
            f"The API's addresses are listed at {reverse('api:docs')}."
        )
    return JsonResponse(error_data("not_found", message), status=status.HTTP_404_NOT_FOUND)


def route_exists(path: str) -> bool:
    try:
        match = resolve(path, get_urlconf())
    except Resolver404:
        return False
    return match.view_name != f"api:{NOT_FOUND_NAME}"
