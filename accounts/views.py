"""Sign-in with RingCentral, sign-out, and the signed-in landing page.

Views parse the request, call one service, and render; every refusal is a page with a
sentence that says what happened and a "Sign in again" link.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.errors import SignInError
from accounts.models import User
from accounts.selectors import profile_for_user
from accounts.services import (
    credential_sign_out,
    credential_verify,
    extension_connect_complete,
    extension_connect_pending,
    extension_connect_pending_next,
    signin_complete,
    signin_pending_next,
    signin_start,
)
from accounts.signals import extension_connected, signing_out
from accounts.signals import signed_in as user_signed_in
from rcapi import RingCentralError

UNSAFE_NEXT = (
    "This sign-in link asked to send you on to another website afterwards, which is not "
    "allowed, so signing in did not start."
)
NOT_CHECKED = (
    "RingCentral could not be reached just now, so your connection was not checked. "
    "Reload this page in a moment."
)
ADMINS_ONLY = "Only an admin, signed in here, can connect a team mailbox. Nothing was connected."
CHECK_REFUSED = (
    "RingCentral refused to describe your account just now, so your connection was not "
    "checked. If this keeps happening, tell your administrator."
)


def safe_next_url(request: HttpRequest, candidate: str | None) -> str | None:
    """`candidate` when it is a path on this site, the default page when it is missing, and
    None when it points anywhere else (absolute URLs, `//host`, other schemes)."""
    if not candidate:
        return resolve_url(settings.LOGIN_REDIRECT_URL)
    parts = urlsplit(candidate)
    same_host_path = (
        not parts.scheme and not parts.netloc and candidate.startswith("/")
    ) and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return candidate if same_host_path else None


def signin_failed(
    request: HttpRequest, message: str, *, status: int, next_url: str | None = None
) -> HttpResponse:
    """The refusal page; its "Sign in again" link keeps `next_url`, where the person was going
    (a path `login` already accepted as safe)."""
    context = {"message": message, "next": next_url}
    response = render(request, "accounts/signin_failed.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@never_cache
def login(request: HttpRequest) -> HttpResponse:
    """Start signing in: off to RingCentral's sign-in page."""
    next_url = safe_next_url(request, request.GET.get("next"))
    if next_url is None:
        return signin_failed(request, UNSAFE_NEXT, status=400)
    return redirect(signin_start(session=request.session, next_url=next_url))


@require_GET
@never_cache
def callback(request: HttpRequest) -> HttpResponse:
    """Where RingCentral sends the browser back, with a code (or an error) and the state: a
    person's sign-in, or an admin connecting a shared extension (told apart by the state)."""
    if extension_connect_pending(session=request.session, params=request.GET):
        return _connect_callback(request)
    next_url = signin_pending_next(session=request.session)  # the sign-in is used up below
    try:
        signed_in = signin_complete(session=request.session, params=request.GET)
    except SignInError as failure:
        return signin_failed(request, failure.message, status=failure.status, next_url=next_url)
    auth_login(request, signed_in.user, backend="django.contrib.auth.backends.ModelBackend")
    user_signed_in.send(sender=User, user=signed_in.user)
    return redirect(signed_in.next_url)


def _connect_callback(request: HttpRequest) -> HttpResponse:
    user = request.user
    back = extension_connect_pending_next(session=request.session)
    if not isinstance(user, User) or not user.is_active or user.role != User.Role.ADMIN:
        return _connect_failed(request, ADMINS_ONLY, status=403, back="")
    try:
        connected = extension_connect_complete(session=request.session, params=request.GET, by=user)
    except SignInError as failure:
        return _connect_failed(request, failure.message, status=failure.status, back=back)
    extension_connected.send(
        sender=User, connected=connected, by=user, ip_address=request.META.get("REMOTE_ADDR")
    )
    return redirect(connected.next_url or resolve_url(settings.LOGIN_REDIRECT_URL))


def _connect_failed(request: HttpRequest, message: str, *, status: int, back: str) -> HttpResponse:
    response = render(
        request, "accounts/connect_failed.html", {"message": message, "back": back}, status=status
    )
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    if isinstance(request.user, User):
        signing_out.send(sender=User, user=request.user)  # while the token still works
        credential_sign_out(user=request.user)
    auth_logout(request)
    return redirect("inbox:home")


@login_required
@never_cache
def profile(request: HttpRequest) -> HttpResponse:
    """Who is signed in. Checks the RingCentral connection (at most once a minute); a session
    that has ended shows the reconnect page instead (`ReconnectMiddleware`)."""
    assert isinstance(request.user, User)
    notice = None
    try:
        credential_verify(user_id=request.user.pk)
    except RingCentralError as failure:
        notice = NOT_CHECKED if failure.transient else CHECK_REFUSED
    return render(
        request,
        "accounts/profile.html",
        {"profile": profile_for_user(user=request.user), "notice": notice},
    )
