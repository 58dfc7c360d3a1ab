"""All of a mailbox's history in its conversation index: the back-fill of the messages older
than the sync's window, the periodic re-check of what became of them, and the mailboxes whose
RingCentral session ended (stale: kept, not dropped).

**The walk.** The message sync fills the index from its window's start on (30 days,
`inbox.live.sync`); a mailbox whose index is complete (`MailboxSync.indexed_at`) is then
back-filled beyond it by paging `listMessages` by date (REFERENCE §3), newest first, a keyset
walk down from the window's start (`index_window_start`): each call asks for up to `PER_PAGE`
messages created from `HISTORY_START` to the cursor (`dateTo`, `history_cursor`), the next
cursor is the oldest `creationTime` the page held. `dateTo` is inclusive, so the messages at
the cursor's very second come again on the next page: each record is looked up by id in the
index before it is written (`inbox.index.services.index_history_apply`), and one already held
in the same version is a repeat that writes and counts nothing. A page whose records all share
one `creationTime` cannot move the cursor: the next call asks for the next page number at the
same cursor (`history_page`), and only then. A page with fewer records than asked for ends the
walk (`history_done_at`); the index then holds the mailbox's whole history
(`history_start` = `HISTORY_START`). Each page goes into the index with `history_start` moved
down in the same transaction (and the cursor with it), so a list never trusts the index below
what is there, and a walk cut off anywhere goes on from its last page.

**Deleted history.** The walk asks for every availability (`Alive`, `Deleted`, `Purged`): the
spec's `availability` is an array of the three and the emulator takes any of them. Deleted and
purged messages then stay known to the index as what they are (out of every list and count, as
RingCentral's own are), and a late, older copy cannot bring them back.

**Changes made elsewhere.** An ISync reports changes in its frame only (the window, §11); a
person's own deletions and restores in this dashboard reach the index at once through
`index_local_change`, whatever the message's age. For changes made elsewhere (RingCentral's
apps) to older messages, once the walk is done the history is re-checked every
`HISTORY_RECHECK_EVERY` seconds: `listMessages` with `availability` `Deleted` and `Purged`
over the history's range (they are few: RingCentral purges deleted messages after about five
days and then removes them), applied by the same newer-version rule; then the index's messages
still `Deleted` there that RingCentral no longer listed are read by id (50 a call): restored
ones come back, ones RingCentral no longer has are marked `Purged`. Read-state changes of old
messages made elsewhere are not followed (reading them all again would cost the whole walk
every time). Extending the ISync's frame back over the history instead (§11 allows a new
`dateFrom`) was left aside: its first answer would carry every message of the added period in
one unpaged answer, 100 MB for 100,000 messages, and any FSync would shrink the frame again.

**Priority.** The back-fill's calls are Light calls of the mailbox's RingCentral user (the one
whose session syncs it, `inbox.ringcentral.mailbox_user`), taken from the same rate budget as
every other call (`accounts.services.ringcentral_call`). Before each page the step reads that
user's Light lane (`budget.usage`, as the operations page does) and calls only when, after
its call, at least `PAGE_RESERVE` of the limit stays free in the window for the pages people
open and the syncs; otherwise it waits (its task again, with a countdown) until there is room.
Between pages it paces itself to its share of the limit (25 calls a minute of RingCentral's
50), so it never makes a burst. Sends are Medium (and faxes Heavy), other groups with budgets
of their own: the back-fill never takes their slots. Its tasks go to a queue of their own
(`history`, config/celery.py), where they cannot queue in front of sends or syncs; one task
runs one page and enqueues the next (a countdown, never a sleep in the worker).

**Stale mailboxes.** When nobody's session can read a mailbox any more (a person signed out
and no admin is connected, a team mailbox disconnected, RingCentral ended the session), its
index is kept as it is — still listed and searched — and marked stale
(`MailboxSync.stale_since`) until a sync succeeds again. Nothing deletes index rows for it.
"""

from __future__ import annotations

import logging
import math
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone

import accounts.services
from accounts.errors import ReconnectRequired
from accounts.models import RingCentralCredential, User
from inbox.cache import CACHE_ERRORS
from inbox.index.services import (
    index_history_apply,
    index_local_change,
    index_start_of,
)
from inbox.models import IndexedMessage, MailboxSync
from inbox.queueing import task_enqueue
from inbox.ringcentral import HISTORY_START, mailbox_user
from rcapi import (
    BulkResult,
    Message,
    MessagePage,
    RateLimited,
    RingCentralClient,
    RingCentralError,
    Unavailable,
)
from rcapi.bulk import BULK_LIMIT
from rcapi.client import Availability
from rcapi.operations import LIGHT

log = logging.getLogger(__name__)

HISTORY_STEP_TASK = "inbox.history.tasks.rc_history_step"

PER_PAGE = 1000  # records a call: RingCentral's largest page (§3)
WALK_AVAILABILITIES: tuple[Availability, ...] = ("Alive", "Deleted", "Purged")
RECHECK_AVAILABILITIES: tuple[Availability, ...] = ("Deleted", "Purged")
PAGE_RESERVE = 0.5  # share of the Light limit left free in every window for pages and syncs
SLOT_TIMEOUT = 2.0  # the lane was read just before: a slot is there or soon will be
MIN_WAIT = 1.0  # seconds at least before looking at a full lane again
FAILURE_WAIT = 60.0  # seconds before a page RingCentral failed is asked for again
LOCK_SECONDS = 120  # longer than a step: a slot wait, a call, an index write
QUEUED_SLACK = 120  # a lost step task stops blocking the next one this long after its time
STATUS_SECONDS = 24 * 3600

PREFIX = "history:v1"

# the phases of a mailbox's chain of steps
WALK = "walk"
RECHECK = "recheck"
RESTORES = "restores"
PHASES = (WALK, RECHECK, RESTORES)

# what the operations page shows of a mailbox's back-fill
RUNNING = "running"
WAITING = "waiting"  # for headroom in the user's Light lane
RECHECKING = "rechecking"
DONE = "done"
STALE = "stale"
FAILED = "failed"
IDLE = "idle"
BUSY = "busy"  # another step of the mailbox runs


def _mailbox(account_id: int, extension_id: int) -> str:
    return f"{account_id}:{extension_id}"


def _queued_key(account_id: int, extension_id: int) -> str:
    return f"{PREFIX}:queued:{_mailbox(account_id, extension_id)}"


def _lock_key(account_id: int, extension_id: int) -> str:
    return f"{PREFIX}:lock:{_mailbox(account_id, extension_id)}"


def status_key(account_id: int, extension_id: int) -> str:
    return f"{PREFIX}:status:{_mailbox(account_id, extension_id)}"


def checked_key(account_id: int, extension_id: int) -> str:
    return f"{PREFIX}:checked:{_mailbox(account_id, extension_id)}"


def _seen_key(account_id: int, extension_id: int) -> str:
    return f"{PREFIX}:recheck-seen:{_mailbox(account_id, extension_id)}"


def _todo_key(account_id: int, extension_id: int) -> str:
    return f"{PREFIX}:recheck-todo:{_mailbox(account_id, extension_id)}"


def task_options() -> dict[str, Any]:
    """Where the history's tasks go: `HISTORY_TASK_QUEUE` (tests point it at their worker),
    or the routes of config/celery.py (the `history` queue)."""
    queue = settings.HISTORY_TASK_QUEUE
    return {"queue": queue, "routing_key": queue, "exchange": queue} if queue else {}


@dataclass(frozen=True)
class Step:
    """What one step did and what comes next: `next_phase` (None: the chain ends) after
    `countdown` seconds, at `next_page` of it."""

    status: str
    next_phase: str | None = None
    next_page: int = 1
    countdown: float = 0.0
    calls: int = 0
    records: int = 0
    added: int = 0


# --------------------------------------------------------------------------- requests


def history_step_request(
    *,
    account_id: int,
    extension_id: int,
    phase: str = WALK,
    page: int = 1,
    countdown: float = 0.0,
    chained: bool = False,
) -> bool:
    """Enqueue a step of the mailbox's history, after the current transaction commits. One
    chain per mailbox: a request while a step is queued is dropped, unless it is the chain's
    own next step (`chained`). True when a task was enqueued."""
    key = _queued_key(account_id, extension_id)
    ttl = int(countdown + QUEUED_SLACK)
    try:
        if chained:
            cache.set(key, phase, ttl)
        elif not cache.add(key, phase, ttl):
            return False
    except CACHE_ERRORS as exc:
        log.warning("History cache failed, enqueueing without coalescing: %s", exc)

    def enqueue() -> None:
        task_enqueue(
            HISTORY_STEP_TASK,
            args=[account_id, extension_id, phase, page],
            countdown=countdown or None,
            **task_options(),
        )

    transaction.on_commit(enqueue)
    return True


def history_chain_continue(*, account_id: int, extension_id: int, step: Step) -> None:
    """After a step: its next one, or the end of the chain (the beat starts the next)."""
    if step.next_phase is not None:
        history_step_request(
            account_id=account_id,
            extension_id=extension_id,
            phase=step.next_phase,
            page=step.next_page,
            countdown=step.countdown,
            chained=True,
        )
        return
    try:
        cache.delete(_queued_key(account_id, extension_id))
    except CACHE_ERRORS as exc:
        log.warning("History cache failed: %s", exc)


def mailboxes_history_due() -> int:
    """The beat's round: every indexed mailbox nobody's session can read any more is marked
    stale; every other one whose walk is not done, or whose re-check is due, gets a step (when
    no chain of its is under way). The number of steps requested."""
    requested = 0
    rows = MailboxSync.objects.filter(
        indexed_at__isnull=False, index_window_start__isnull=False
    ).order_by("pk")
    for state in rows:
        account_id, extension_id = state.account_id, state.extension_id
        if mailbox_user(account_id=account_id, extension_id=extension_id) is None:
            mailbox_stale_mark(account_id=account_id, extension_id=extension_id)
            continue
        if state.stale_since is not None:
            continue  # until a sync succeeds again with the session that came back
        phase: str | None = None
        if state.history_done_at is None:
            phase = WALK
        elif _recheck_due(account_id, extension_id):
            phase = RECHECK
        if phase is not None and history_step_request(
            account_id=account_id, extension_id=extension_id, phase=phase
        ):
            requested += 1
    return requested


def _recheck_due(account_id: int, extension_id: int) -> bool:
    try:
        return cache.get(checked_key(account_id, extension_id)) is None
    except CACHE_ERRORS:
        return False  # without a cache, no re-check rather than one every round


# --------------------------------------------------------------------------- stale mailboxes


def mailbox_stale_mark(*, account_id: int, extension_id: int) -> bool:
    """Nobody's session can read the mailbox now: mark it stale (from now, unless it already
    was). Its index stays as it is. True when it was not stale before."""
    return bool(
        MailboxSync.objects.filter(
            account_id=account_id, extension_id=extension_id, stale_since__isnull=True
        ).update(stale_since=timezone.now())
    )


def mailbox_stale_clear(*, account_id: int, extension_id: int) -> None:
    """A sync of the mailbox succeeded: it is current again."""
    MailboxSync.objects.filter(
        account_id=account_id, extension_id=extension_id, stale_since__isnull=False
    ).update(stale_since=None)


# --------------------------------------------------------------------------- one step


def history_step(*, account_id: int, extension_id: int, phase: str = WALK, page: int = 1) -> Step:
    """One step of the mailbox's history: a page of the walk, of the re-check, or a read of
    restored messages; at most one RingCentral call. Another step of the mailbox running
    makes this one end its chain quietly (that one's chain goes on)."""
    lock = _lock_key(account_id, extension_id)
    token = uuid.uuid4().hex
    try:
        got = cache.add(lock, token, LOCK_SECONDS)
    except CACHE_ERRORS:
        got = True  # without a cache the step still runs: the index's lock keeps it safe
    if not got:
        return Step(BUSY)
    try:
        step = _step_locked(account_id, extension_id, phase if phase in PHASES else WALK, page)
    finally:
        try:
            if cache.get(lock) == token:
                cache.delete(lock)
        except CACHE_ERRORS as exc:
            log.warning("History cache failed: %s", exc)
    _status_set(account_id, extension_id, step)
    return step


def _step_locked(account_id: int, extension_id: int, phase: str, page: int) -> Step:
    state = MailboxSync.objects.filter(account_id=account_id, extension_id=extension_id).first()
    if state is None or index_start_of(state) is None:
        return Step(IDLE)  # the first sync fills the index first; the beat comes back
    holder = mailbox_user(account_id=account_id, extension_id=extension_id)
    if holder is None:
        mailbox_stale_mark(account_id=account_id, extension_id=extension_id)
        return Step(STALE)
    if phase == WALK and state.history_done_at is not None:
        return Step(DONE)
    wait, pace = _headroom(holder)
    if wait > 0:
        return Step(WAITING, next_phase=phase, next_page=page, countdown=wait)
    try:
        if phase == WALK:
            step = _walk(state, holder, pace)
        elif phase == RECHECK:
            step = _recheck(state, holder, page, pace)
        else:
            step = _restores(state, holder, pace)
    except RateLimited as exc:
        # the lane filled between the look and the call (or RingCentral said so): wait
        return Step(WAITING, next_phase=phase, next_page=page, countdown=_wait_of(exc))
    except ReconnectRequired:
        mailbox_stale_mark(account_id=account_id, extension_id=extension_id)
        return Step(STALE)
    except RingCentralError as exc:
        log.info("The history of extension %s: RingCentral failed: %s", extension_id, exc)
        MailboxSync.objects.filter(pk=state.pk).update(
            history_error=f"RingCentral failed: {exc}"[:500], history_calls=F("history_calls") + 1
        )
        return Step(FAILED, next_phase=phase, next_page=page, countdown=FAILURE_WAIT, calls=1)
    return step


def _wait_of(exc: RateLimited) -> float:
    return max(MIN_WAIT, float(exc.retry_after or 0.0))


def _holder_extension(holder: User | RingCentralCredential) -> int | None:
    if isinstance(holder, User):
        return holder.rc_extension_id
    if holder.extension_id is not None:
        return holder.extension_id
    return holder.user.rc_extension_id if holder.user is not None else None


def _headroom(holder: User | RingCentralCredential) -> tuple[float, float]:
    """(seconds to wait before the next call may be made, 0: now; seconds between two calls
    at the back-fill's share of the limit). The lane is the Light one of the user whose
    session calls (`accounts.services.budget_key`), read without changing it."""
    extension_id = _holder_extension(holder)
    if extension_id is None:
        return 0.0, MIN_WAIT
    budget = accounts.services.rate_budget()
    try:
        usage = budget.usage(accounts.services.budget_key(extension_id), LIGHT)
    except Unavailable:
        return FAILURE_WAIT, FAILURE_WAIT
    limit = max(usage.limit, 1)
    allowed = max(math.floor(limit * (1 - PAGE_RESERVE)), 1)  # calls of ours in a window
    pace = usage.window / allowed
    if usage.blocked_until is not None:
        return max(MIN_WAIT, usage.blocked_until - time.time()), pace
    if usage.used < allowed:
        return 0.0, pace
    # slots free about evenly over the window: wait for as many as are over our share
    return max(MIN_WAIT, usage.window * (usage.used - allowed + 1) / limit), pace


def _list(
    holder: User | RingCentralCredential,
    extension_id: int,
    *,
    availability: Sequence[Availability],
    date_to: datetime,
    page: int,
) -> MessagePage:
    def operation(client: RingCentralClient) -> MessagePage:
        return client.list_messages(
            extension_id=extension_id,
            availability=availability,
            date_from=HISTORY_START,
            date_to=date_to,
            page=page,
            per_page=PER_PAGE,
        )

    return accounts.services.ringcentral_call(holder, operation, slot_timeout=SLOT_TIMEOUT)


def _walk(state: MailboxSync, holder: User | RingCentralCredential, pace: float) -> Step:
    """One page of the walk (see the module's description)."""
    assert state.index_window_start is not None
    cursor = state.history_cursor or state.index_window_start
    page = max(state.history_page, 1)
    answer = _list(
        holder, state.extension_id, availability=WALK_AVAILABILITIES, date_to=cursor, page=page
    )
    records = answer.records
    times = [m.creation_time for m in records if m.creation_time is not None]
    oldest = min(times) if times else None
    fields: dict[str, Any] = {"history_error": ""}
    down_to: datetime | None
    if len(records) < PER_PAGE:
        # RingCentral has nothing older: the index holds the whole history
        down_to = HISTORY_START
        fields.update(history_cursor=None, history_page=0, history_done_at=timezone.now())
    elif oldest is None or oldest >= cursor:
        # the whole page was created in the cursor's second: the next page of the same
        down_to = None
        fields.update(history_cursor=cursor, history_page=page + 1)
    else:
        # everything after `oldest` is in; the rest of its second comes with the next page
        down_to = oldest + timedelta(microseconds=1)
        fields.update(history_cursor=oldest, history_page=1)
    done = "history_done_at" in fields
    read_at = (state.indexed_at, state.history_cursor, state.history_page, state.history_done_at)
    with transaction.atomic():
        # the page counts only if the walk is still where it was when the page was asked for
        # (no other step moved it, the index was not rebuilt from nothing meanwhile)
        now_at = (
            MailboxSync.objects.select_for_update()
            .filter(pk=state.pk)
            .values_list("indexed_at", "history_cursor", "history_page", "history_done_at")
            .first()
        )
        if now_at != read_at:
            return Step(RUNNING, next_phase=WALK, countdown=pace, calls=1, records=len(records))
        outcome = index_history_apply(
            account_id=state.account_id,
            extension_id=state.extension_id,
            records=records,
            down_to=down_to,
            refresh_statistics=done or statistics_due(state.history_calls + 1),
        )
        if not outcome.indexed:
            return Step(IDLE, calls=1, records=len(records))
        MailboxSync.objects.filter(pk=state.pk).update(
            history_messages=F("history_messages") + outcome.added,
            history_calls=F("history_calls") + 1,
            **fields,
        )
    if done:
        log.info(
            "The history of extension %s is in the index: %d messages",
            state.extension_id, state.history_messages + outcome.added,
        )  # fmt: skip
        try:
            # the walk has just seen every deletion: the first re-check is one period away
            cache.set(
                checked_key(state.account_id, state.extension_id), time.time(), _recheck_every()
            )
        except CACHE_ERRORS as exc:
            log.warning("History cache failed: %s", exc)
        return Step(DONE, calls=1, records=len(records), added=outcome.added)
    return Step(
        RUNNING,
        next_phase=WALK,
        countdown=pace,
        calls=1,
        records=len(records),
        added=outcome.added,
    )


def statistics_due(page: int) -> bool:
    """Whether PostgreSQL should look at the index's tables again after the walk's `page`th
    page: each time the mailbox's history has doubled (pages 1, 2, 4, 8, …). A planner that
    still takes a mailbox for its size of before would look a page's thousand ids up by
    scanning the whole mailbox (where autovacuum does not analyze in time, or is off): a
    handful of ANALYZEs a walk keep each page's writes at the same cost."""
    return page >= 1 and page & (page - 1) == 0


def _recheck_every() -> int:
    return max(int(settings.HISTORY_RECHECK_EVERY), 1)


def _recheck(
    state: MailboxSync, holder: User | RingCentralCredential, page: int, pace: float
) -> Step:
    """One page of the re-check: the deleted and purged messages of the history's range,
    applied by the newer-version rule. After the last page, the index's messages of that
    range still `Deleted` that RingCentral did not list are read by id (`_restores`)."""
    assert state.index_window_start is not None
    account_id, extension_id = state.account_id, state.extension_id
    answer = _list(
        holder,
        extension_id,
        availability=RECHECK_AVAILABILITIES,
        date_to=state.index_window_start,
        page=page,
    )
    with transaction.atomic():
        outcome = index_history_apply(
            account_id=account_id, extension_id=extension_id, records=answer.records, down_to=None
        )
        MailboxSync.objects.filter(pk=state.pk).update(history_calls=F("history_calls") + 1)
    seen = set(_cached_ids(_seen_key(account_id, extension_id)) if page > 1 else ())
    seen.update(m.id for m in answer.records)
    if len(answer.records) >= PER_PAGE:
        _cached_ids_set(_seen_key(account_id, extension_id), seen)
        return Step(
            RECHECKING, next_phase=RECHECK, next_page=page + 1, countdown=pace, calls=1,
            records=len(answer.records), added=outcome.added,
        )  # fmt: skip
    unlisted = sorted(
        set(
            IndexedMessage.objects.filter(
                account_id=account_id,
                extension_id=extension_id,
                availability="Deleted",
                created_at__lt=state.index_window_start,
            ).values_list("message_id", flat=True)
        )
        - seen
    )
    _forget(_seen_key(account_id, extension_id))
    if unlisted:
        _cached_ids_set(_todo_key(account_id, extension_id), unlisted)
        return Step(
            RECHECKING, next_phase=RESTORES, countdown=pace, calls=1,
            records=len(answer.records), added=outcome.added,
        )  # fmt: skip
    _rechecked(account_id, extension_id)
    return Step(DONE, calls=1, records=len(answer.records), added=outcome.added)


def _restores(state: MailboxSync, holder: User | RingCentralCredential, pace: float) -> Step:
    """Read up to `BULK_LIMIT` of the messages the index holds as deleted but RingCentral no
    longer lists so (one bulk read): restored ones are applied as RingCentral gives them, ones
    it no longer has at all are marked `Purged` (their index row stays)."""
    account_id, extension_id = state.account_id, state.extension_id
    todo = _cached_ids(_todo_key(account_id, extension_id))
    batch, rest = todo[:BULK_LIMIT], todo[BULK_LIMIT:]
    if not batch:
        _rechecked(account_id, extension_id)
        return Step(DONE)

    def operation(client: RingCentralClient) -> list[BulkResult]:
        return client.get_messages(message_ids=batch, extension_id=extension_id)

    results = accounts.services.ringcentral_call(holder, operation, slot_timeout=SLOT_TIMEOUT)
    found: list[Message] = [r.message for r in results if r.message is not None]
    gone = [r.resource_id for r in results if r.status == 404]
    with transaction.atomic():
        index_history_apply(
            account_id=account_id, extension_id=extension_id, records=found, down_to=None
        )
        if gone:
            index_local_change(
                account_id=account_id,
                extension_id=extension_id,
                message_ids=gone,
                availability="Purged",
            )
        MailboxSync.objects.filter(pk=state.pk).update(history_calls=F("history_calls") + 1)
    if rest:
        _cached_ids_set(_todo_key(account_id, extension_id), rest)
        return Step(RECHECKING, next_phase=RESTORES, countdown=pace, calls=1, records=len(found))
    _forget(_todo_key(account_id, extension_id))
    _rechecked(account_id, extension_id)
    return Step(DONE, calls=1, records=len(found))


def _rechecked(account_id: int, extension_id: int) -> None:
    try:
        cache.set(checked_key(account_id, extension_id), time.time(), _recheck_every())
    except CACHE_ERRORS as exc:
        log.warning("History cache failed: %s", exc)


def _cached_ids(key: str) -> list[int]:
    try:
        found = cache.get(key)
    except CACHE_ERRORS as exc:
        log.warning("History cache failed: %s", exc)
        return []
    return [int(i) for i in found] if isinstance(found, list) else []


def _cached_ids_set(key: str, ids: Iterable[int]) -> None:
    try:
        cache.set(key, sorted(ids), STATUS_SECONDS)
    except CACHE_ERRORS as exc:
        log.warning("History cache failed: %s", exc)


def _forget(key: str) -> None:
    try:
        cache.delete(key)
    except CACHE_ERRORS as exc:
        log.warning("History cache failed: %s", exc)


def _status_set(account_id: int, extension_id: int, step: Step) -> None:
    """What the operations page shows of the chain: the last step's outcome and, when it
    waits, until when."""
    if step.status == BUSY:
        return
    value = {
        "status": step.status,
        "at": time.time(),
        "until": time.time() + step.countdown if step.next_phase else None,
        "phase": step.next_phase,
    }
    try:
        cache.set(status_key(account_id, extension_id), value, STATUS_SECONDS)
    except CACHE_ERRORS as exc:
        log.warning("History cache failed: %s", exc)
