"""Signing users in with RingCentral: the authorization-code flow with PKCE, refresh, revoke
(REFERENCE §15), on `requests_oauthlib.OAuth2Session`.

The dashboard is a confidential client: the token endpoint gets the app's credentials as
HTTP Basic (`client_secret_basic`, §15.3), and PKCE (S256) is used on top, so a stolen code
is useless without the verifier kept in the user's session.

Token answers are read as the platform sends them: `expires_in` and
`refresh_token_expires_in` are never assumed (samples show 7199, 2717… §15.4), and the
refresh token rotates on every refresh (§15.5), so the caller must store the new `TokenSet`
before using it.

Secrets stay out of logs and errors: `TokenSet.__repr__` masks tokens, error messages are
built from the answer and scrubbed of the credentials involved, and the DEBUG records in which
`requests_oauthlib` prints token bodies and requests are dropped (filter below).
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from oauthlib.oauth2 import Client, OAuth2Error
from oauthlib.oauth2.rfc6749.parameters import prepare_token_request
from requests.auth import HTTPBasicAuth
from requests_oauthlib import OAuth2Session

from rcapi.budget import RateAnswer, RateBudget, Slot
from rcapi.errors import (
    AuthExpired,
    Rejected,
    RingCentralError,
    error_from_exception,
    error_from_response,
)
from rcapi.operations import AUTH
from rcapi.records import as_int, as_str

log = logging.getLogger(__name__)

AUTHORIZE_PATH = "/restapi/oauth/authorize"
TOKEN_PATH = "/restapi/oauth/token"  # noqa: S105 (a path, not a secret)  # nosec B105
REVOKE_PATH = "/restapi/oauth/revoke"
JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
VERIFIER_BYTES = 64  # → 86 characters, within RFC 7636's 43-128


class _DropDebugRecords(logging.Filter):
    """`requests_oauthlib` logs request bodies and obtained tokens at DEBUG level."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.DEBUG


logging.getLogger("requests_oauthlib.oauth2_session").addFilter(_DropDebugRecords())


@dataclass(frozen=True, repr=False)
class TokenSet:
    """What the token endpoint issued (`TokenInfo`), with lifetimes turned into moments."""

    access_token: str
    refresh_token: str | None
    expires_at: datetime
    refresh_expires_at: datetime | None
    scope: str
    owner_id: int
    session_id: str | None

    def __repr__(self) -> str:
        return (
            f"TokenSet(owner_id={self.owner_id}, session_id={self.session_id!r}, "
            f"expires_at={self.expires_at.isoformat()}, refresh_expires_at="
            f"{self.refresh_expires_at.isoformat() if self.refresh_expires_at else None}, "
            f"scope={self.scope!r}, access_token='***', "
            f"refresh_token={'***' if self.refresh_token else None!r})"
        )

    def expires_within(self, seconds: float, *, now: datetime | None = None) -> bool:
        """True when the access token ends within `seconds`: time to refresh."""
        return self.expires_at - timedelta(seconds=seconds) <= (now or datetime.now(UTC))

    @classmethod
    def from_token_response(cls, body: Mapping[str, Any], *, received_at: datetime) -> TokenSet:
        access = as_str(body.get("access_token"))
        expires_in = as_int(body.get("expires_in"))
        owner = as_int(body.get("owner_id"))
        if not access or expires_in is None or owner is None:
            raise Rejected("RingCentral's token answer lacks access_token, expires_in or owner_id")
        refresh_in = as_int(body.get("refresh_token_expires_in"))
        scope = body.get("scope")
        return cls(
            access_token=access,
            refresh_token=as_str(body.get("refresh_token")),
            expires_at=received_at + timedelta(seconds=expires_in),
            refresh_expires_at=(
                None if refresh_in is None else received_at + timedelta(seconds=refresh_in)
            ),
            # oauthlib turns the space-separated scope into a list
            scope=" ".join(scope) if isinstance(scope, list) else as_str(scope) or "",
            owner_id=owner,
            session_id=as_str(body.get("session_id")),
        )


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, S256 code_challenge) per RFC 7636 §4.1-4.2."""
    verifier = secrets.token_urlsafe(VERIFIER_BYTES)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return verifier, challenge


class OAuthApp:
    """The dashboard's RingCentral app: builds sign-in URLs and talks to the token endpoint.

    Stateless between calls (each call has its own `OAuth2Session`), so one instance can
    serve every thread. `allow_http` is for a local emulator only: oauthlib refuses plain
    http unless the process-wide `OAUTHLIB_INSECURE_TRANSPORT` is set, which this then does.

    With a `budget`, token calls made with a `budget_key` take a slot of the Auth group
    (5 a minute per user by default) first.
    """

    def __init__(
        self,
        server_url: str,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        *,
        timeout: float | tuple[float, float] = (5, 30),
        allow_http: bool = False,
        budget: RateBudget | None = None,
        slot_timeout: float | None = 30.0,
    ) -> None:
        self.server_url = server_url.rstrip("/")
        if self.server_url.startswith("http://"):
            if not allow_http:
                raise ValueError(
                    "RingCentral must be reached over https; pass allow_http=True only for a "
                    "local emulator"
                )
            os.environ.setdefault("OAUTHLIB_INSECURE_TRANSPORT", "1")
        elif not self.server_url.startswith("https://"):
            raise ValueError(f"not an http(s) URL: {self.server_url!r}")
        self.client_id = client_id
        self._client_secret = client_secret
        self.redirect_uri = redirect_uri
        self.timeout = timeout
        self.budget = budget
        self.slot_timeout = slot_timeout

    def __repr__(self) -> str:
        return f"OAuthApp(server_url={self.server_url!r}, client_id={self.client_id!r})"

    # ----------------------------------------------------------------------- sign-in

    def authorization_request(
        self, state: str, *, login_hint: str | None = None
    ) -> tuple[str, str]:
        """(URL to send the browser to, code_verifier to keep in the user's session)."""
        verifier, challenge = pkce_pair()
        extra = {"code_challenge": challenge, "code_challenge_method": "S256"}
        if login_hint:
            extra["login_hint"] = login_hint
        session = OAuth2Session(self.client_id, redirect_uri=self.redirect_uri)
        try:
            url, _ = session.authorization_url(
                self.server_url + AUTHORIZE_PATH, state=state, **extra
            )
        finally:
            session.close()
        return str(url), verifier

    def exchange_code(
        self, code: str, code_verifier: str, *, budget_key: str | None = None
    ) -> TokenSet:
        """The tokens for the `code` the sign-in redirect brought back."""

        def fetch(session: OAuth2Session) -> Any:
            return session.fetch_token(
                self.server_url + TOKEN_PATH,
                code=code,
                code_verifier=code_verifier,
                auth=self._basic_auth(),
                timeout=self.timeout,
            )

        return self._token_call(fetch, budget_key, hidden=(code, code_verifier))

    def jwt_grant(self, assertion: str, *, budget_key: str | None = None) -> TokenSet:
        """The tokens for a JWT credential made in RingCentral's Developer Console (RFC 7523
        bearer grant, REFERENCE §15): a session of the extension the credential belongs to,
        without a browser."""

        def fetch(session: OAuth2Session) -> Any:
            return session.fetch_token(
                self.server_url + TOKEN_PATH,
                assertion=assertion,
                auth=self._basic_auth(),
                include_client_id=False,
                timeout=self.timeout,
            )

        return self._token_call(
            fetch, budget_key, hidden=(assertion,), client=_JwtBearerClient(self.client_id)
        )

    def refresh(self, refresh_token: str, *, budget_key: str | None = None) -> TokenSet:
        """A new pair; the old refresh token stops working soon after (REFERENCE §15.5).
        `AuthExpired` means the session is over: the user must sign in again."""

        def fetch(session: OAuth2Session) -> Any:
            return session.refresh_token(
                self.server_url + TOKEN_PATH,
                refresh_token=refresh_token,
                auth=self._basic_auth(),
                timeout=self.timeout,
            )

        return self._token_call(fetch, budget_key, hidden=(refresh_token,))

    def revoke(self, token: str, *, budget_key: str | None = None) -> None:
        """End the session `token` belongs to. Failures are logged and ignored, as the
        platform advises (REFERENCE §15.5): there is nothing a caller could do about them."""
        slot = self._take_slot(budget_key)
        answer: RateAnswer | None = None
        session = OAuth2Session(self.client_id)
        try:
            response = session.post(
                self.server_url + REVOKE_PATH,
                data={"token": token},
                auth=self._basic_auth(),
                timeout=self.timeout,
            )
            answer = RateAnswer.from_response(response.status_code, response.headers)
            if response.status_code >= 400:
                error = error_from_response(response, group=AUTH, secrets=self._secrets(token))
                log.warning("Revoking a RingCentral session failed: %s", error)
        except requests.RequestException as exc:
            log.warning(
                "Revoking a RingCentral session failed: %s",
                error_from_exception(exc, what="token revoke", secrets=self._secrets(token)),
            )
        finally:
            session.close()
            if slot is not None and self.budget is not None:
                self.budget.settle(slot, answer)

    # ----------------------------------------------------------------------- internals

    def _basic_auth(self) -> HTTPBasicAuth:
        return HTTPBasicAuth(self.client_id, self._client_secret)

    def _secrets(self, *values: str) -> tuple[str, ...]:
        return (*values, self._client_secret)

    def _take_slot(self, budget_key: str | None) -> Slot | None:
        if self.budget is None or budget_key is None:
            return None
        return self.budget.acquire(budget_key, AUTH, wait=True, timeout=self.slot_timeout)

    def _token_call(
        self,
        fetch: Callable[[OAuth2Session], Any],
        budget_key: str | None,
        *,
        hidden: tuple[str, ...],
        client: Client | None = None,
    ) -> TokenSet:
        slot = self._take_slot(budget_key)
        secret_values = self._secrets(*hidden)
        answers: list[requests.Response] = []

        def check(response: requests.Response) -> requests.Response:
            # runs before oauthlib parses the body, so a 429 or 5xx keeps its meaning
            answers.append(response)
            if response.status_code != 200:
                raise error_from_response(response, group=AUTH, secrets=secret_values)
            return response

        session = OAuth2Session(self.client_id, client=client, redirect_uri=self.redirect_uri)
        session.register_compliance_hook("access_token_response", check)
        session.register_compliance_hook("refresh_token_response", check)
        failure: RingCentralError | None = None
        token: Any = None
        try:
            token = fetch(session)
        except RingCentralError:
            raise
        except requests.RequestException as exc:
            failure = error_from_exception(exc, what="token request", secrets=secret_values)
        except OAuth2Error as exc:
            kind = AuthExpired if exc.error in ("invalid_grant", "expired_token") else Rejected
            failure = kind(
                f"RingCentral's token answer was refused by oauthlib: {exc.error}",
                status=answers[-1].status_code if answers else None,
            )
        finally:
            session.close()
            if slot is not None and self.budget is not None:
                answer = answers[-1] if answers else None
                self.budget.settle(
                    slot,
                    None if answer is None else RateAnswer.from_response(
                        answer.status_code, answer.headers
                    ),
                )  # fmt: skip
        if failure is not None:
            raise failure  # outside `except`: the request (and its secrets) is not chained
        return TokenSet.from_token_response(token, received_at=datetime.now(UTC))


class _JwtBearerClient(Client):  # type: ignore[misc]
    """oauthlib's client for the JWT bearer grant: the body holds the grant type and the
    assertion only (the app authenticates with Basic auth)."""

    grant_type = JWT_BEARER_GRANT

    def prepare_request_body(
        self,
        body: str = "",
        *,
        assertion: str,
        code: str | None = None,
        redirect_uri: str | None = None,
        include_client_id: bool = False,
        **kwargs: Any,
    ) -> str:
        # `code` and `redirect_uri` are what `fetch_token` passes every grant; this one
        # takes neither
        return str(prepare_token_request(self.grant_type, body=body, assertion=assertion))
