"""Template context for every page: the theme the person chose, and (signed-in pages) the
workspace's sidebar, computed only when a template shows it."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from accounts.models import User
from inbox.workspace.selectors import sidebar_for_user

THEME_COOKIE = "theme"
THEMES = ("light", "dark")


def theme_of(request: HttpRequest) -> str:
    """ "light" or "dark" when the person chose one with the switch; "" follows the system."""
    chosen = request.COOKIES.get(THEME_COOKIE, "")
    return chosen if chosen in THEMES else ""


def workspace(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    signed_in = (
        isinstance(user, User) and user.is_authenticated and user.rc_extension_id is not None
    )
    context: dict[str, Any] = {"theme": theme_of(request)}
    if signed_in:
        assert isinstance(user, User)
        context["sidebar"] = SimpleLazyObject(lambda: sidebar_for_user(user=user))
    return context
