"""Reads of the live inbox: a webhook's subscription, a mailbox's change counter, the
mailboxes a person's event stream follows, and the operations report for admins (with the
rate budget's figures, read from the budget itself). Nothing here calls RingCentral, except
that an admin's stream following another person's mailbox checks it against the account's
directory, as that mailbox's pages do (cached)."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import redis
from django.conf import settings
from django.core.cache import cache
from django.db.models import Count
from django.http import Http404
from django.utils import timezone

import accounts.services
from accounts.models import RingCentralCredential, User
from inbox.cache import CACHE_ERRORS
from inbox.conversations.selectors import Mailbox, mailbox_get_for_user
from inbox.live.sync import COUNTER_TTL, counter_key
from inbox.models import MailboxSubscription, MailboxSync, Send, TeamMailbox
from rcapi import RateBudget, RedisRateBudget, Unavailable
from rcapi.budget import LaneUsage
from rcapi.operations import GROUPS

log = logging.getLogger(__name__)

BROKER_QUEUES = ("ringcentral", "default", "history")


def subscription_for_hook(*, hook_id: uuid.UUID) -> MailboxSubscription | None:
    """The subscription whose webhook address carries `hook_id`, unless it was deleted."""
    return (
        MailboxSubscription.objects.filter(hook_id=hook_id)
        .exclude(status=MailboxSubscription.Status.DELETED)
        .first()
    )


def live_counter_get(*, account_id: int, extension_id: int) -> int:
    """The mailbox's change counter: from the cache, or the database on a miss."""
    key = counter_key(account_id, extension_id)
    try:
        value = cache.get(key)
    except CACHE_ERRORS as exc:
        log.warning("Live cache read failed: %s", exc)
        value = None
    if value is not None:
        return int(value)
    stored = (
        MailboxSync.objects.filter(account_id=account_id, extension_id=extension_id)
        .values_list("change_counter", flat=True)
        .first()
    )
    value = int(stored or 0)
    try:
        cache.add(key, value, COUNTER_TTL)
    except CACHE_ERRORS as exc:
        log.warning("Live cache write failed: %s", exc)
    return value


def live_counters_cached(*, mailboxes: Iterable[tuple[int, int]]) -> dict[int, int]:
    """The counters of the mailboxes ((account id, extension id) pairs) that the cache holds,
    by extension id, in one read: what an open event stream checks every half second, so never
    the database (a mailbox the cache lacks is left out)."""
    keys = {
        counter_key(account_id, extension_id): extension_id
        for account_id, extension_id in mailboxes
    }
    try:
        found = cache.get_many(list(keys))
    except CACHE_ERRORS as exc:
        log.warning("Live cache read failed: %s", exc)
        return {}
    return {keys[key]: int(value) for key, value in found.items() if value is not None}


def live_mailboxes_for_user(
    *, user: User, extension_ids: Iterable[int] = ()
) -> tuple[Mailbox, ...]:
    """The mailboxes whose changes `user`'s open pages follow: their own, the team mailboxes
    they may open (admins: every one of the account), and each of `extension_ids` (the
    mailboxes of the open pages, e.g. another person's an admin reads). Each passes
    `mailbox_get_for_user`; an asked-for one that does not is an Http404 (as its pages are),
    and so is the own mailbox of someone without a RingCentral connection."""
    own = mailbox_get_for_user(user=user, extension_id=user.rc_extension_id or 0)
    found: dict[int, Mailbox] = {own.extension_id: own}
    teams = TeamMailbox.objects.filter(account_id=own.account_id).order_by("name", "pk")
    for extension_id in teams.values_list("extension_id", flat=True):
        try:
            mailbox = mailbox_get_for_user(user=user, extension_id=extension_id)
        except Http404:
            continue  # not a member
        found.setdefault(mailbox.extension_id, mailbox)
    for extension_id in extension_ids:
        if extension_id not in found:
            found[extension_id] = mailbox_get_for_user(user=user, extension_id=extension_id)
    return tuple(found.values())


# --------------------------------------------------------------------------- the ops page


@dataclass(frozen=True)
class LaneFigures:
    """One rate group of one mailbox, as the ops page shows it."""

    group: str
    used: int
    limit: int
    confirmed: bool  # False: the documented default, until RingCentral states the limit
    window: float
    in_flight: int
    headroom_percent: int
    blocked_until: datetime | None
    blocked_for: float | None  # seconds left of a 429 block
    rate_limited: int  # 429 answers in the last hour
    refused: int  # calls the budget held back in the last hour: nothing was sent

    @classmethod
    def of(cls, usage: LaneUsage, *, now: float) -> LaneFigures:
        blocked = usage.blocked_until
        return cls(
            group=usage.group,
            used=usage.used,
            limit=usage.limit,
            confirmed=usage.confirmed,
            window=usage.window,
            in_flight=usage.in_flight,
            headroom_percent=int(usage.headroom * 100),  # rounded down: never flatter
            blocked_until=None if blocked is None else datetime.fromtimestamp(blocked, UTC),
            blocked_for=None if blocked is None else max(blocked - now, 0.0),
            rate_limited=usage.rate_limited,
            refused=usage.refused,
        )


@dataclass(frozen=True)
class MailboxOps:
    extension_id: int
    extension_number: str
    name: str
    subscription: MailboxSubscription | None
    sync: MailboxSync | None
    credential: RingCentralCredential | None
    budget: tuple[LaneFigures, ...] = ()
    team: bool = False  # a team mailbox (its session is the shared extension's own)

    def _age(self, moment: datetime | None) -> float | None:
        return (timezone.now() - moment).total_seconds() if moment else None

    @property
    def last_event_age(self) -> float | None:
        return self._age(self.sync.last_event_at if self.sync else None)

    @property
    def synced_age(self) -> float | None:
        return self._age(self.sync.synced_at if self.sync else None)

    @property
    def waiting_for(self) -> float | None:
        """How long the oldest event not yet followed by a sync has waited."""
        return self._age(self.sync.event_pending_since if self.sync else None)


@dataclass(frozen=True)
class OpsReport:
    mailboxes: tuple[MailboxOps, ...]
    sends_by_status: tuple[tuple[str, int], ...]
    broker_queues: tuple[tuple[str, int], ...] | None
    sync_every: int
    generated_at: datetime
    budget_shared: bool = True  # False: this process's own budget, blind to other processes
    budget_error: str = ""


def ops_report_for_user(*, user: User) -> OpsReport:
    """The admin's account, mailbox by mailbox; Http404 for anyone but an admin."""
    if user.role != User.Role.ADMIN or user.rc_account_id is None:
        raise Http404("No such page.")
    account_id = user.rc_account_id
    people = list(
        User.objects.filter(rc_account_id=account_id, rc_extension_id__isnull=False).order_by(
            "rc_extension_number", "pk"
        )
    )
    credentials = {
        c.user_id: c for c in RingCentralCredential.objects.filter(user__in=people)
    }  # fmt: skip
    syncs = {s.extension_id: s for s in MailboxSync.objects.filter(account_id=account_id)}
    subscriptions: dict[int, MailboxSubscription] = {}
    for row in MailboxSubscription.objects.filter(account_id=account_id).order_by("created_at"):
        subscriptions[row.extension_id] = row  # the newest of each mailbox
    rows = []
    for person in people:
        assert person.rc_extension_id is not None
        rows.append(
            MailboxOps(
                extension_id=person.rc_extension_id,
                extension_number=person.rc_extension_number,
                name=person.get_full_name() or person.username,
                subscription=subscriptions.get(person.rc_extension_id),
                sync=syncs.pop(person.rc_extension_id, None),
                credential=credentials.get(person.pk),
            )
        )
    teams = TeamMailbox.objects.filter(account_id=account_id).select_related("credential")
    for team in teams.order_by("extension_number", "pk"):
        rows.append(
            MailboxOps(
                extension_id=team.extension_id,
                extension_number=team.extension_number,
                name=team.name,
                subscription=subscriptions.get(team.extension_id),
                sync=syncs.pop(team.extension_id, None),
                credential=team.credential,
                team=True,
            )
        )
    for extension_id, sync in sorted(syncs.items()):  # mailboxes followed for an admin
        rows.append(
            MailboxOps(
                extension_id=extension_id,
                extension_number="",
                name=f"Extension {extension_id}",
                subscription=subscriptions.get(extension_id),
                sync=sync,
                credential=None,
            )
        )
    budget = accounts.services.rate_budget()
    budget_error = ""
    try:
        rows = _with_budget_figures(rows, budget=budget)
    except Unavailable:
        budget_error = "The rate budget could not be read: its Redis store does not answer."
    counts = (
        Send.objects.filter(account_id=account_id)
        .values("status")
        .annotate(n=Count("id"))
        .order_by("status")
    )
    labels = dict(Send.Status.choices)
    return OpsReport(
        mailboxes=tuple(rows),
        sends_by_status=tuple((labels.get(c["status"], c["status"]), c["n"]) for c in counts),
        broker_queues=_broker_queues(),
        sync_every=settings.LIVE_SYNC_EVERY,
        generated_at=timezone.now(),
        budget_shared=isinstance(budget, RedisRateBudget),
        budget_error=budget_error,
    )


def _with_budget_figures(rows: list[MailboxOps], *, budget: RateBudget) -> list[MailboxOps]:
    """Each mailbox with its lanes of the rate budget (every group), read in one go from the
    budget itself — no RingCentral call. Raises `Unavailable` when the budget's store is down."""
    lanes = [
        (accounts.services.budget_key(row.extension_id), group) for row in rows for group in GROUPS
    ]
    usages = budget.usages(lanes)
    now = time.time()
    figures = [LaneFigures.of(usage, now=now) for usage in usages]
    size = len(GROUPS)
    return [
        replace(row, budget=tuple(figures[n * size : (n + 1) * size])) for n, row in enumerate(rows)
    ]


def _broker_queues() -> tuple[tuple[str, int], ...] | None:
    """Messages waiting in each queue, when the broker is Redis (a list per queue); None
    with the filesystem transport, where counting means listing a folder."""
    if not settings.REDIS_URL:
        return None
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1)
        try:
            return tuple((name, int(client.llen(name))) for name in BROKER_QUEUES)  # type: ignore[arg-type]
        finally:
            client.close()
    except redis.RedisError as exc:
        log.warning("Could not read the broker's queues: %s", exc)
        return None
