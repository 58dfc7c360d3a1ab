"""Signing in with RingCentral, and the one place that turns a user into a RingCentral client.

Sign-in (authorization code with PKCE): `signin_start` keeps the pending sign-in (state,
code verifier, where to go next) in the Django session and returns the URL to send the browser
to; `signin_complete` checks RingCentral's answer against it (single-use), exchanges the code,
reads the extension and its numbers, and creates or updates the user and their credential.

Clients: `ringcentral_client_for(holder)` gives a client with a working access token,
refreshing the token ahead of its expiry; `ringcentral_call(holder, operation)` runs one
operation with such a client and, should RingCentral refuse the token (401), refreshes once and
tries again. When the session is over for good, both raise `ReconnectRequired` and the
credential is marked as needing reconnection. The holder is a person (their own session) or a
credential of an extension no person owns (a shared number connected as a team mailbox,
`extension_connect_*`): both take the same path.

Refreshing is serialised by a row lock on the credential (`select_for_update` in a transaction;
on SQLite, which has no row locks, a write to the row first takes the database's write lock,
held until commit). Whoever gets the lock first refreshes; everyone who waited finds the new
token when they get the lock and uses it, so any number of web and worker processes refresh
once. The refresh token rotates on every refresh, which is why a second refresh must never
happen: it would kill the access tokens the others were just given.

No token is ever logged, rendered or put in an exception message; at rest they are encrypted
(`accounts.tokens`).
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TypeVar
from urllib.parse import urlsplit, urlunsplit

import redis
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.shortcuts import resolve_url
from django.utils import timezone

from accounts.errors import ReconnectRequired, SignInError
from accounts.models import RingCentralCredential, User
from accounts.tokens import TokenDecryptionError, token_decrypt, token_encrypt, token_reencrypt
from rcapi import (
    AuthExpired,
    Extension,
    LocalRateBudget,
    OAuthApp,
    PhoneNumber,
    RateBudget,
    RateLimited,
    RedisRateBudget,
    Rejected,
    RingCentralClient,
    RingCentralError,
    TokenSet,
    Unavailable,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

# Whose session a call uses: a person's own, or a credential that belongs to no person.
Holder = User | RingCentralCredential

# Refresh this long before the access token ends (at most half its lifetime, for short ones).
REFRESH_AHEAD = timedelta(seconds=120)
# How long a successful check of the connection is trusted by `credential_verify`.
VERIFY_EVERY = timedelta(seconds=60)
# Where the pending sign-in lives in the Django session, and how long it may take.
SIGNIN_SESSION_KEY = "accounts_pending_signin"
SIGNIN_MAX_AGE = 15 * 60  # seconds
# Seconds a call waits for a slot of the shared rate budget before giving up; shorter for a
# refresh, which waits while holding the credential's lock (on SQLite, the database's).
SLOT_TIMEOUT = 30.0
REFRESH_SLOT_TIMEOUT = 5.0

# What people read, as sentences.
SESSION_ENDED = (
    "Your RingCentral session has ended, so Team Inbox can no longer reach your messages. "
    "Reconnect to RingCentral to carry on."
)
SIGNED_OUT = "You signed out of RingCentral here. Sign in with RingCentral again to carry on."
NOT_CONNECTED = (
    "Team Inbox is not connected to your RingCentral account yet. Sign in with RingCentral "
    "to connect it."
)
UNREADABLE = (
    "Your RingCentral connection can no longer be read here because the encryption keys "
    "changed. Reconnect to RingCentral to carry on."
)
NO_PENDING_SIGNIN = (
    "There is no sign-in in progress in this browser, so this answer from RingCentral was not "
    "used. It may have been used already, or your session here may have ended."
)
SIGNIN_EXPIRED = "This sign-in took too long and has expired."
STATE_MISMATCH = (
    "This answer from RingCentral does not belong to the sign-in started in this browser, so "
    "it was refused to keep your account safe."
)
ACCESS_DENIED = (
    "You cancelled signing in at RingCentral, or did not allow Team Inbox to use your "
    "account, so you are not signed in."
)
NO_CODE = "RingCentral's answer did not include a sign-in code, so you are not signed in."
CODE_REFUSED = (
    "RingCentral did not accept this sign-in because its code was already used or has expired."
)
SIGNIN_REJECTED = (
    "RingCentral refused to finish this sign-in. If this keeps happening, tell your "
    "administrator: the app's RingCentral settings may be wrong."
)
UNREACHABLE = (
    "RingCentral could not be reached to finish signing in. Wait a moment, then sign in again."
)
INACTIVE = "Your Team Inbox account is turned off. Ask an administrator to turn it on."


# --------------------------------------------------------------------------- building blocks

_budgets: dict[str, RateBudget] = {}
_budgets_lock = threading.Lock()


def rate_budget() -> RateBudget:
    """The rate budget of every RingCentral call of this process: in Redis, shared with every
    other web and worker process of this instance (`CACHE_KEY_PREFIX` names it), when
    `REDIS_URL` is set; otherwise in this process only."""
    url = settings.REDIS_URL
    with _budgets_lock:
        budget = _budgets.get(url)
        if budget is None:
            budget = (
                RedisRateBudget(
                    redis.Redis.from_url(url), prefix=f"{settings.CACHE_KEY_PREFIX}:rcapi:budget"
                )
                if url
                else LocalRateBudget()
            )
            _budgets[url] = budget
        return budget


def budget_key(extension_id: int) -> str:
    return f"ext:{extension_id}"


def oauth_app(*, slot_timeout: float = SLOT_TIMEOUT) -> OAuthApp:
    """The dashboard's RingCentral app. Plain http is allowed only when the server URL says
    so, which only a local or compose emulator does."""
    server = settings.RINGCENTRAL_SERVER_URL
    return OAuthApp(
        server,
        settings.RINGCENTRAL_CLIENT_ID,
        settings.RINGCENTRAL_CLIENT_SECRET,
        settings.RINGCENTRAL_REDIRECT_URI,
        allow_http=server.startswith("http://"),
        budget=rate_budget(),
        slot_timeout=slot_timeout,
    )


def _client(
    access_token: str, extension_id: int, *, slot_timeout: float = SLOT_TIMEOUT
) -> RingCentralClient:
    """Every `RingCentralClient` of the dashboard is made here."""
    return RingCentralClient(
        settings.RINGCENTRAL_SERVER_URL,
        access_token,
        budget_key=budget_key(extension_id),
        budget=rate_budget(),
        slot_timeout=slot_timeout,
    )


def browser_authorize_url(url: str) -> str:
    """`url` (built on `RINGCENTRAL_SERVER_URL`) moved to `RINGCENTRAL_AUTHORIZE_URL`: the
    origin a browser reaches the sign-in page at, when it differs from the one this server
    uses (in docker-compose, `http://emulator:8090` inside, `http://127.0.0.1:8090` outside).
    `OAuthApp` builds every URL on one server URL, so the origin is swapped here."""
    browser_base = settings.RINGCENTRAL_AUTHORIZE_URL.rstrip("/")
    server_base = settings.RINGCENTRAL_SERVER_URL.rstrip("/")
    if not browser_base or browser_base == server_base:
        return url
    parts, browser = urlsplit(url), urlsplit(browser_base)
    path = parts.path.removeprefix(urlsplit(server_base).path)
    return urlunsplit(
        (browser.scheme, browser.netloc, browser.path + path, parts.query, parts.fragment)
    )


def user_role_for(*, rc_is_admin: bool, role_granted: bool) -> User.Role:
    """Admin when RingCentral says so or an admin here granted it; agent otherwise."""
    return User.Role.ADMIN if rc_is_admin or role_granted else User.Role.AGENT


# --------------------------------------------------------------------------- sign-in


@dataclass(frozen=True)
class SignedIn:
    user: User
    next_url: str


def signin_start(*, session: SessionBase, next_url: str) -> str:
    """Begin signing in: remember the pending sign-in in `session` (replacing any earlier
    one) and return the RingCentral URL to send the browser to. `next_url` must already be
    a safe, same-site path."""
    return _authorization_start(session, SIGNIN_SESSION_KEY, next_url)


def _authorization_start(session: SessionBase, key: str, next_url: str) -> str:
    """Keep a pending authorization (state, code verifier, where to go next) under `key` in
    the session, replacing any earlier one, and return RingCentral's URL for the browser."""
    state = secrets.token_urlsafe(32)
    url, code_verifier = oauth_app().authorization_request(state)
    session[key] = {
        "state": state,
        "code_verifier": code_verifier,
        "next": next_url,
        "started_at": time.time(),
    }
    return browser_authorize_url(url)


def _authorization_answer(
    session: SessionBase,
    key: str,
    params: Mapping[str, str],
    *,
    denied: str,
    refused: str,
) -> tuple[dict[str, object], str]:
    """The pending authorization under `key` (taken out of the session: each is used at most
    once) and the code of RingCentral's answer `params`, once the answer is checked against
    it: not too late, the same state, no error (`denied`: the sentence when the person
    declined; `refused`: the one for any other error, with `{reason}`). `SignInError` else."""
    pending = session.pop(key, None)
    if not isinstance(pending, dict):
        raise SignInError(NO_PENDING_SIGNIN)
    if time.time() - float(pending.get("started_at", 0)) > SIGNIN_MAX_AGE:
        raise SignInError(SIGNIN_EXPIRED)
    state, expected = params.get("state") or "", str(pending.get("state") or "")
    if not state or not expected or not secrets.compare_digest(state.encode(), expected.encode()):
        raise SignInError(STATE_MISMATCH)
    error = params.get("error")
    if error:
        if error == "access_denied":
            raise SignInError(denied)
        raise SignInError(refused.format(reason=error[:100]))
    code = params.get("code") or ""
    if not code:
        raise SignInError(NO_CODE)
    return pending, code


def signin_pending_next(*, session: SessionBase) -> str | None:
    """Where the sign-in pending in `session` was to land (a path `signin_start` was given
    as safe), None when no sign-in is pending."""
    pending = session.get(SIGNIN_SESSION_KEY)
    if not isinstance(pending, dict):
        return None
    next_url = pending.get("next")
    return next_url if isinstance(next_url, str) and next_url else None


def signin_complete(*, session: SessionBase, params: Mapping[str, str]) -> SignedIn:
    """Finish signing in with RingCentral's answer (the callback's query `params`).

    The pending sign-in is taken out of `session` first, so each is used at most once.
    Raises `SignInError` with a sentence for the person when the answer is refused.
    """
    pending, code = _authorization_answer(
        session,
        SIGNIN_SESSION_KEY,
        params,
        denied=ACCESS_DENIED,
        refused="RingCentral could not sign you in and gave this reason: {reason}.",
    )
    tokens = _exchange(code, str(pending.get("code_verifier", "")))
    extension, numbers = _whoami(tokens)
    try:
        user = user_sync_from_ringcentral(extension=extension, phone_numbers=numbers, tokens=tokens)
    except SignInError:
        _revoke_quietly(tokens.refresh_token or tokens.access_token, extension.id)
        raise
    log.info("RingCentral extension %s of account %s signed in", extension.id, user.rc_account_id)
    next_url = str(pending.get("next") or resolve_url(settings.LOGIN_REDIRECT_URL))
    return SignedIn(user=user, next_url=next_url)


def _exchange(code: str, code_verifier: str) -> TokenSet:
    failure: SignInError | None = None
    try:
        # the code's owner is unknown until it is exchanged: no per-user budget key yet
        return oauth_app().exchange_code(code, code_verifier)
    except AuthExpired as exc:
        log.info("RingCentral refused a sign-in code: %s", exc)
        failure = SignInError(CODE_REFUSED)
    except Rejected as exc:
        log.warning("RingCentral rejected a sign-in code exchange: %s", exc)
        failure = SignInError(SIGNIN_REJECTED)
    except (Unavailable, RateLimited) as exc:
        log.warning("RingCentral was unavailable for a sign-in: %s", exc)
        failure = SignInError(UNREACHABLE, status=503)
    raise failure


def _whoami(tokens: TokenSet) -> tuple[Extension, list[PhoneNumber]]:
    """The extension the new tokens belong to, and its phone numbers. Should RingCentral not
    say, the new session is ended again: nothing here will ever use it."""
    failure: SignInError | None = None
    with _client(tokens.access_token, tokens.owner_id) as client:
        try:
            return client.get_extension(), client.list_phone_numbers()
        except (Unavailable, RateLimited) as exc:
            log.warning("RingCentral was unavailable after a sign-in: %s", exc)
            failure = SignInError(UNREACHABLE, status=503)
        except RingCentralError as exc:
            log.warning("RingCentral refused to describe a signed-in extension: %s", exc)
            failure = SignInError(SIGNIN_REJECTED)
    _revoke_quietly(tokens.refresh_token or tokens.access_token, tokens.owner_id)
    raise failure


@transaction.atomic
def user_sync_from_ringcentral(
    *, extension: Extension, phone_numbers: Sequence[PhoneNumber], tokens: TokenSet
) -> User:
    """Create or update the user linked to (account id, extension id) from what RingCentral
    says, and store their new tokens."""
    if extension.account_id is None or extension.id <= 0:
        raise SignInError(SIGNIN_REJECTED)
    if RingCentralCredential.objects.filter(
        account_id=extension.account_id, extension_id=extension.id, user=None
    ).exists():
        raise SignInError(SHARED_EXTENSION, status=403)
    user, _ = User.objects.get_or_create(
        rc_account_id=extension.account_id,
        rc_extension_id=extension.id,
        defaults={"username": f"rc-{extension.account_id}-{extension.id}"},
    )
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        raise SignInError(INACTIVE, status=403)
    if not user.password:  # made here: sign-in is with RingCentral only
        user.set_unusable_password()
    user.first_name, user.last_name = _names(extension)
    user.email = extension.email or ""
    user.rc_extension_number = extension.extension_number or ""
    user.sms_numbers = [
        number.phone_number
        for number in phone_numbers
        if number.can_send_sms and number.phone_number
    ]
    user.rc_is_admin = extension.is_admin
    user.role = user_role_for(rc_is_admin=user.rc_is_admin, role_granted=user.role_granted)
    user.save()
    credential, _ = RingCentralCredential.objects.get_or_create(user=user)
    credential.account_id, credential.extension_id = extension.account_id, extension.id
    _store_tokens(credential, tokens)
    credential.verified_at = None
    credential.save()
    return user


def _names(extension: Extension) -> tuple[str, str]:
    contact = extension.raw.get("contact")
    contact = contact if isinstance(contact, dict) else {}
    first, last = contact.get("firstName"), contact.get("lastName")
    if isinstance(first, str) and isinstance(last, str) and (first or last):
        return first[:150], last[:150]
    first_name, _, last_name = (extension.name or "").partition(" ")
    return first_name[:150], last_name[:150]


def _store_tokens(credential: RingCentralCredential, tokens: TokenSet) -> None:
    now = timezone.now()
    credential.access_token_encrypted = token_encrypt(tokens.access_token)
    if tokens.refresh_token:
        credential.refresh_token_encrypted = token_encrypt(tokens.refresh_token)
    credential.access_expires_at = tokens.expires_at
    credential.access_lifetime = max(0, round((tokens.expires_at - now).total_seconds()))
    credential.refresh_expires_at = tokens.refresh_expires_at
    credential.scope = tokens.scope
    credential.session_id = tokens.session_id or ""
    credential.refreshed_at = now
    credential.status = RingCentralCredential.Status.CONNECTED
    credential.status_reason = ""


# --------------------------------------------------------------------------- shared extensions

CONNECT_SESSION_KEY = "accounts_pending_connect"
PERSONAL_EXTENSION = (
    "This RingCentral extension is a person's own ({name}), so it cannot be connected as a "
    "shared mailbox. Sign in at RingCentral as the shared extension (for example your support "
    "line's) instead."
)
SHARED_EXTENSION = (
    "This RingCentral extension is connected as a team mailbox, so nobody signs in with it "
    "as a person. Sign in with your own RingCentral extension."
)
OTHER_ACCOUNT = (
    "This RingCentral extension belongs to another RingCentral account than yours, so it "
    "was not connected."
)
JWT_REFUSED = (
    "RingCentral did not accept this JWT credential: it may be mistyped, revoked, or made "
    "for another app. Nothing was connected."
)


@dataclass(frozen=True)
class ConnectedExtension:
    """A session of an extension no person owns, stored (`credential`) and described."""

    credential: RingCentralCredential
    account_id: int
    extension_id: int
    extension_number: str
    name: str
    sms_numbers: tuple[str, ...]
    next_url: str = ""


def extension_connect_start(*, session: SessionBase, next_url: str) -> str:
    """Begin connecting a shared extension through RingCentral's sign-in page (PKCE, a state
    of its own, kept apart from a person's sign-in) and return the URL to send the browser to.
    The callback tells the two apart by the state (`extension_connect_pending`)."""
    return _authorization_start(session, CONNECT_SESSION_KEY, next_url)


def extension_connect_pending(*, session: SessionBase, params: Mapping[str, str]) -> bool:
    """Whether RingCentral's answer `params` belongs to a pending connection of a shared
    extension (its state matches), not to a person's sign-in."""
    pending = session.get(CONNECT_SESSION_KEY)
    state = params.get("state") or ""
    expected = str(pending.get("state") or "") if isinstance(pending, dict) else ""
    return bool(state and expected) and secrets.compare_digest(state.encode(), expected.encode())


def extension_connect_pending_next(*, session: SessionBase) -> str:
    """Where the pending connection was to land (a safe path), "" when none is pending."""
    pending = session.get(CONNECT_SESSION_KEY)
    next_url = pending.get("next") if isinstance(pending, dict) else None
    return next_url if isinstance(next_url, str) else ""


def extension_connect_complete(
    *, session: SessionBase, params: Mapping[str, str], by: User
) -> ConnectedExtension:
    """Finish connecting a shared extension with RingCentral's answer; the same checks as a
    sign-in (single use, age, state, errors). Raises `SignInError` with a sentence."""
    pending, code = _authorization_answer(
        session,
        CONNECT_SESSION_KEY,
        params,
        denied="You cancelled at RingCentral, so nothing was connected.",
        refused="RingCentral refused to connect the extension: {reason}.",
    )
    tokens = _exchange(code, str(pending.get("code_verifier", "")))
    connected = _connected_extension(tokens, by=by)
    return replace(connected, next_url=str(pending.get("next") or ""))


def extension_connect_jwt(*, assertion: str, by: User) -> ConnectedExtension:
    """Connect a shared extension with a JWT credential (RingCentral's JWT grant). The JWT
    itself is not kept: the session it opens is refreshed like any other."""
    failure: SignInError | None = None
    try:
        tokens = oauth_app().jwt_grant(assertion.strip())
    except (AuthExpired, Rejected) as exc:
        log.info("RingCentral refused a JWT credential: %s", exc)
        failure = SignInError(JWT_REFUSED)
    except (Unavailable, RateLimited) as exc:
        log.warning("RingCentral was unavailable for a JWT grant: %s", exc)
        failure = SignInError(UNREACHABLE, status=503)
    if failure is not None:
        raise failure
    return _connected_extension(tokens, by=by)


def _connected_extension(tokens: TokenSet, *, by: User) -> ConnectedExtension:
    extension, numbers = _whoami(tokens)
    try:
        return _shared_credential_store(extension, numbers, tokens, by=by)
    except SignInError:
        _revoke_quietly(tokens.refresh_token or tokens.access_token, extension.id)
        raise


@transaction.atomic
def _shared_credential_store(
    extension: Extension, phone_numbers: Sequence[PhoneNumber], tokens: TokenSet, *, by: User
) -> ConnectedExtension:
    if extension.account_id is None or extension.id <= 0:
        raise SignInError(SIGNIN_REJECTED)
    if extension.account_id != by.rc_account_id:
        raise SignInError(OTHER_ACCOUNT, status=403)
    person = User.objects.filter(
        rc_account_id=extension.account_id, rc_extension_id=extension.id
    ).first()
    if person is not None:
        name = person.get_full_name() or person.username
        raise SignInError(PERSONAL_EXTENSION.format(name=name))
    credential, _ = RingCentralCredential.objects.get_or_create(
        account_id=extension.account_id, extension_id=extension.id, user=None
    )
    locked = _locked_credential(credential)
    assert locked is not None
    credential = locked
    _store_tokens(credential, tokens)
    credential.verified_at = None
    credential.save()
    log.info(
        "RingCentral extension %s of account %s connected as a shared mailbox by user %s",
        extension.id, extension.account_id, by.pk,
    )  # fmt: skip
    return ConnectedExtension(
        credential=credential,
        account_id=extension.account_id,
        extension_id=extension.id,
        extension_number=extension.extension_number or "",
        name=(extension.name or f"Extension {extension.extension_number or extension.id}")[:80],
        sms_numbers=tuple(
            number.phone_number
            for number in phone_numbers
            if number.can_send_sms and number.phone_number
        ),
    )


# --------------------------------------------------------------------------- sign-out


def credential_sign_out(*, user: User) -> None:
    """Forget the user's tokens and end their session at RingCentral. RingCentral's failures
    are logged (without tokens) and otherwise ignored: the tokens are gone here either way."""
    credential_end(holder=user)


def credential_end(*, holder: Holder, reason: str = SIGNED_OUT) -> None:
    """Forget the holder's tokens and end the session at RingCentral (see
    `credential_sign_out`); `reason` is the sentence the credential then shows."""
    with transaction.atomic():
        credential = _locked_credential(holder)
        if credential is None:
            return
        extension_id = _stored_extension_id(credential)
        stored = credential.refresh_token_encrypted or credential.access_token_encrypted
        credential.access_token_encrypted = credential.refresh_token_encrypted = ""  # cleared  # nosec B105
        credential.access_expires_at = credential.refresh_expires_at = None
        credential.status = RingCentralCredential.Status.SIGNED_OUT
        credential.status_reason = reason
        credential.save()
    try:
        token = token_decrypt(stored)
    except TokenDecryptionError:
        log.warning(
            "Could not end the RingCentral session of extension %s: %s", extension_id, UNREADABLE
        )
        return
    if token and extension_id is not None:
        _revoke_quietly(token, extension_id)


def _revoke_quietly(token: str, extension_id: int) -> None:
    try:
        oauth_app().revoke(token, budget_key=budget_key(extension_id))
    except RingCentralError as exc:  # revoke() logs HTTP failures itself; this is the budget
        log.warning("Could not end the RingCentral session of extension %s: %s", extension_id, exc)


# --------------------------------------------------------------------------- clients


def ringcentral_client_for(holder: Holder) -> RingCentralClient:
    """A client for `holder` with an access token that is not about to expire.

    The token is refreshed first when it ends within `REFRESH_AHEAD` (or half its lifetime),
    once, whatever the number of processes asking at the same moment. Raises
    `ReconnectRequired` when the session must be made again (signing in), and the transient
    `Unavailable` / `RateLimited` when a needed refresh could not be made just now.

    A call the client then makes can still raise `AuthExpired` (the session was revoked);
    `ringcentral_call` handles that, so prefer it.
    """
    extension_id = _extension_id(holder)
    return _client(_access_token_for(holder), extension_id)


def ringcentral_call(
    holder: Holder,
    operation: Callable[[RingCentralClient], T],
    *,
    slot_timeout: float = SLOT_TIMEOUT,
) -> T:
    """`operation(client)` with `holder`'s client. If RingCentral refuses the token (401, which
    means the request did nothing), the token is refreshed (unless another process just did)
    and the operation tried once more; if the session is over, the credential is marked as
    needing reconnection and `ReconnectRequired` is raised. Each call waits at most
    `slot_timeout` seconds for a slot of the rate budget (`RateLimited` past it)."""
    extension_id = _extension_id(holder)
    token = _access_token_for(holder)
    try:
        with _client(token, extension_id, slot_timeout=slot_timeout) as client:
            return operation(client)
    except AuthExpired as exc:
        log.info("RingCentral refused the token of extension %s: %s", extension_id, exc)
    token = _access_token_for(holder, refused=token)
    try:
        with _client(token, extension_id, slot_timeout=slot_timeout) as client:
            return operation(client)
    except AuthExpired as exc:
        log.info("RingCentral refused the new token of extension %s: %s", extension_id, exc)
    credential_mark_reconnect(holder=holder, reason=SESSION_ENDED)
    raise ReconnectRequired(SESSION_ENDED)


def credential_verify(*, user_id: int, max_age: timedelta = VERIFY_EVERY) -> None:
    """Check that the user's RingCentral connection works (one `readExtension` call), unless
    it was seen working within `max_age`. Raises `ReconnectRequired` when it does not."""
    user = User.objects.get(pk=user_id)
    credential = _credential_rows(user).first()
    _require_connected(credential)
    assert credential is not None
    if credential.verified_at is not None and timezone.now() - credential.verified_at < max_age:
        return
    ringcentral_call(user, lambda client: client.get_extension())
    RingCentralCredential.objects.filter(pk=credential.pk).update(verified_at=timezone.now())


def credential_mark_reconnect(*, holder: Holder, reason: str = SESSION_ENDED) -> None:
    """The session is over: it must be made again (signing in with RingCentral)."""
    updated = (
        _credential_rows(holder)
        .filter(status=RingCentralCredential.Status.CONNECTED)
        .update(
            status=RingCentralCredential.Status.RECONNECT,
            status_reason=reason,
            updated_at=timezone.now(),
        )
    )
    if updated:
        log.info("RingCentral credential of %s needs reconnecting", _described(holder))


def _credential_rows(holder: Holder) -> QuerySet[RingCentralCredential]:
    if isinstance(holder, User):
        return RingCentralCredential.objects.filter(user=holder)
    return RingCentralCredential.objects.filter(pk=holder.pk)


def _described(holder: Holder) -> str:
    """Who the holder is, for the logs (ids only)."""
    if isinstance(holder, User):
        return f"user {holder.pk}"
    return f"extension {holder.extension_id}"


def _stored_extension_id(credential: RingCentralCredential) -> int | None:
    if credential.extension_id is not None:
        return credential.extension_id
    return credential.user.rc_extension_id if credential.user is not None else None


def _extension_id(holder: Holder) -> int:
    extension_id = (
        holder.rc_extension_id if isinstance(holder, User) else _stored_extension_id(holder)
    )
    if extension_id is None:
        raise ReconnectRequired(NOT_CONNECTED)
    return extension_id


def _require_connected(credential: RingCentralCredential | None) -> None:
    if credential is None:
        raise ReconnectRequired(NOT_CONNECTED)
    if credential.status != RingCentralCredential.Status.CONNECTED:
        raise ReconnectRequired(credential.status_reason or SESSION_ENDED)


def _expiring(credential: RingCentralCredential, now: datetime) -> bool:
    if credential.access_expires_at is None:
        return True
    ahead = min(REFRESH_AHEAD, timedelta(seconds=credential.access_lifetime / 2))
    return credential.access_expires_at - ahead <= now


def _locked_credential(holder: Holder) -> RingCentralCredential | None:
    """The holder's credential, locked until the end of the current transaction.

    PostgreSQL locks the row (`SELECT … FOR UPDATE`). SQLite has no row locks and ignores
    `select_for_update`, so a no-op write to the row comes first: it takes SQLite's database
    write lock (held until commit), and every other writer, refreshers included, waits for it
    (the `timeout` database option bounds the wait).
    """
    rows = _credential_rows(holder)
    if connection.vendor == "sqlite":
        rows.update(status=F("status"))
    return rows.select_for_update().first()


def _access_token_for(holder: Holder, *, refused: str | None = None) -> str:
    """A usable access token of `holder`: the stored one, or a refreshed one when it is about
    to expire or RingCentral just `refused` it."""
    if refused is None:
        credential = _credential_rows(holder).first()
        _require_connected(credential)
        assert credential is not None
        if not _expiring(credential, timezone.now()):
            return _decrypted(holder, credential.access_token_encrypted)
    return _refresh_under_lock(holder, refused=refused)


def _decrypted(holder: Holder, stored: str) -> str:
    try:
        return token_decrypt(stored)
    except TokenDecryptionError:
        credential_mark_reconnect(holder=holder, reason=UNREADABLE)
        raise ReconnectRequired(UNREADABLE) from None


def _refresh_under_lock(holder: Holder, *, refused: str | None) -> str:
    extension_id = _extension_id(holder)
    ended: str | None = None
    with transaction.atomic():
        credential = _locked_credential(holder)
        _require_connected(credential)
        assert credential is not None
        now = timezone.now()
        try:
            current = token_decrypt(credential.access_token_encrypted)
            refresh_token = token_decrypt(credential.refresh_token_encrypted)
        except TokenDecryptionError:
            current = refresh_token = ""  # none readable  # nosec B105
            ended = UNREADABLE
        if ended is None:
            if refused is None and not _expiring(credential, now):
                return current  # refreshed by someone else while this one waited for the lock
            if refused is not None and not secrets.compare_digest(current, refused):
                return current  # the refused token was already replaced
            try:
                tokens = oauth_app(slot_timeout=REFRESH_SLOT_TIMEOUT).refresh(
                    refresh_token, budget_key=budget_key(extension_id)
                )
            except AuthExpired as exc:
                log.info("RingCentral ended the session of extension %s: %s", extension_id, exc)
                ended = SESSION_ENDED
            except (Unavailable, RateLimited) as exc:
                still_valid = credential.access_expires_at is not None and (
                    credential.access_expires_at > now
                )
                if refused is None and still_valid:
                    # not expired yet: carry on with it; the next call tries again
                    log.warning(
                        "Refreshing the token of extension %s failed, using the current one: %s",
                        extension_id,
                        exc,
                    )
                    return current
                raise
            else:
                _store_tokens(credential, tokens)
                credential.save()
                log.info("Refreshed the RingCentral token of extension %s", extension_id)
                return tokens.access_token
        credential.status = RingCentralCredential.Status.RECONNECT
        credential.status_reason = ended
        credential.save()  # committed: the raise below is outside the transaction
    raise ReconnectRequired(ended)


# --------------------------------------------------------------------------- key rotation


def credential_keys_rotate() -> int:
    """Encrypt every stored token again with the first of `TOKEN_ENCRYPTION_KEYS`, one
    credential at a time under its lock (so no refresh is overwritten). Returns how many
    credentials were rewritten; afterwards the old keys can be dropped."""
    stored = (
        RingCentralCredential.objects.exclude(  # "": none stored  # nosec B106
            access_token_encrypted="", refresh_token_encrypted=""
        )
        .order_by("pk")
        .only("pk")
    )
    rewritten = 0
    for row in list(stored):
        with transaction.atomic():
            credential = _locked_credential(row)
            if credential is None:
                continue
            credential.access_token_encrypted = token_reencrypt(credential.access_token_encrypted)
            credential.refresh_token_encrypted = token_reencrypt(credential.refresh_token_encrypted)
            credential.save(
                update_fields=["access_token_encrypted", "refresh_token_encrypted", "updated_at"]
            )
            rewritten += 1
    return rewritten
