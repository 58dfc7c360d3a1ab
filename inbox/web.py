"""What every page of the dashboard shares: who is signed in, RingCentral's failures as a page
with a sentence, where to go back to; and the answers the site gives outside any page (the
home page, the icon browsers ask for at /favicon.ico, a failure of the server itself).

Other error pages need no views here: Django's own handlers render `templates/400.html`,
`403.html`, `403_csrf.html` and `404.html` (the JSON API answers its own errors).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec, cast

from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import render
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


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "inbox/home.html")


def signed_in_user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


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
                request, "inbox/error.html", {"message": failure.message}, status=failure.status
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
