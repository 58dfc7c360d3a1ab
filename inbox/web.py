"""Answers the site gives outside any page: the icon browsers ask for at /favicon.ico, and a
failure of the server itself.

Other error pages need no views here: Django's own handlers render `templates/400.html`,
`403.html`, `403_csrf.html` and `404.html` (the JSON API answers its own errors).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.templatetags.static import static
from django.views import defaults
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

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
