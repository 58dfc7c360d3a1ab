"""Reads of the live inbox: a webhook's subscription, a mailbox's change counter, and the
operations report for admins. Nothing here calls RingCentral."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

import redis
from django.conf import settings
from django.core.cache import cache
from django.db.models import Count
from django.http import Http404
from django.utils import timezone

from accounts.models import RingCentralCredential, User
from inbox.cache import CACHE_ERRORS
from inbox.live_sync import COUNTER_TTL, counter_key
from inbox.models import MailboxSubscription, MailboxSync, Send

log = logging.getLogger(__name__)

BROKER_QUEUES = ("ringcentral", "default")


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


# --------------------------------------------------------------------------- the ops page


@dataclass(frozen=True)
class MailboxOps:
    extension_id: int
    extension_number: str
    name: str
    subscription: MailboxSubscription | None
    sync: MailboxSync | None
    credential: RingCentralCredential | None

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
    )


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
