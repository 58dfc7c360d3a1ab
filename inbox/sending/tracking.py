"""Following submitted sends until RingCentral's answer about them is final.

One `listMessages` call per mailbox updates every unfinished send of that mailbox, polling
with backoff while any is unfinished; one chain of tracker tasks per mailbox (a token in the
cache names the live one, so an older scheduled tracker does nothing). How a record moves a
send on is `inbox.sending.status`'s.

A mailbox with a working webhook subscription hears of every status change anyway (RingCentral
notifies the change, the sync that follows moves the send on: `inbox.live.sends`), so its
tracker is only the safety net and polls at most every `TRACK_WITH_WEBHOOK` seconds: the
calls it saves are the mailbox's Light budget, which pages and syncs need (a team of twenty
sharing one extension fills it otherwise).
"""

from __future__ import annotations

import functools
import logging
import time
import uuid
from datetime import timedelta

from django.core.cache import cache
from django.utils import timezone

from accounts.errors import ReconnectRequired
from accounts.services import ringcentral_call
from inbox.cache import mailbox_cache_drop
from inbox.models import MailboxSubscription, Send
from inbox.queueing import task_enqueue
from inbox.ringcentral import session_holder
from inbox.sending.queue import send_task_options
from inbox.sending.status import send_status_apply
from inbox.sending.store import CLOCK_SLACK, outbound_messages_list
from rcapi import RingCentralError
from rcapi.records import Message

log = logging.getLogger(__name__)

SENDS_TRACK_TASK = "inbox.sending.tasks.rc_sends_track"

# Poll after 1 s, then as often as the youngest unfinished send's age, at most every 60 s;
# stop following a send that is still not final after a day (deleted at RingCentral).
TRACK_FIRST = 1.0
TRACK_MAX = 60.0
TRACK_GIVE_UP = timedelta(days=1)
TRACK_PAGES = 20
# A scheduled tracker that has not run this long after its due time is taken as lost.
TRACK_LOST_AFTER = 30.0
# the tracker's pace, at the fastest, while the mailbox's webhook subscription works
TRACK_WITH_WEBHOOK = 15.0


def _webhook_working(extension_id: int) -> bool:
    return MailboxSubscription.objects.filter(
        extension_id=extension_id,
        status=MailboxSubscription.Status.ACTIVE,
        expires_at__gt=timezone.now(),
        last_error="",
    ).exists()


def _tracker_key(extension_id: int) -> str:
    return f"inbox:sends:track:{extension_id}"


def tracker_alive(*, extension_id: int) -> bool:
    """Whether the mailbox has a tracker scheduled that is not overdue (lost)."""
    current = cache.get(_tracker_key(extension_id))
    return bool(current) and float(current["due"]) + TRACK_LOST_AFTER > time.time()


def sends_track_start(*, extension_id: int, delay: float = TRACK_FIRST) -> None:
    """Make sure the mailbox's sends are followed within `delay` seconds: schedule a tracker,
    unless one is due sooner anyway."""
    current = cache.get(_tracker_key(extension_id))
    if current and time.time() < float(current["due"]) <= time.time() + delay:
        return
    _track_schedule(extension_id, delay)


def _track_schedule(extension_id: int, delay: float) -> None:
    """Schedule the mailbox's next tracker; any earlier scheduled one becomes a no-op."""
    if delay < TRACK_WITH_WEBHOOK and _webhook_working(extension_id):
        delay = TRACK_WITH_WEBHOOK
    token = uuid.uuid4().hex
    due = time.time() + delay
    cache.set(
        _tracker_key(extension_id),
        {"token": token, "due": due},
        int(delay + TRACK_LOST_AFTER + 60),
    )
    task_enqueue(
        SENDS_TRACK_TASK,
        args=[extension_id],
        kwargs={"token": token},
        countdown=delay,
        **send_task_options(),
    )


def sends_track(*, extension_id: int, token: str = "") -> None:
    """Update every unfinished send of the mailbox from one `listMessages` call, and come
    back later while any is unfinished. A tracker whose `token` is no longer the mailbox's
    live one does nothing (a newer one was scheduled)."""
    if token:
        current = cache.get(_tracker_key(extension_id))
        if not current or current["token"] != token:
            return
    unfinished = list(
        Send.objects.select_related("owner").filter(
            extension_id=extension_id, status=Send.Status.SUBMITTED, finished_at__isnull=True
        )
    )
    if not unfinished:
        cache.delete(_tracker_key(extension_id))
        return
    try:
        changed = _track_pass(unfinished)
    except ReconnectRequired:
        log.info("Tracking the sends of extension %s waits for its user to sign in again.",
                 extension_id)  # fmt: skip
        changed = False
    except RingCentralError as exc:
        log.info("Tracking the sends of extension %s failed: %s", extension_id, exc)
        changed = False
    if changed:
        first = unfinished[0]
        mailbox_cache_drop(account_id=first.account_id, extension_id=extension_id)
    left = Send.objects.filter(
        extension_id=extension_id, status=Send.Status.SUBMITTED, finished_at__isnull=True
    )
    youngest = left.order_by("-submitted_at").values_list("submitted_at", flat=True).first()
    if youngest is None and not left.exists():
        cache.delete(_tracker_key(extension_id))
        return
    age = (timezone.now() - (youngest or timezone.now())).total_seconds()
    _track_schedule(extension_id, min(max(age, TRACK_FIRST), TRACK_MAX))


def _track_pass(unfinished: list[Send]) -> bool:
    """One look at the mailbox's outbound messages; True when any send changed."""
    newest = max(unfinished, key=lambda s: s.submitted_at or s.created_at)
    owner = session_holder(
        newest.owner, account_id=newest.account_id, extension_id=newest.extension_id
    )
    oldest = min(s.submitted_at or s.created_at for s in unfinished)
    date_from = oldest - CLOCK_SLACK
    wanted = {s.rc_message_id: s for s in unfinished if s.rc_message_id is not None}
    found: dict[int, Message] = {}
    page = 1
    while wanted.keys() - found.keys() and page <= TRACK_PAGES:
        answer = ringcentral_call(
            owner, functools.partial(outbound_messages_list, date_from=date_from, page=page)
        )
        found.update({m.id: m for m in answer.records if m.id in wanted})
        if not answer.has_next:
            break
        page += 1
    now = timezone.now()
    changed = False
    for message_id, send in wanted.items():
        message = found.get(message_id)
        if message is None:
            if send.submitted_at and now - send.submitted_at > TRACK_GIVE_UP:
                Send.objects.filter(pk=send.pk, finished_at__isnull=True).update(finished_at=now)
                changed = True
            continue
        if send_status_apply(send=send, message=message, now=now):
            changed = True
    for send in unfinished:
        if send.rc_message_id is None:  # marked sent by a person: nothing to follow
            Send.objects.filter(pk=send.pk, finished_at__isnull=True).update(finished_at=now)
            changed = True
    return changed
