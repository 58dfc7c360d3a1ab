"""The authorization-code flow (REFERENCE §15.2): authorize, the sign-in page, PKCE.

`GET|POST /restapi/oauth/authorize` validates the request the way RFC 6749 §4.1.2.1 asks:
a missing or unknown `client_id`, or a `redirect_uri` that is not exactly one of the app's
registered URIs, is answered with a 400 OAuth error body and never redirected (the URI is
not trusted); every later problem is sent back to the app as `redirect_uri?error=...&state=`.
A valid request is stored and the browser goes to the sign-in page:

    GET  /restapi/oauth/login?request=<id>[&login_hint=...]   the form (not in the spec:
    POST /restapi/oauth/login                                  on the platform it is the
                                                               separate login web app)

A correct username and password end the pending request (single-use) and redirect to
`redirect_uri?code=<code>&state=<state>&expires_in=<code lifetime>`; the code is single-use,
lives `config.auth_code_ttl` seconds and is bound to the client, the redirect URI and the
PKCE challenge, which `oauth.exchange_code` checks with `credentials.verify_pkce`.
"""

from __future__ import annotations

import re
import secrets
import sqlite3
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from emulator import clock
from emulator.credentials import VERIFIER_RE, check_password, password_owner
from emulator.errors import OAuthError
from emulator.store import loads
from emulator.templates_html import PAGE_HEADERS, problem_page, sign_in_page
from emulator.web import Ctx, route

LOGIN_PATH = "/restapi/oauth/login"
FORM_TYPE = "application/x-www-form-urlencoded"
# how long the sign-in page of one authorization request stays usable
AUTH_REQUEST_TTL = 15 * 60

# RFC 7636 §4.1: code_verifier = 43*128unreserved; §4.2: S256 challenge = 43 base64url chars
S256_CHALLENGE_RE = re.compile(r"^[A-Za-z0-9\-_]{43}$")
CHALLENGE_METHODS = ("plain", "S256")
DISPLAY_MODES = ("page", "popup", "touch", "mobile")
PROMPTS = ("login", "sso", "consent", "none")
SINGLE_VALUED = (
    "client_id", "response_type", "redirect_uri", "state", "scope", "display", "prompt",
    "ui_locales", "code_challenge", "code_challenge_method", "nonce", "login_hint", "brand_id",
)  # fmt: skip


class AuthorizeError(OAuthError):
    """A 400 answered to the browser itself: the redirect URI cannot be trusted yet."""

    def __init__(self, error: str, description: str, code: str, parameter: str) -> None:
        super().__init__(400, error, description, code)
        self.parameter = parameter

    def body(self) -> dict[str, Any]:
        body = super().body()
        body["errors"][0]["parameterName"] = self.parameter
        return body


class RedirectError(Exception):
    """An error the app learns about through its (now trusted) redirect URI."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


def with_query(uri: str, params: list[tuple[str, str]]) -> str:
    """`uri` with `params` appended to whatever query it was registered with."""
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True) + params
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


def redirect(location: str) -> Response:
    return Response(status=302, headers={"Location": location, "Cache-Control": "no-store"})


def html_response(text: str, status: int = 200) -> Response:
    return Response(
        text, status=status, headers=PAGE_HEADERS, content_type="text/html; charset=utf-8"
    )


# --------------------------------------------------------------------------- authorize


def authorize_params(ctx: Ctx) -> MultiDict[str, str]:
    if ctx.request.method == "GET":
        return ctx.request.args
    if ctx.request.mimetype != FORM_TYPE:
        raise OAuthError(
            415,
            "invalid_request",
            f"Unsupported content type [{ctx.request.mimetype or 'none'}]: use {FORM_TYPE}",
            "CMN-104",
        )
    return ctx.request.form


def trusted_redirect_uri(ctx: Ctx, params: MultiDict[str, str]) -> tuple[sqlite3.Row, str]:
    """The app and the redirect URI, or a 400 answered to the browser (never redirected)."""
    for name in ("client_id", "redirect_uri"):
        if len(params.getlist(name)) > 1:
            raise AuthorizeError(
                "invalid_request", f"Parameter [{name}] is duplicated", "OAU-111", name
            )
    client_id = params.get("client_id", "")
    if not client_id:
        raise AuthorizeError(
            "invalid_request", "Parameter [client_id] is required", "CMN-101", "client_id"
        )
    with ctx.store.read() as db:
        app = db.execute("SELECT * FROM app WHERE client_id = ?", (client_id,)).fetchone()
    if app is None:
        raise AuthorizeError(
            "invalid_client", "Invalid client: application not found", "OAU-120", "client_id"
        )
    ctx.args["_client_id"] = client_id
    registered: list[str] = loads(app["redirect_uris"])
    redirect_uri = params.get("redirect_uri", "")
    if not registered:
        raise AuthorizeError(
            "invalid_request", "No redirect URI registered for the application", "OAU-113",
            "redirect_uri",
        )  # fmt: skip
    if not redirect_uri:
        if len(registered) > 1:
            raise AuthorizeError(
                "invalid_request",
                "Parameter [redirect_uri] is required: the application has several "
                "redirect URIs registered",
                "OAU-109",
                "redirect_uri",
            )
        return app, registered[0]
    if redirect_uri not in registered:  # exact match only: no prefix or pattern matching
        raise AuthorizeError(
            "invalid_request", "Redirect URIs do not match", "OAU-109", "redirect_uri"
        )
    return app, redirect_uri


def check_request(params: MultiDict[str, str]) -> tuple[str | None, str | None]:
    """Validate the rest of the request; returns (code_challenge, code_challenge_method)."""
    for name in SINGLE_VALUED:
        if len(params.getlist(name)) > 1:
            raise RedirectError("invalid_request", f"Parameter [{name}] is duplicated")
    response_type = params.get("response_type", "")
    if not response_type:
        raise RedirectError("invalid_request", "Parameter [response_type] is required")
    if response_type != "code":
        raise RedirectError(
            "unsupported_response_type", f"Unsupported response type [{response_type}]"
        )
    display = params.get("display")
    if display and display not in DISPLAY_MODES:
        raise RedirectError("invalid_request", f"Parameter [display] value is invalid: {display}")
    prompts = (params.get("prompt") or "").split()
    if any(prompt not in PROMPTS for prompt in prompts) or ("none" in prompts and len(prompts) > 1):
        raise RedirectError("invalid_request", "Parameter [prompt] value is invalid")
    if prompts == ["none"]:
        # the emulator keeps no browser session, so a silent sign-in can never succeed
        # (OpenID Connect Core §3.1.2.6)
        raise RedirectError("login_required", "User authentication is required")
    challenge = params.get("code_challenge") or None
    method = params.get("code_challenge_method") or None
    if method is not None and method not in CHALLENGE_METHODS:
        raise RedirectError("invalid_request", "Transform algorithm not supported")
    if challenge is None:
        if method is not None:
            raise RedirectError("invalid_request", "Parameter [code_challenge] is required")
        return None, None
    method = method or "plain"  # RFC 7636 §4.3 and the spec's enum default
    valid = (S256_CHALLENGE_RE if method == "S256" else VERIFIER_RE).match(challenge)
    if not valid:
        raise RedirectError("invalid_request", "Parameter [code_challenge] value is invalid")
    return challenge, method


def start_authorization(ctx: Ctx) -> Response:
    params = authorize_params(ctx)
    app, redirect_uri = trusted_redirect_uri(ctx, params)
    state = params.get("state")
    try:
        challenge, method = check_request(params)
    except RedirectError as problem:
        answer = [("error", problem.error), ("error_description", problem.description)]
        if state is not None:
            answer.append(("state", state))
        return redirect(with_query(redirect_uri, answer))
    request_id = secrets.token_urlsafe(24)
    now = clock.now()
    with ctx.store.write() as db:
        db.execute("DELETE FROM auth_request WHERE created_ts < ?", (now - AUTH_REQUEST_TTL,))
        db.execute(
            "INSERT INTO auth_request(id, client_id, redirect_uri, state, code_challenge, "
            "code_challenge_method, scope, created_ts) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (request_id, app["client_id"], redirect_uri, state, challenge, method,
             params.get("scope"), now),
        )  # fmt: skip
    login = [("request", request_id)]
    if params.get("login_hint"):
        login.append(("login_hint", params["login_hint"]))
    return redirect(f"{ctx.base_url}{LOGIN_PATH}?{urlencode(login)}")


@route("/restapi/oauth/authorize", methods=["GET"], operation="authorize", group="Auth", auth=False)
def authorize(ctx: Ctx) -> Response:
    return start_authorization(ctx)


@route(
    "/restapi/oauth/authorize", methods=["POST"], operation="authorize2", group="Auth", auth=False
)
def authorize_form(ctx: Ctx) -> Response:
    return start_authorization(ctx)


# --------------------------------------------------------------------------- sign-in page


def pending_request(ctx: Ctx, request_id: str) -> sqlite3.Row | None:
    """The authorization request behind a sign-in page, while it is still usable."""
    if not request_id:
        return None
    with ctx.store.read() as db:
        row: sqlite3.Row | None = db.execute(
            "SELECT r.*, a.name AS app_name FROM auth_request r "
            "JOIN app a ON a.client_id = r.client_id WHERE r.id = ?",
            (request_id,),
        ).fetchone()
    if row is None or row["created_ts"] + AUTH_REQUEST_TTL <= clock.now():
        return None
    return row


def expired_page() -> Response:
    return html_response(
        problem_page(
            "This sign-in link is no longer valid",
            "The sign-in request was already used, has expired, or does not exist.",
        ),
        400,
    )


@route(LOGIN_PATH, methods=["GET"], auth=False)
def login_page(ctx: Ctx) -> Response:
    request_id = ctx.request.args.get("request", "")
    pending = pending_request(ctx, request_id)
    if pending is None:
        return expired_page()
    page = sign_in_page(
        action=LOGIN_PATH,
        request_id=request_id,
        app_name=pending["app_name"],
        username=ctx.request.args.get("login_hint", ""),
    )
    return html_response(page)


@route(LOGIN_PATH, methods=["POST"], auth=False)
def login_submit(ctx: Ctx) -> Response:
    form = ctx.request.form
    request_id = form.get("request", "")
    pending = pending_request(ctx, request_id)
    if pending is None:
        return expired_page()
    ctx.args["_client_id"] = pending["client_id"]
    state_param = [] if pending["state"] is None else [("state", pending["state"])]
    if form.get("cancel"):
        with ctx.store.write() as db:
            db.execute("DELETE FROM auth_request WHERE id = ?", (request_id,))
        denied = [("error", "access_denied"), ("error_description", "The user denied access")]
        return redirect(with_query(pending["redirect_uri"], denied + state_param))
    username = form.get("username", "").strip()
    now = clock.now()
    code = secrets.token_urlsafe(32)
    try:
        with ctx.store.write() as db:
            extension_id = password_owner(db, username, "")
            check_password(db, extension_id, form.get("password", ""))
            # single-use: whoever deletes the pending request first gets the code
            taken = db.execute("DELETE FROM auth_request WHERE id = ?", (request_id,)).rowcount
            if taken:
                db.execute(
                    "INSERT INTO auth_code(code, client_id, extension_id, redirect_uri, "
                    "code_challenge, code_challenge_method, expires_ts) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (code, pending["client_id"], extension_id, pending["redirect_uri"],
                     pending["code_challenge"], pending["code_challenge_method"],
                     now + ctx.config.auth_code_ttl),
                )  # fmt: skip
    except OAuthError as refused:
        message = (
            "Your account cannot sign in right now. Contact your administrator."
            if refused.code == "OAU-141"
            else "The username or password is incorrect. Check them and try again."
        )
        page = sign_in_page(
            action=LOGIN_PATH,
            request_id=request_id,
            app_name=pending["app_name"],
            username=username,
            error=message,
        )
        return html_response(page, 401)
    if not taken:
        return expired_page()
    answer = [("code", code), *state_param, ("expires_in", str(ctx.config.auth_code_ttl))]
    return redirect(with_query(pending["redirect_uri"], answer))
