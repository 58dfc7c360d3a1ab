"""Reads of the history back-fill: how far each mailbox's has come (the operations page), and
which mailboxes are stale (nobody's RingCentral session can read them any more; their index
is kept, and others show that it is). Nothing here calls RingCentral."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from django.core.cache import cache
from django.db.models import Q

from inbox.cache import CACHE_ERRORS
from inbox.history.services import (
    DONE,
    FAILED,
    IDLE,
    RECHECKING,
    RUNNING,
    STALE,
    WAITING,
    status_key,
)
from inbox.models import MailboxSync
from inbox.ringcentral import HISTORY_START

log = logging.getLogger(__name__)

NOT_STARTED = "not_started"
QUEUED = "queued"

LABELS = {
    NOT_STARTED: "Not started",
    QUEUED: "Queued",
    RUNNING: "Running",
    WAITING: "Waiting for rate headroom",
    RECHECKING: "Checking deletions",
    DONE: "Done",
    STALE: "Stale",
    FAILED: "Failed, trying again",
    IDLE: "Not synced yet",
}


@dataclass(frozen=True)
class HistoryProgress:
    """Where one mailbox's back-fill stands, as the operations page shows it."""

    extension_id: int
    name: str
    extension_number: str
    status: str
    indexed: bool = False
    window_start: datetime | None = None  # the sync's window
    history_start: datetime | None = None  # back-filled down to (None: not begun)
    done_at: datetime | None = None
    messages: int = 0
    calls: int = 0
    error: str = ""
    stale_since: datetime | None = None
    waiting_until: datetime | None = None  # while it waits for rate headroom

    @property
    def label(self) -> str:
        return LABELS.get(self.status, self.status)

    @property
    def down_to(self) -> datetime | None:
        """The oldest moment from which the index holds every message (None: not indexed)."""
        if not self.indexed or self.window_start is None:
            return None
        if self.history_start is None:
            return self.window_start
        return min(self.window_start, self.history_start)

    @property
    def everything(self) -> bool:
        """The index holds the mailbox's whole history."""
        return self.done_at is not None and self.history_start == HISTORY_START


def history_progress(
    *, account_id: int, mailboxes: Sequence[tuple[int, str, str]]
) -> tuple[HistoryProgress, ...]:
    """The back-fill of each of the account's `mailboxes` ((extension id, name, extension
    number), in the order to show them): two reads, the sync states and the cached status of
    each chain."""
    states = {
        s.extension_id: s
        for s in MailboxSync.objects.filter(
            account_id=account_id, extension_id__in=[m[0] for m in mailboxes]
        )
    }
    keys = {status_key(account_id, extension_id): extension_id for extension_id, _, _ in mailboxes}
    try:
        statuses = {keys[k]: v for k, v in cache.get_many(list(keys)).items() if v}
    except CACHE_ERRORS as exc:
        log.warning("History cache read failed: %s", exc)
        statuses = {}
    now = datetime.now(UTC)
    return tuple(
        _progress(extension_id, name, number, states.get(extension_id), statuses, now)
        for extension_id, name, number in mailboxes
    )


def _progress(
    extension_id: int,
    name: str,
    number: str,
    state: MailboxSync | None,
    statuses: dict[int, dict[str, object]],
    now: datetime,
) -> HistoryProgress:
    if state is None or state.indexed_at is None or state.index_window_start is None:
        return HistoryProgress(extension_id, name, number, status=IDLE)
    cached = statuses.get(extension_id) or {}
    until_ts = cached.get("until")
    until = (
        datetime.fromtimestamp(float(until_ts), UTC) if isinstance(until_ts, int | float) else None
    )
    status = _status_of(state, str(cached.get("status") or ""), until, now)
    return HistoryProgress(
        extension_id,
        name,
        number,
        status=status,
        indexed=True,
        window_start=state.index_window_start,
        history_start=state.history_start,
        done_at=state.history_done_at,
        messages=state.history_messages,
        calls=state.history_calls,
        error=state.history_error,
        stale_since=state.stale_since,
        waiting_until=until if status == WAITING else None,
    )


def _status_of(state: MailboxSync, cached: str, until: datetime | None, now: datetime) -> str:
    if state.stale_since is not None:
        return STALE
    if cached == WAITING and until is not None and until > now:
        return WAITING
    if state.history_done_at is not None:
        return RECHECKING if cached == RECHECKING else DONE
    if cached == FAILED or (state.history_error and cached != RUNNING):
        return FAILED
    if state.history_cursor is None and state.history_calls == 0:
        return QUEUED if cached else NOT_STARTED
    return RUNNING


def mailboxes_stale(*, mailboxes: Iterable[tuple[int, int]]) -> dict[tuple[int, int], datetime]:
    """Of these mailboxes ((account id, extension id)), the stale ones and since when: nobody's
    RingCentral session can read them now, so what their index holds is kept but no longer
    followed."""
    wanted = Q(pk__in=[])
    for account_id, extension_id in set(mailboxes):
        wanted |= Q(account_id=account_id, extension_id=extension_id)
    rows = MailboxSync.objects.filter(wanted, stale_since__isnull=False).values_list(
        "account_id", "extension_id", "stale_since"
    )
    return {(a, e): since for a, e, since in rows if since is not None}
