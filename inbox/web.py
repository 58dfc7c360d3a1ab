"""What every page of the dashboard shares: who is signed in, RingCentral's failures as a page
with a sentence, where to go back to; and the answers the site gives outside any page (the
home page, the icon browsers ask for at /favicon.ico, a failure of the server itself).

Other error pages need no views here: Django's own handlers render `403.html`,
`403_csrf.html` and `404.html` (the JSON API answers its own errors). A request that cannot be
read (`bad_request`: too large, too many fields or files, not UTF-8) gets `400.html` with a
sentence saying which, or under `/api/` the API's error envelope.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Concatenate, ParamSpec, cast
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.exceptions import (
    BadRequest,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.handlers.wsgi import get_bytes_from_wsgi
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import render
from django.template import loader
from django.templatetags.static import static
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import defaults
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from accounts.models import User
from inbox.ringcentral import InboxError

P = ParamSpec("P")

API_PREFIX = "/api/"


@require_safe
@cache_control(public=True, max_age=86400)
def favicon(request: HttpRequest) -> HttpResponseRedirect:
    """The SVG icon, for browsers that ask /favicon.ico whatever the page links. A temporary
    redirect: the icon's static address changes when its content does."""
    return HttpResponseRedirect(static("favicon.svg"))


def server_error(request: HttpRequest) -> HttpResponse:
    """A bug's answer (`handler500`): the self-contained `500.html`, or under `/api/` the API's
    error envelope, so that a script never has to read an HTML page. Django has logged the
    exception with its traceback; the answer says nothing of it."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse(
            {
                "code": "server_error",
                "message": "Something went wrong on our side. It has been logged; try again later.",
            },
            status=500,
        )
    return defaults.server_error(request)


class RequestNotUtf8(BadRequest):
    """The address, its query or a form body holds bytes that are not UTF-8."""


@dataclass(frozen=True)
class Refusal:
    status: int
    code: str  # the API's error code
    title: str
    message: str


def refusal_of(exception: Exception | None) -> Refusal:
    """What to answer a request Django could not read, by the reason it gave."""
    if isinstance(exception, RequestDataTooBig):
        megabytes = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 2**20
        return Refusal(
            413,
            "request_too_large",
            "Too much was sent",
            f"What was sent is too large to be read: a request takes at most {megabytes:g} MB "
            "besides its files. Nothing was changed; send less at a time.",
        )
    if isinstance(exception, TooManyFieldsSent):
        return Refusal(
            400,
            "too_many_fields",
            "Too many fields",
            f"The request has more than {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS:,} fields or "
            "parameters, so it was not read. Nothing was changed; send fewer.",
        )
    if isinstance(exception, TooManyFilesSent):
        return Refusal(
            400,
            "too_many_files",
            "Too many files",
            f"The request has more than {settings.DATA_UPLOAD_MAX_NUMBER_FILES:,} files, so it "
            "was not read. Nothing was changed; send fewer at a time.",
        )
    if isinstance(exception, RequestNotUtf8):
        return Refusal(
            400,
            "not_utf8",
            "This request could not be read",
            "The address or the form is not UTF-8 text, so it was not read. Nothing was changed.",
        )
    return Refusal(
        400,
        "bad_request",
        "This request could not be understood",
        "Nothing was changed. Check the address, or go back and try again.",
    )


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """`handler400`: a request that cannot be read, answered with a sentence saying why
    (413 for a body too large), or under `/api/` with the API's error envelope.

    The page is rendered without the request (no context processors): the request may be
    the problem, e.g. a Host header this site does not answer to."""
    refusal = refusal_of(exception)
    if request.path.startswith(API_PREFIX):
        return JsonResponse(
            {"code": refusal.code, "message": refusal.message}, status=refusal.status
        )
    page = loader.get_template("400.html").render(
        {"title": refusal.title, "message": refusal.message}
    )
    return HttpResponse(page, status=refusal.status)


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class Utf8RequiredMiddleware:
    """Refuses an address, query string or urlencoded form that is not UTF-8 (400), which
    Django would otherwise read with U+FFFD in place of the bytes it cannot decode, so that
    a message would go out garbled. Runs before anything reads the request; multipart
    bodies are left to their views, which stream their files (see `inbox.fax.uploads`)."""

    FORM = "application/x-www-form-urlencoded"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if codecs.lookup(request.encoding or "utf-8").name != "utf-8":
            return self.get_response(request)  # the client said which charset it sent
        # Django keeps the path's bytes that are not UTF-8 percent-encoded (and the rest
        # decoded); the query and a form come as sent
        encoded = [
            request.path_info.encode(),
            get_bytes_from_wsgi(request.META, "QUERY_STRING", ""),
        ]
        if request.method == "POST" and request.content_type == self.FORM:
            encoded.append(request.body)
        if not all(_is_utf8(unquote_to_bytes(part)) for part in encoded):
            return bad_request(request, RequestNotUtf8())
        return self.get_response(request)


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "inbox/home.html")


def signed_in_user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def admin_account_check(*, user: User) -> int:
    """The admin's RingCentral account id; Http404 unless `user` is a signed-in admin with a
    RingCentral connection (the admins' pages answer everyone else as if they did not exist)."""
    if not (
        user.is_authenticated
        and user.is_active
        and user.role == User.Role.ADMIN
        and user.rc_account_id is not None
        and user.rc_extension_id is not None
    ):
        raise Http404("No such page.")
    assert user.rc_account_id is not None
    return user.rc_account_id


def client_ip(request: HttpRequest) -> str | None:
    """The address the request came from, for the audit log (no proxy is trusted to say
    otherwise)."""
    return request.META.get("REMOTE_ADDR") or None


def ringcentral_errors(
    view: Callable[Concatenate[HttpRequest, P], HttpResponseBase],
) -> Callable[Concatenate[HttpRequest, P], HttpResponseBase]:
    """Render `InboxError` (RingCentral busy, down, or refusing) as a page with its sentence."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except InboxError as failure:
            if wants_json(request):
                answer = JsonResponse(
                    {"code": failure.code, "message": failure.message}, status=failure.status
                )
                if failure.retry_after is not None:
                    answer["Retry-After"] = str(failure.retry_after)
                return answer
            response = render(
                request,
                "inbox/error.html",
                {"message": failure.message, "code": failure.code},
                status=failure.status,
            )
            if failure.retry_after is not None:
                response["Retry-After"] = str(failure.retry_after)
            response["Cache-Control"] = "no-store"
            return response

    return cast(Callable[Concatenate[HttpRequest, P], HttpResponseBase], wrapper)


def wants_json(request: HttpRequest) -> bool:
    """The page's own script asks for JSON (`Accept: application/json`) to stay in place."""
    return request.headers.get("Accept", "") == "application/json"


def same_site(request: HttpRequest, target: str) -> str:
    """`target` if it is a path of this site, else ""."""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def back_to_list(request: HttpRequest, extension_id: int) -> str:
    """The list the person came from (same site only), else the mailbox's list."""
    candidate = request.GET.get("back") or request.POST.get("back") or ""
    default = reverse("inbox:conversations", args=[extension_id])
    # only a path of this mailbox's list: nothing else can be smuggled in
    if candidate.startswith(default) and "//" not in candidate and "\\" not in candidate:
        return candidate
    return default
