"""The workspace's own pages: choosing the theme (the switch works without JavaScript too), and
the sidebar's navigation alone, which open pages fetch when another of the person's mailboxes
changes."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from inbox.web import same_site, signed_in_user
from inbox.workspace.context import THEME_COOKIE, THEMES
from inbox.workspace.selectors import sidebar_for_user

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


@require_GET
@login_required
@never_cache
def sidebar(request: HttpRequest) -> HttpResponse:
    """The sidebar's navigation with its counts (the cached sidebar: no RingCentral call). The
    page that asks keeps which of its links is the current page."""
    found = sidebar_for_user(user=signed_in_user(request))
    if found is None:
        raise Http404("No sidebar without a RingCentral connection.")
    return render(request, "workspace/_sidebar_nav.html", {"sidebar": found})
