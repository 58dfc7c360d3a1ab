"""How the inbox calls RingCentral: with the session the mailbox is worked with, several reads at
once, and every failure turned into something a person can read.

* A `Caller` is a person acting in a mailbox. A person's own mailbox, and any an admin opens,
  are called with the person's own session; a team mailbox (an extension no person owns, see
  `inbox.models.TeamMailbox`) with the team mailbox's session, whoever of its members acts
  (RingCentral lets an extension send only from its own numbers). `caller_for` decides.

* Calls go through `accounts.services.ringcentral_call`, which refreshes the token once when
  RingCentral refuses it and raises `ReconnectRequired` (rendered as the reconnect page by
  `accounts.middleware.ReconnectMiddleware`) when the session is over.
* `ringcentral_reads` runs independent reads side by side on one client, so a page waits on
  one RingCentral round trip, not on the sum of them.
* A message or mailbox RingCentral does not show this user (`CMN-102` not found, `CMN-419`
  no access) is a 404 here, like any object the user may not see.
* Busy (429), down (5xx, timeouts) and other refusals become `InboxError`, with a sentence,
  an HTTP status and a short code for the JSON API.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from django.http import Http404

from accounts.errors import ReconnectRequired
from accounts.models import RingCentralCredential, User
from accounts.services import ringcentral_call
from inbox.models import TeamMailbox
from rcapi import RateLimited, Rejected, RingCentralClient, RingCentralError, Unavailable

log = logging.getLogger(__name__)

T = TypeVar("T")

# RingCentral's answers for "no such message/extension" and "not yours to see" (REFERENCE §13)
# the first day a mailbox's messages are read from: the Message Store keeps nothing older (the
# list's date filters start here, and the history back-fill reads back to it)
HISTORY_START = datetime(2000, 1, 1, tzinfo=UTC)
NOT_VISIBLE_CODES = frozenset({"CMN-102", "CMN-419"})
NOT_VISIBLE_STATUSES = frozenset({403, 404})

UNAVAILABLE = "RingCentral did not answer. Try again in a moment."
# A person is waiting for the page: a call waits at most this long for a slot of the rate
# budget. A longer wait (a 429's penalty, a full window) is told instead, at once: "RingCentral
# is busy; try again in N seconds" (a worker's calls wait up to `SLOT_TIMEOUT`).
PAGE_SLOT_TIMEOUT = 5.0
REFUSED = "RingCentral refused this request: {reason}"
TEAM_DISCONNECTED = (
    "{name} is no longer connected to RingCentral, so its messages cannot be reached. "
    "An admin needs to reconnect it."
)


class InboxError(Exception):
    """A failure to show to the person: `message` is a sentence, `status` the HTTP status,
    `code` a short identifier for scripts, `retry_after` seconds when waiting helps."""

    def __init__(
        self, message: str, *, status: int, code: str, retry_after: int | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.retry_after = retry_after


BUSY_CODE = "ringcentral_busy"


def busy_error(retry_after: float) -> InboxError:
    seconds = max(1, math.ceil(retry_after))
    unit = "second" if seconds == 1 else "seconds"
    return InboxError(
        f"RingCentral is busy; try again in {seconds} {unit}.",
        status=503,
        code=BUSY_CODE,
        retry_after=seconds,
    )


def translated(exc: RingCentralError) -> Exception:
    """The error a view should raise for a RingCentral failure."""
    if isinstance(exc, RateLimited):
        return busy_error(exc.retry_after)
    if isinstance(exc, Unavailable):
        return InboxError(UNAVAILABLE, status=503, code="ringcentral_unavailable")
    if isinstance(exc, Rejected) and (
        exc.error_code in NOT_VISIBLE_CODES or exc.status in NOT_VISIBLE_STATUSES
    ):
        return Http404("No such message or mailbox.")
    if isinstance(exc, Rejected) and exc.status == 416:
        return InboxError(
            "That part of the file does not exist: the range starts past its end.",
            status=416,
            code="range_not_satisfiable",
        )
    reason = str(exc).split(": ", 1)[-1] if ": " in str(exc) else "no reason was given."
    return InboxError(REFUSED.format(reason=reason), status=502, code="ringcentral_refused")


@dataclass(frozen=True)
class Caller:
    """A person acting in a mailbox, and the team mailbox whose session the calls use (None:
    the person's own session)."""

    user: User
    team: TeamMailbox | None = None

    @property
    def holder(self) -> User | RingCentralCredential:
        return self.team.credential if self.team is not None else self.user


def team_mailbox_of(*, account_id: int, extension_id: int) -> TeamMailbox | None:
    """The team mailbox the extension is connected as, if it is one."""
    return (
        TeamMailbox.objects.select_related("credential")
        .filter(account_id=account_id, extension_id=extension_id)
        .first()
    )


def mailbox_user(*, account_id: int, extension_id: int) -> User | RingCentralCredential | None:
    """Whose RingCentral session background work on the mailbox (its sync, its history's
    back-fill) uses: a team mailbox's own (None when it no longer works), else its own user's,
    else (a mailbox an admin has open) a connected admin's of the same account. None: nobody's
    session can read the mailbox now."""
    team = team_mailbox_of(account_id=account_id, extension_id=extension_id)
    if team is not None:
        connected = team.credential.status == RingCentralCredential.Status.CONNECTED
        return team.credential if connected else None
    connected_users = User.objects.filter(
        rc_account_id=account_id,
        is_active=True,
        rc_credential__status=RingCentralCredential.Status.CONNECTED,
    )
    own = connected_users.filter(rc_extension_id=extension_id).first()
    if own is not None:
        return own
    return connected_users.filter(role=User.Role.ADMIN).order_by("pk").first()


def caller_for(user: User, *, account_id: int, extension_id: int) -> Caller:
    """How `user` calls RingCentral about the mailbox (account id, extension id): as the team
    mailbox when the extension is connected as one, as themselves otherwise. Access is not
    checked here: the mailbox was found for `user` first."""
    return Caller(user, team_mailbox_of(account_id=account_id, extension_id=extension_id))


def session_holder(
    user: User, *, account_id: int, extension_id: int
) -> User | RingCentralCredential:
    """Whose session `accounts.services.ringcentral_call` should use for `user`'s work in the
    mailbox (see `caller_for`): for background work that calls it directly."""
    return caller_for(user, account_id=account_id, extension_id=extension_id).holder


def team_disconnected_error(team: TeamMailbox) -> InboxError:
    return InboxError(
        TEAM_DISCONNECTED.format(name=team.name),
        status=503,
        code="team_mailbox_disconnected",
    )


def ringcentral_as(
    caller: Caller | User,
    operation: Callable[[RingCentralClient], T],
    *,
    slot_timeout: float,
) -> T:
    """`accounts.services.ringcentral_call` with the caller's session. A team mailbox whose
    session has ended is an `InboxError` saying so (its members cannot reconnect it; the
    person's own session is fine), not the person's reconnect page."""
    if isinstance(caller, User):
        caller = Caller(caller)
    failure: Exception | None = None
    try:
        return ringcentral_call(caller.holder, operation, slot_timeout=slot_timeout)
    except ReconnectRequired:
        if caller.team is None:
            raise
        failure = team_disconnected_error(caller.team)
    raise failure


def ringcentral_do(caller: Caller | User, operation: Callable[[RingCentralClient], T]) -> T:
    """One RingCentral call as `caller`, failures translated."""
    failure: Exception | None = None
    try:
        return ringcentral_as(caller, operation, slot_timeout=PAGE_SLOT_TIMEOUT)
    except RingCentralError as exc:
        log.info("RingCentral call failed: %s", exc)
        failure = translated(exc)
    raise failure


def ringcentral_reads(
    caller: Caller | User, operations: Sequence[Callable[[RingCentralClient], Any]]
) -> list[Any]:
    """The results of independent reads, made at the same time on one client of `caller`.

    If RingCentral refuses the token, `ringcentral_call` refreshes it and runs them all again.
    """
    if not operations:
        return []

    def run(client: RingCentralClient) -> list[Any]:
        if len(operations) == 1:
            return [operations[0](client)]
        with ThreadPoolExecutor(max_workers=len(operations)) as pool:
            futures = [pool.submit(operation, client) for operation in operations]
            return [future.result() for future in futures]

    return ringcentral_do(caller, run)
