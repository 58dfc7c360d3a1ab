"""How the JSON API knows who calls it: `Authorization: Token <key>` for scripts, the browser's
session (with Django's CSRF check on writes) for the pages.

Token authentication comes first in `REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]`: DRF
answers an anonymous request with 401 and the first class's `WWW-Authenticate` challenge
(`Token`), which session authentication cannot give.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.authentication import SessionScheme
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from accounts.models import User


class CsrfFailed(exceptions.PermissionDenied):
    """A session write without a valid CSRF token: `detail` is Django's reason
    ("CSRF token missing.", "CSRF cookie not set.", …)."""

    default_code = "csrf_failed"


class SessionAuthentication(authentication.SessionAuthentication):
    """DRF's session authentication, with a CSRF failure of its own kind, so that the answer
    says what is missing instead of a bare "permission denied"."""

    def enforce_csrf(self, request: Request) -> None:
        check = authentication.CSRFCheck(lambda request: None)  # type: ignore[arg-type]
        check.process_request(request)
        reason: Any = check.process_view(request, None, (), {})  # type: ignore[arg-type]
        if reason:
            raise CsrfFailed(str(reason))


class CsrfSessionScheme(SessionScheme):  # type: ignore[no-untyped-call]
    """Documents this session authentication in the schema as DRF's (`cookieAuth`)."""

    target_class = "inbox.api.auth.SessionAuthentication"


def api_user(request: Request) -> User:
    """The person calling (every API view requires one to be signed in)."""
    user = request.user
    assert isinstance(user, User)
    return user
