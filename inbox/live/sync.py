"""Keeping mailboxes current: RingCentral's message sync (REFERENCE §11), the change counter
open pages follow (pushed to their event streams, polled where a stream is down), and the
coalescing of the events that ask for a sync.

One sync per mailbox runs at a time (a lock in the cache). Events that ask for a sync while
one is queued are folded into it, and the syncs a worker runs for a mailbox start at least
`SPACING` seconds apart: a storm of notifications costs one sync per `SPACING` seconds, not
one per notification, and leaves most of the user's Light rate budget to their pages. A sync
that comes too soon waits for its turn (a task with a countdown), and the events meanwhile
fold into it, so the last change of a storm is still synced. The first sync of a mailbox, and
any sync after RingCentral refuses the stored token (MSG-333), is an FSync over the inbox's
30-day window (from the start of that UTC day, where the list's default window starts); every
other one is an ISync with the stored token. ISync answers overlap the previous one by a few
seconds, so a record counts as a change only when its `lastModifiedTime` differs from the one
last seen (`MailboxSync.recent_versions`).

Every sync's records go into the mailbox's conversation index (`inbox.index`), which the lists
read: an FSync rebuilds its window, an ISync applies its changes. A mailbox whose index is not
complete yet (never synced, or synced before the index existed) gets an FSync whatever its
token. Older history is back-filled beside the sync (`inbox.history`). A mailbox nobody's
session can read any more keeps its index, marked stale (`MailboxSync.stale_since`), until a
sync succeeds again.

When anything changed, the mailbox's cached list and thread answers are dropped, its change
counter goes up (pages then fetch themselves again), and sends whose RingCentral message
changed take the new status (`inbox.live.sends`).

The counter is the database's (`MailboxSync.change_counter`), copied into the cache for the
pages' reads. With Redis (`REDIS_URL`), each new value is also published, once the
transaction that moved it commits, on the mailbox's channel (`live_channel`), which the
pages' event streams (`inbox.live.stream`) listen to. Without Redis there is no pub/sub: the
streams read the cached counter every half second instead.
"""

from __future__ import annotations

import functools
import json
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.errors import ReconnectRequired
from accounts.models import RingCentralCredential, User
from accounts.services import ringcentral_call
from inbox.cache import CACHE_ERRORS, mailbox_cache_drop
from inbox.conversations.party_names import party_names_learn
from inbox.conversations.presenters import message_view
from inbox.history.services import mailbox_stale_mark
from inbox.index.services import index_apply
from inbox.live.sends import sends_apply_records
from inbox.models import MailboxSubscription, MailboxSync
from inbox.queueing import task_enqueue
from inbox.ringcentral import mailbox_user
from rcapi import Message, Rejected, RingCentralClient, RingCentralError, SyncResult
from rcapi.errors import SYNC_TOKEN_INVALID

log = logging.getLogger(__name__)

MAILBOX_SYNC_TASK = "inbox.live.tasks.rc_mailbox_sync"

SYNC_WINDOW = timedelta(days=30)  # the conversation list's default window
LOCK_SECONDS = 120  # longer than a sync's call (with a wait for a rate-budget slot)
QUEUED_SECONDS = 60  # a lost sync task stops coalescing events after this long
BUSY_RETRY = 1.0  # a sync requested while another runs starts again after it
# Seconds at least between the starts of two of a mailbox's syncs by a worker: open pages look
# for changes every 2 s, so syncing more often would show nothing sooner.
SPACING = 2.0
RECENT_LIMIT = 5000
VIEWED_SECONDS = 120  # a page streaming or polling within this long keeps its mailbox "open"
COUNTER_TTL = 24 * 3600

PREFIX = "live:v1"


def _mailbox(account_id: int, extension_id: int) -> str:
    return f"{account_id}:{extension_id}"


def counter_key(account_id: int, extension_id: int) -> str:
    return f"{PREFIX}:counter:{_mailbox(account_id, extension_id)}"


def _queued_key(account_id: int, extension_id: int) -> str:
    return f"{PREFIX}:queued:{_mailbox(account_id, extension_id)}"


def _lock_key(account_id: int, extension_id: int) -> str:
    return f"{PREFIX}:lock:{_mailbox(account_id, extension_id)}"


def _viewed_key(account_id: int, extension_id: int) -> str:
    return f"{PREFIX}:viewed:{_mailbox(account_id, extension_id)}"


def _started_key(account_id: int, extension_id: int) -> str:
    return f"{PREFIX}:started:{_mailbox(account_id, extension_id)}"


def _spacing_left(account_id: int, extension_id: int) -> float:
    """Seconds until the mailbox's next sync may start (0: now)."""
    started = cache.get(_started_key(account_id, extension_id))
    return 0.0 if started is None else max(0.0, float(started) + SPACING - time.time())


def task_options() -> dict[str, Any]:
    """Where the live-update tasks go: `LIVE_TASK_QUEUE`, or the routes of config/celery.py."""
    queue = settings.LIVE_TASK_QUEUE
    return {"queue": queue, "routing_key": queue, "exchange": queue} if queue else {}


def mailbox_sync_state(*, account_id: int, extension_id: int) -> MailboxSync:
    state, _ = MailboxSync.objects.get_or_create(account_id=account_id, extension_id=extension_id)
    return state


# --------------------------------------------------------------------------- requests


def mailbox_sync_request(*, account_id: int, extension_id: int, force: bool = False) -> bool:
    """Ask for a sync of the mailbox, after the current transaction commits. Requests that
    arrive while one is already queued are folded into it (a burst of events costs one
    sync); True when a task was enqueued. `force` enqueues even so (a sync that found the
    mailbox busy hands its turn on)."""
    key = _queued_key(account_id, extension_id)
    wait = 0.0
    try:
        if force:
            cache.set(key, 1, QUEUED_SECONDS)
        elif not cache.add(key, 1, QUEUED_SECONDS):
            return False
        wait = _spacing_left(account_id, extension_id)
    except CACHE_ERRORS as exc:
        log.warning("Live cache failed, syncing without coalescing: %s", exc)
    countdown = max(BUSY_RETRY if force else 0.0, wait) or None

    def enqueue() -> None:
        task_enqueue(
            MAILBOX_SYNC_TASK,
            args=[account_id, extension_id],
            countdown=countdown,
            **task_options(),
        )

    transaction.on_commit(enqueue)
    return True


def mailbox_event_record(*, subscription: MailboxSubscription) -> None:
    """A notification arrived for the subscription's mailbox: note it and ask for an ISync
    (the notification says only that something changed; the sync says what)."""
    now = timezone.now()
    MailboxSubscription.objects.filter(pk=subscription.pk).update(
        last_event_at=now, events=F("events") + 1
    )
    state = mailbox_sync_state(
        account_id=subscription.account_id, extension_id=subscription.extension_id
    )
    MailboxSync.objects.filter(pk=state.pk).update(last_event_at=now)
    MailboxSync.objects.filter(pk=state.pk, event_pending_since__isnull=True).update(
        event_pending_since=now
    )
    mailbox_sync_request(account_id=subscription.account_id, extension_id=subscription.extension_id)


def mailbox_viewed(*, account_id: int, extension_id: int) -> None:
    """A page of the mailbox is open (its stream or poll says so): keep the periodic sync
    going for it. One database write per mailbox per half minute, whatever the number of
    pages."""
    try:
        first = cache.add(_viewed_key(account_id, extension_id), 1, 30)
    except CACHE_ERRORS:
        first = True
    if first:
        MailboxSync.objects.update_or_create(
            account_id=account_id,
            extension_id=extension_id,
            defaults={"viewed_at": timezone.now()},
        )


def mailboxes_sync_due() -> int:
    """The beat's periodic sync: every mailbox open in a browser, subscribed, or with a
    working RingCentral session of its own (a person's, a team mailbox's) that has not been
    synced within `LIVE_SYNC_EVERY` seconds gets one: its conversation index stays current
    whether or not a page is open, and a mailbox just connected gets its first (full) sync
    within one period, even when its subscription could not be made. The number requested."""
    now = timezone.now()
    every = timedelta(seconds=settings.LIVE_SYNC_EVERY)
    # a little slack, so that a beat period a hair shorter than the interval does not skip one
    stale = Q(synced_at__isnull=True) | Q(synced_at__lt=now - every * 0.8)
    viewed = set(
        MailboxSync.objects.filter(stale, viewed_at__gte=now - timedelta(seconds=VIEWED_SECONDS))
        .values_list("account_id", "extension_id")
    )  # fmt: skip
    subscribed = set(
        MailboxSubscription.objects.filter(status=MailboxSubscription.Status.ACTIVE).values_list(
            "account_id", "extension_id"
        )
    )
    recent = set(
        MailboxSync.objects.filter(~stale).values_list("account_id", "extension_id")
    )  # fmt: skip
    requested = 0
    for account_id, extension_id in sorted(viewed | ((subscribed | _connected()) - recent)):
        if mailbox_sync_request(account_id=account_id, extension_id=extension_id):
            requested += 1
    return requested


def _connected() -> set[tuple[int, int]]:
    """The mailboxes of the working RingCentral sessions: people's own and team mailboxes'."""
    working = RingCentralCredential.objects.filter(status=RingCentralCredential.Status.CONNECTED)
    teams = working.filter(
        user__isnull=True, account_id__isnull=False, extension_id__isnull=False
    ).values_list("account_id", "extension_id")
    people = User.objects.filter(
        is_active=True,
        rc_credential__in=working,
        rc_account_id__isnull=False,
        rc_extension_id__isnull=False,
    ).values_list("rc_account_id", "rc_extension_id")
    return {(int(a), int(e)) for a, e in [*teams, *people] if a is not None and e is not None}


# --------------------------------------------------------------------------- the sync


def sync_window_start(now: datetime) -> datetime:
    """Where an FSync's window starts: the start of the UTC day `SYNC_WINDOW` before `now`,
    where the list's default window starts that day, so the index holds all of it."""
    day = (now - SYNC_WINDOW).astimezone(UTC).date()
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


@dataclass(frozen=True)
class SyncOutcome:
    ran: bool
    full: bool = False
    records: int = 0
    changed: int = 0
    sends: int = 0
    index_seconds: float = 0.0  # of which applying the records to the conversation index


def mailbox_sync(*, account_id: int, extension_id: int, spaced: bool = False) -> SyncOutcome:
    """Sync the mailbox once (see the module's description). Returns what happened; a sync
    that finds another one running, or (`spaced`, as the worker's are) one that started less
    than `SPACING` seconds ago, hands its turn to a new task instead of waiting."""
    lock = _lock_key(account_id, extension_id)
    token = uuid.uuid4().hex
    try:
        got = cache.add(lock, token, LOCK_SECONDS)
    except CACHE_ERRORS:
        got = True  # without a cache, the sync still runs: duplicates are harmless
    if not got:
        mailbox_sync_request(account_id=account_id, extension_id=extension_id, force=True)
        return SyncOutcome(ran=False)
    try:
        try:
            # under the lock, so that no other sync of the mailbox reads the start in between
            if spaced and _spacing_left(account_id, extension_id) > 0:
                mailbox_sync_request(account_id=account_id, extension_id=extension_id, force=True)
                return SyncOutcome(ran=False)
            cache.set(_started_key(account_id, extension_id), time.time(), int(SPACING) + 5)
            # events from now on ask for another sync: this one may not see their changes
            cache.delete(_queued_key(account_id, extension_id))
        except CACHE_ERRORS as exc:
            log.warning("Live cache failed: %s", exc)
        return _sync_locked(account_id, extension_id)
    finally:
        try:
            if cache.get(lock) == token:
                cache.delete(lock)
        except CACHE_ERRORS as exc:
            log.warning("Live cache failed: %s", exc)


def _sync_locked(account_id: int, extension_id: int) -> SyncOutcome:
    state = mailbox_sync_state(account_id=account_id, extension_id=extension_id)
    user = mailbox_user(account_id=account_id, extension_id=extension_id)
    if user is None:
        MailboxSync.objects.filter(pk=state.pk).update(
            last_error="Nobody with a working RingCentral session can read this mailbox."
        )
        # what the index holds stays, marked stale, until a session can read it again
        mailbox_stale_mark(account_id=account_id, extension_id=extension_id)
        return SyncOutcome(ran=False)
    started = timezone.now()
    window_start = sync_window_start(started)
    # a mailbox without a complete index starts with an FSync, which fills it
    token = state.sync_token if state.indexed_at is not None else ""
    try:
        result, full = _sync_call(user, extension_id, token, window_start)
    except ReconnectRequired as exc:
        MailboxSync.objects.filter(pk=state.pk).update(last_error=str(exc))
        mailbox_stale_mark(account_id=account_id, extension_id=extension_id)
        return SyncOutcome(ran=False)
    except RingCentralError as exc:
        log.info("Syncing extension %s failed: %s", extension_id, exc)
        MailboxSync.objects.filter(pk=state.pk).update(
            last_error=f"RingCentral's message sync failed: {exc}"
        )
        raise
    records = _unique(result.records)
    indexed = index_apply(
        account_id=account_id,
        extension_id=extension_id,
        records=records,
        full=full,
        window_start=window_start if full else (state.index_window_start or window_start),
        sync_time=result.sync_time,
    )
    previous: dict[str, str] = {} if full else dict(state.recent_versions or {})
    changed = [m for m in records if previous.get(str(m.id)) != _version(m)]
    sends = sends_apply_records(extension_id=extension_id, records=changed) if changed else 0
    # a customer's name, known from their message, stays once the list shows a reply instead
    party_names_learn(
        account_id=account_id,
        extension_id=extension_id,
        views=(message_view(m) for m in changed),
    )
    now = timezone.now()
    fields: dict[str, Any] = {
        "sync_token": result.sync_token or "",
        "synced_at": now,
        "syncs": F("syncs") + 1,
        "recent_versions": _recent(state.recent_versions if not full else {}, records),
        "last_error": "",
        "stale_since": None,  # a session reads the mailbox again
    }
    if full:
        fields.update(full_synced_at=now, full_syncs=F("full_syncs") + 1)
    if state.event_pending_since is not None:
        fields.update(
            event_pending_since=None,
            lag_seconds=max(0.0, (now - state.event_pending_since).total_seconds()),
        )
    MailboxSync.objects.filter(pk=state.pk).update(**fields)
    if changed or sends or indexed.changed:
        mailbox_cache_drop(account_id=account_id, extension_id=extension_id)
        mailbox_counter_bump(account_id=account_id, extension_id=extension_id)
    log.info(
        "Synced extension %s (%s): %d records, %d changed, %d sends, %.2f s",
        extension_id, "FSync" if full else "ISync", len(records), len(changed), sends,
        (now - started).total_seconds(),
    )  # fmt: skip
    return SyncOutcome(
        ran=True,
        full=full,
        records=len(records),
        changed=len(changed),
        sends=sends,
        index_seconds=indexed.seconds,
    )


def _sync_call(
    user: User | RingCentralCredential, extension_id: int, token: str, window_start: datetime
) -> tuple[SyncResult, bool]:
    """An ISync with `token`; an FSync from `window_start` on without one, or when RingCentral
    refuses it."""
    if token:
        try:
            result = _call(user, extension_id, token, window_start)
            return result, False
        except Rejected as exc:
            if exc.error_code != SYNC_TOKEN_INVALID:
                raise
            log.info("RingCentral refused the sync token of extension %s: full sync", extension_id)
    return _call(user, extension_id, "", window_start), True


def _call(
    user: User | RingCentralCredential, extension_id: int, token: str, window_start: datetime
) -> SyncResult:
    def operation(client: RingCentralClient) -> SyncResult:
        if token:
            return client.sync_messages(
                sync_type="ISync", sync_token=token, extension_id=extension_id
            )
        return client.sync_messages(
            sync_type="FSync", date_from=window_start, extension_id=extension_id
        )

    return ringcentral_call(user, operation)


def _unique(records: tuple[Message, ...]) -> list[Message]:
    """One record per id, the last one RingCentral sent (ISync may repeat records)."""
    by_id: dict[int, Message] = {}
    for message in records:
        by_id[message.id] = message
    return list(by_id.values())


def _version(message: Message) -> str:
    moment: datetime | None = message.last_modified_time or message.creation_time
    return f"{moment.isoformat() if moment else ''}|{message.availability or ''}"


def _recent(previous: dict[str, str] | None, records: list[Message]) -> dict[str, str]:
    """The versions to compare the next ISync with: this sync's records over the earlier
    ones, at most `RECENT_LIMIT` (the newest kept)."""
    merged = dict(previous or {})
    for message in records:
        merged.pop(str(message.id), None)
        merged[str(message.id)] = _version(message)
    if len(merged) > RECENT_LIMIT:
        merged = dict(list(merged.items())[-RECENT_LIMIT:])
    return merged


# --------------------------------------------------------------------------- the counter


def mailbox_counter_bump(*, account_id: int, extension_id: int) -> int:
    """Something in the mailbox changed: its open pages fetch themselves again, told by their
    event stream (the counter published) or, where the stream is down, by their poll."""
    state = mailbox_sync_state(account_id=account_id, extension_id=extension_id)
    MailboxSync.objects.filter(pk=state.pk).update(
        change_counter=F("change_counter") + 1, changed_at=timezone.now()
    )
    value = MailboxSync.objects.filter(pk=state.pk).values_list("change_counter", flat=True).get()
    try:
        cache.set(counter_key(account_id, extension_id), value, COUNTER_TTL)
    except CACHE_ERRORS as exc:
        log.warning("Live cache failed: %s", exc)
    # after the commit: a page told sooner would fetch itself without the change
    transaction.on_commit(
        functools.partial(
            live_counter_publish, account_id=account_id, extension_id=extension_id, counter=value
        )
    )
    return value


def live_channel_prefix() -> str:
    """What every mailbox's channel starts with: the cache's key prefix (instances and tests
    sharing one Redis keep apart by it, as their cache keys do), then `live:`."""
    prefix = str(getattr(cache, "key_prefix", "") or "")
    return f"{prefix}:live:" if prefix else "live:"


def live_channel(account_id: int, extension_id: int) -> str:
    """The Redis pub/sub channel of the mailbox's counter, e.g. `inbox:live:<account>:<ext>`."""
    return f"{live_channel_prefix()}{_mailbox(account_id, extension_id)}"


@functools.cache
def _publisher(url: str) -> redis.Redis:
    # one connection pool per process (redis-py makes a new one in a forked child)
    return redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)


def live_counter_publish(*, account_id: int, extension_id: int, counter: int) -> None:
    """Tell the event streams listening to the mailbox its new counter, when there is Redis.
    Without Redis nothing is sent: the streams read the cached counter themselves. A lost
    message costs only time: the stream's heartbeat, a reconnection or the poll brings the
    page up to date."""
    if not settings.REDIS_URL:
        return
    message = json.dumps({"extension_id": extension_id, "counter": counter})
    try:
        _publisher(settings.REDIS_URL).publish(live_channel(account_id, extension_id), message)
    except redis.RedisError as exc:
        log.warning("Publishing the live counter failed: %s", exc)
