"""The workspace's own pages: choosing the theme (the switch works without JavaScript too)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from inbox.web import same_site
from inbox.workspace.context import THEME_COOKIE, THEMES

ONE_YEAR = 365 * 24 * 3600


@require_POST
def theme_set(request: HttpRequest) -> HttpResponse:
    """Remember "light" or "dark" (anything else: follow the system again), then back to the
    page the switch was on."""
    chosen = request.POST.get("theme", "")
    back = same_site(request, request.POST.get("next", "")) or reverse("inbox:home")
    response = HttpResponseRedirect(back)
    if chosen in THEMES:
        response.set_cookie(
            THEME_COOKIE, chosen, max_age=ONE_YEAR, samesite="Lax", secure=request.is_secure()
        )
    else:
        response.delete_cookie(THEME_COOKIE, samesite="Lax")
    return response
