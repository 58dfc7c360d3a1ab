"""Answers the site gives outside any page: the icon browsers ask for at /favicon.ico.

Error pages need no views here: Django's own handlers render `templates/400.html`,
`403.html`, `403_csrf.html`, `404.html` and `500.html`.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseRedirect
from django.templatetags.static import static
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe


@require_safe
@cache_control(public=True, max_age=86400)
def favicon(request: HttpRequest) -> HttpResponseRedirect:
    """The SVG icon, for browsers that ask /favicon.ico whatever the page links. A temporary
    redirect: the icon's static address changes when its content does."""
    return HttpResponseRedirect(static("favicon.svg"))
