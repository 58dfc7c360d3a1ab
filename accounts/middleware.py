"""Renders `ReconnectRequired`, wherever a view meets it, as the "Reconnect to RingCentral"
page: a sentence and a button that starts signing in again, never an error page."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.errors import ReconnectRequired


class ReconnectMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, ReconnectRequired):
            return None
        # come back to this page afterwards when it can simply be loaded again
        back = request.get_full_path() if request.method == "GET" else ""
        response = render(
            request,
            "accounts/reconnect.html",
            {"message": str(exception), "next": back},
        )
        response["Cache-Control"] = "no-store"
        return response
