"""The failures a caller of RingCentral can meet, as a small typed hierarchy, and the one
boundary that turns `requests` answers and exceptions into it.

Callers never see a `requests` exception: they see whether the failure is the user's
connection (`AuthExpired`), a request the platform will never accept as it is (`Rejected`),
or something that may succeed later (`RateLimited`, `Unavailable`: `transient = True`).

Which code identifies an error (REFERENCE §13.1): the wire carries a legacy envelope whose
`errors[0].errorCode` can differ from the top-level `errorCode` (a revoked token answers
`TokenInvalid` on top and `OAU-213` inside), so `errors[0]` is read first, then the top level,
then the OAuth `error` of the token endpoint (§15.5).

No message or repr built here contains a token: messages come from the answer's body, never
from the request, and every text passes through `_scrub` with the credentials the caller
holds, in case a server echoes one back.
"""

from __future__ import annotations

import email.utils
import json
import math
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

import requests
from urllib3.exceptions import NewConnectionError

MAX_MESSAGE_CHARS = 300
# an ISync token the platform no longer accepts: start over with an FSync (REFERENCE §11)
SYNC_TOKEN_INVALID = "MSG-333"  # noqa: S105 (an error code, not a credential)  # nosec B105
DEFAULT_RETRY_AFTER = 60.0  # a 429 without Retry-After: the documented penalty (§14)

# OAuth `error` values that mean the grant (code, refresh token, session) is gone
_DEAD_GRANT_ERRORS = frozenset({"invalid_grant", "expired_token", "access_denied"})


class RingCentralError(Exception):
    """Base of every failure the client reports."""

    transient: ClassVar[bool] = False  # True: the same call may succeed later

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        error_code: str | None = None,
        parameter_name: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.parameter_name = parameter_name


class AuthExpired(RingCentralError):
    """401, or the token endpoint's `invalid_grant`: the token or the whole session no longer
    works. After a failed API call, refresh once; when the refresh raises this too, the user
    must connect their RingCentral account again."""


class Rejected(RingCentralError):
    """Any other 4xx: the platform will not accept this request as it is; never retry it
    unchanged. `error_code` (e.g. `CMN-102`, `MSG-245`) and `parameter_name` say why."""


class RateLimited(RingCentralError):
    """429 from the platform, or no slot in the shared rate budget (then `status` is None and
    nothing was sent). Wait `retry_after` seconds before any call of that `group`."""

    transient = True

    def __init__(
        self,
        message: str,
        *,
        retry_after: float,
        group: str | None,
        status: int | None = 429,
        error_code: str | None = "CMN-301",
    ) -> None:
        super().__init__(message, status=status, error_code=error_code)
        self.retry_after = retry_after
        self.group = group


class Unavailable(RingCentralError):
    """5xx, timeouts and connection errors.

    `may_have_taken_effect` is False only when the request surely did not reach the platform
    (no connection, or a 503 the gateway answers before doing anything); a send that may have
    taken effect must not be repeated blindly.
    """

    transient = True

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        error_code: str | None = None,
        may_have_taken_effect: bool = True,
    ) -> None:
        super().__init__(message, status=status, error_code=error_code)
        self.may_have_taken_effect = may_have_taken_effect


# --------------------------------------------------------------------------- the boundary


def error_from_response(
    response: requests.Response,
    *,
    group: str | None = None,
    secrets: Iterable[str] = (),
) -> RingCentralError:
    """The error an unsuccessful (status >= 400) answer stands for."""
    body = _json_body(response)
    return error_from_body(
        response.status_code,
        body,
        group=group,
        retry_after=retry_after_of(response.headers),
        secrets=secrets,
    )


def error_from_body(
    status: int,
    body: Any,
    *,
    group: str | None = None,
    retry_after: float | None = None,
    secrets: Iterable[str] = (),
) -> RingCentralError:
    """The error a status and its JSON body stand for (also used for the parts of a bulk
    answer, which carry the same envelope)."""
    code, text, parameter, oauth_error = _envelope_fields(body)
    hidden = tuple(s for s in secrets if s)
    summary = _scrub(_summary(status, code or oauth_error, text), hidden)
    if status == 429:
        return RateLimited(
            summary,
            retry_after=DEFAULT_RETRY_AFTER if retry_after is None else retry_after,
            group=group,
            error_code=code,
        )
    if status >= 500:
        return Unavailable(
            summary, status=status, error_code=code, may_have_taken_effect=status != 503
        )
    if oauth_error == "invalid_client":
        # the app's own credentials are wrong: no user can fix that by signing in again
        return Rejected(summary, status=status, error_code=code, parameter_name=parameter)
    if status == 401 or oauth_error in _DEAD_GRANT_ERRORS:
        return AuthExpired(summary, status=status, error_code=code, parameter_name=parameter)
    return Rejected(summary, status=status, error_code=code, parameter_name=parameter)


def error_from_exception(
    exc: requests.RequestException, *, what: str, secrets: Iterable[str] = ()
) -> Unavailable:
    """A transport failure (`what` names the call, e.g. "GET message-store").

    Raise it outside the `except` block that caught `exc`: `requests` exceptions hold the
    prepared request, Authorization header included, which must not travel further as the
    new error's `__context__`. Their text (host, port, cause — no
    headers, and the client never puts credentials in URLs) is kept, scrubbed all the same.
    """
    if isinstance(exc, requests.Timeout):
        reason = "timed out"
    elif isinstance(exc, requests.ConnectionError):
        reason = "connection failed"
    else:
        reason = "request failed"
    detail = _scrub(str(exc), tuple(s for s in secrets if s))
    message = f"RingCentral {what}: {reason} ({type(exc).__name__}: {detail})"
    return Unavailable(message[:MAX_MESSAGE_CHARS], may_have_taken_effect=not _never_sent(exc))


def _never_sent(exc: requests.RequestException) -> bool:
    """True when no connection was made, so the platform cannot have seen the request."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if not isinstance(exc, requests.ConnectionError):
        return False
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)  # urllib3's MaxRetryError wraps the cause
    return isinstance(reason, NewConnectionError)


def retry_after_of(headers: Mapping[str, str]) -> float | None:
    """`Retry-After` in seconds (delta-seconds or an HTTP date), None when absent or odd."""
    raw = header_value(headers, "Retry-After")
    if raw is None:
        return None
    try:
        seconds = float(raw)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


# --------------------------------------------------------------------------- helpers


def header_value(headers: Mapping[str, str], name: str) -> str | None:
    """A header by name, case-insensitively, whatever mapping holds the headers."""
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == lowered), None)
    return value


def _json_body(response: requests.Response) -> Any:
    try:
        return json.loads(response.content or b"null")
    except (ValueError, UnicodeDecodeError):
        return None


def _envelope_fields(body: Any) -> tuple[str | None, str | None, str | None, str | None]:
    """(errorCode, message, parameterName, OAuth error) from either error shape."""
    if not isinstance(body, dict):
        return None, None, None, None
    first: dict[str, Any] = {}
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        first = errors[0]
    code = _text(first.get("errorCode")) or _text(body.get("errorCode"))
    message = (
        _text(first.get("message"))
        or _text(body.get("message"))
        or _text(body.get("error_description"))
    )
    parameter = _text(first.get("parameterName")) or _text(body.get("parameterName"))
    return code, message, parameter, _text(body.get("error"))


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _summary(status: int, code: str | None, text: str | None) -> str:
    head = f"RingCentral answered {status}" + (f" {code}" if code else "")
    if text:
        head += f": {text}"
    return head[:MAX_MESSAGE_CHARS]


def _scrub(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        text = text.replace(secret, "[redacted]")
    return text
