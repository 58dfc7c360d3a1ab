"""`Server-Timing` on every response, when `SERVER_TIMING` is on (the benchmarks turn it on):
the request's wall time in the application and the CPU time its thread spent, in ms.

The CPU figure is `time.thread_time()` of the thread that runs the view (under ASGI, the
thread Django runs sync views in), so it counts this request's own work (templates, ORM,
Python) and not other requests served beside it. Off by default: a production site has no
reason to tell visitors how long it worked.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.http import HttpRequest, HttpResponseBase


class ServerTimingMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        if not getattr(settings, "SERVER_TIMING", False):
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        wall, cpu = time.perf_counter(), time.thread_time()
        response = self.get_response(request)
        wall_ms = (time.perf_counter() - wall) * 1000
        cpu_ms = (time.thread_time() - cpu) * 1000
        response["Server-Timing"] = f"app;dur={wall_ms:.2f}, cpu;dur={cpu_ms:.2f}"
        return response
