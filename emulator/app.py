"""The emulator as a WSGI application: every route of `emulator.endpoints`, with the rate
limits, faults and request log around each call."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from emulator import (
    clock,
    endpoints,  # noqa: F401  (registers every route)
)
from emulator.config import Config
from emulator.errors import ApiError, OAuthError
from emulator.faults import FaultPlan, FaultState
from emulator.limits import Decision, RateLimiter, RatePlan, rate_exceeded
from emulator.store import Store
from emulator.web import (
    ROUTES,
    Ctx,
    RouteSpec,
    Runtime,
    api_error_response,
    authenticate,
    client_id_of,
    json_response,
    rate_subject,
)

log = logging.getLogger("emulator")


class EmulatorApp:
    """A WSGI callable over the store."""

    def __init__(
        self,
        store: Store,
        config: Config,
        *,
        rates: RatePlan | None = None,
        faults: FaultPlan | None = None,
        fault_seed: int | None = None,
    ) -> None:
        self.store = store
        self.config = config
        self.runtime = Runtime(
            limiter=RateLimiter(rates or RatePlan()),
            faults=FaultState(faults or FaultPlan(), seed=fault_seed),
        )
        self.url_map = Map(
            [Rule(spec.rule, methods=list(spec.methods), endpoint=spec) for spec in ROUTES],
            strict_slashes=False,
            merge_slashes=False,
        )

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        response = self.dispatch(request)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        ctx = Ctx(
            request=request, store=self.store, config=self.config, args={}, runtime=self.runtime
        )
        spec: RouteSpec | None = None
        try:
            adapter = self.url_map.bind_to_environ(request.environ)
            spec, args = adapter.match()
            ctx.args = dict(args)
            ctx.operation, ctx.rate_group = spec.operation, spec.group
            if spec.auth:
                ctx.caller = authenticate(ctx, query_token=spec.query_token)
            platform_call = request.path.startswith("/restapi")
            if platform_call:
                self.before_operation(ctx, spec)
            response = spec.handler(ctx)
            if platform_call:
                response = self.after_operation(ctx, response)
        except ApiError as exc:
            response = api_error_response(exc)
        except OAuthError as exc:
            response = json_response(exc.body(), exc.status)
        except MethodNotAllowed:
            response = json_response(
                {"errorCode": "CMN-202", "message": "Operation is not supported", "errors": []},
                405,
            )
        except NotFound:
            response = json_response(
                {"errorCode": "AGW-404", "message": "Resource not found", "errors": []}, 404
            )
        except HTTPException as exc:  # werkzeug's own (e.g. request entity too large)
            response = json_response(
                {"errorCode": "CMN-104", "message": "Cannot parse request", "errors": []},
                exc.code or 400,
            )
        for name, value in ctx.extra_headers.items():
            response.headers.setdefault(name, value)
        response.headers.setdefault("RCRequestId", str(uuid.uuid4()))
        response.headers.setdefault("Content-Language", "en-US")
        self.log_request(ctx, request, spec, response.status_code)
        return response

    def before_operation(self, ctx: Ctx, spec: RouteSpec) -> None:
        """Latency, the throttle, injected errors, and the rate limit of the operation's group."""
        faults = self.runtime.faults
        delay = faults.delay()
        if delay > 0:
            time.sleep(delay)
        throttled = faults.throttled_for()
        if throttled > 0:
            # no X-Rate-Limit-* headers: the throttle counts no request against a limit, and
            # a client must not learn that its window is spent
            raise rate_exceeded(None, retry_after=throttled)
        if faults.should_fail():
            raise ApiError(503, "CMN-201", "Service Temporary Unavailable")
        if spec.group is None:
            return
        limiter = self.runtime.limiter
        if faults.forced_429(ctx.caller.extension_id if ctx.caller else None, spec.group):
            plan = limiter.plan
            limit = plan.limits.get(spec.group, 0)
            raise rate_exceeded(
                Decision(spec.group, limit, 0, plan.window), retry_after=plan.penalty
            )
        if limiter.plan.enabled:
            client_id = ctx.caller.client_id if ctx.caller else client_id_of(ctx)
            decision = limiter.take(
                subject=rate_subject(ctx), client_id=client_id, group=spec.group
            )
            ctx.extra_headers.update(decision.headers())

    def after_operation(self, ctx: Ctx, response: Response) -> Response:
        faults = self.runtime.faults
        if faults.should_hang():
            time.sleep(faults.plan.hang_seconds)
        plan = faults.plan
        streaming = plan.stream_bytes_per_second or plan.stream_cut_after_bytes is not None
        if ctx.operation == "readMessageContent" and streaming and response.status_code < 300:
            response.response = faults.shape_stream(response.iter_encoded())
        return response

    def log_request(self, ctx: Ctx, request: Request, spec: RouteSpec | None, status: int) -> None:
        if request.path.startswith("/_emulator"):
            return
        caller = ctx.caller
        with self.store.write() as db:
            db.execute(
                "INSERT INTO request_log(ts, extension_id, client_id, method, path, operation, "
                "rate_group, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    clock.now(),
                    caller.extension_id if caller else None,
                    caller.client_id if caller else ctx.args.get("_client_id"),
                    request.method,
                    request.path,
                    spec.operation if spec else None,
                    spec.group if spec else None,
                    status,
                ),
            )
