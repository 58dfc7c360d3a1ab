"""The send pipeline: a queued `Send` row goes to RingCentral exactly once, and is followed
until RingCentral's answer about it is final.

The row is the truth, never the task queue. Tasks only carry a send's id; a task delivered
twice, late, or after the row moved on does nothing, because every step starts with a
conditional UPDATE that only one worker can win:

    QUEUED / RETRYING (due) --claim--> SENDING --RingCentral took it--> SUBMITTED --> final
                                         |--transient failure------> RETRYING (backoff)
                                         |--refused / gave up------> FAILED
                                         '--may have gone out------> looked up in the store:
                                                                     SUBMITTED or NEEDS_REVIEW

Exactly once: RingCentral has no idempotency key, so a request that may have reached it is
never repeated blindly. `call_started_at` is committed once the rate-budget slot is taken, just
before the request goes out. A send whose call may have gone out (a timeout, a 5xx other than
503, a worker that died with `call_started_at` set) is looked for in the message store (same
type, from, recipients and text, sent since a little before the call, an id no other send
holds); found, it is SUBMITTED; not found, a person decides (`send_decide`). A claimed send
without `call_started_at` never reached RingCentral and simply goes back to RETRYING.

Recovery (`sends_recover`, run by Celery beat and when a worker starts) re-enqueues sends that
are overdue (the broker lost their message, or holds it for a dead worker) and takes back
sends whose worker held them longer than `SEND_LEASE_SECONDS`.

Tracking (`sends_track`): one `listMessages` call per mailbox updates every unfinished send of
that mailbox, polling with backoff while any is unfinished; one chain of tracker tasks per
mailbox (a token in the cache names the live one).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any, BinaryIO, Literal, cast

from django.conf import settings
from django.core.cache import cache
from django.core.files import File
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.errors import ReconnectRequired
from accounts.models import User
from accounts.services import ringcentral_call
from inbox.cache import mailbox_cache_drop
from inbox.models import Send, SendDocument
from inbox.send_errors import (
    DOCUMENT_MISSING,
    GIVEN_UP,
    NEEDS_REVIEW,
    RECONNECT,
    delivery_error_sentence,
    send_error_sentence,
)
from inbox.send_requests import Document, send_create_once
from inbox.send_rules import SendInvalid
from inbox.send_selectors import send_get_for_user
from rcapi import RateBudget, RateLimited, Rejected, RingCentralClient, RingCentralError
from rcapi.budget import RateAnswer, Slot
from rcapi.errors import Unavailable
from rcapi.media import UploadFile
from rcapi.records import Message, MessagePage

log = logging.getLogger(__name__)

# Transient failures: 2 s, doubling, at most 60 s apart (REFERENCE §13.3); after this many
# tries that RingCentral could have answered, the send fails (about 3 minutes in all).
BACKOFF_FIRST = 2.0
BACKOFF_MAX = 60.0
MAX_ATTEMPTS = 8
# A due time this close is taken as due: the task's countdown and the row's clock may differ.
CLAIM_TOLERANCE = timedelta(seconds=1)
# Message-store look-ups and tracking start this long before our own timestamps, because
# RingCentral's clock is not ours.
CLOCK_SLACK = timedelta(seconds=60)
LOOKUP_PAGES = 5
PER_PAGE = 100
LOOKUP_TRIES = 3
# Tracking: poll after 1 s, then as often as the youngest unfinished send's age, at most every
# 60 s; stop following a send that is still not final after a day (deleted at RingCentral).
TRACK_FIRST = 1.0
TRACK_MAX = 60.0
TRACK_GIVE_UP = timedelta(days=1)
TRACK_PAGES = 20
# A scheduled tracker that has not run this long after its due time is taken as lost.
TRACK_LOST_AFTER = 30.0

FAILED_RC_STATUSES = frozenset({"SendingFailed", "DeliveryFailed"})
_FINAL_RC_STATUSES: dict[str, frozenset[str]] = {
    Send.Kind.SMS: frozenset({"Delivered", "DeliveryFailed", "SendingFailed"}),
    # a pager message is delivered at once: Sent is its last word
    Send.Kind.PAGER: frozenset({"Sent", "Delivered", "DeliveryFailed", "SendingFailed"}),
    # a fax ends Sent or SendingFailed once no recipient is Queued (REFERENCE §2)
    Send.Kind.FAX: frozenset({"Sent", "SendingFailed", "DeliveryFailed"}),
}
_MESSAGE_TYPES: dict[str, Literal["SMS", "Pager", "Fax"]] = {
    Send.Kind.SMS: "SMS",
    Send.Kind.PAGER: "Pager",
    Send.Kind.FAX: "Fax",
}

Decision = Literal["resend", "mark_sent", "drop"]


# --------------------------------------------------------------------------- enqueueing


def _task_options() -> dict[str, Any]:
    """Where the pipeline's tasks go: `SEND_TASK_QUEUE`, or the routes of config/celery.py."""
    queue = settings.SEND_TASK_QUEUE
    return {"queue": queue, "routing_key": queue, "exchange": queue} if queue else {}


def send_enqueue(*, send_id: int, countdown: float | None = None) -> None:
    """Hand send `send_id` to a worker (after `countdown` seconds). Harmless if repeated: the
    worker claims the row before doing anything."""
    from inbox.tasks import rc_send_process  # the tasks module imports this one

    rc_send_process.apply_async(args=[send_id], countdown=countdown, **_task_options())


def sends_recover_enqueue() -> None:
    from inbox.tasks import sends_recover

    sends_recover.apply_async(**_task_options())


# --------------------------------------------------------------------------- sending


class _ClaimLost(Exception):
    """Recovery took the send back from this worker (its lease ran out): stop touching it."""


def send_process(*, send_id: int) -> None:
    """Claim send `send_id` and send it; nothing happens when it is not due, or another
    worker has it, or it has moved on."""
    claimed_at = timezone.now()
    claimed = (
        Send.objects.filter(pk=send_id, status__in=[Send.Status.QUEUED, Send.Status.RETRYING])
        .filter(
            Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=claimed_at + CLAIM_TOLERANCE)
        )
        .update(
            status=Send.Status.SENDING,
            attempts=F("attempts") + 1,
            claimed_at=claimed_at,
            call_started_at=None,
        )
    )
    if not claimed:
        return
    send = Send.objects.select_related("owner").get(pk=send_id)
    _send_attempt(send)


def _send_attempt(send: Send) -> None:
    claim = send.claimed_at
    assert claim is not None
    started = False

    def mark_started() -> None:
        nonlocal started
        moment = timezone.now()
        if not _held(send, claim).update(call_started_at=moment):
            raise _ClaimLost
        send.call_started_at = moment
        started = True

    try:
        with _opened(send) as uploads:
            message = ringcentral_call(
                send.owner, lambda client: _request(client, send, uploads, mark_started)
            )
    except _ClaimLost:
        log.info("Send %s was taken back by recovery; this worker leaves it.", send.pk)
    except FileNotFoundError:
        _send_fail(send, claim, sentence=DOCUMENT_MISSING)
    except RateLimited as exc:
        # not counted as a try: RingCentral did nothing with it (or it never left)
        _send_retry_later(send, claim, delay=max(exc.retry_after, 1.0), error=exc, counted=False)
    except Unavailable as exc:
        if started and exc.may_have_taken_effect:
            _send_reconcile(send, claim)
        else:
            _send_retry_later(send, claim, delay=_backoff(send.attempts), error=exc)
    except Rejected as exc:
        sentence = send_error_sentence(exc, numbers=[*send.recipients, send.from_number])
        _send_fail(send, claim, sentence=sentence, code=exc.error_code or "")
    except ReconnectRequired:
        _send_fail(send, claim, sentence=RECONNECT)
    except Exception as exc:
        # a fault of ours, or the task's time limit: unknown whether the request went out
        log.exception("Send %s failed unexpectedly", send.pk)
        if started:
            _send_reconcile(send, claim)
        else:
            unknown = Unavailable(f"{type(exc).__name__}", may_have_taken_effect=False)
            _send_retry_later(send, claim, delay=_backoff(send.attempts), error=unknown)
    else:
        _send_record_submitted(send, message)


def _request(
    client: RingCentralClient,
    send: Send,
    uploads: Sequence[tuple[SendDocument, BinaryIO]],
    mark_started: Callable[[], None],
) -> Message:
    """The one request of `send`; `mark_started` runs once its rate-budget slot is taken."""
    if client.budget is None:
        mark_started()
    else:
        client.budget = _SlotHook(client.budget, mark_started)
    files = []
    for document, handle in uploads:
        handle.seek(0)  # a second try after a token refresh reads the files again
        files.append(
            UploadFile(
                file_name=document.name,
                content=handle,
                content_type=document.content_type or "application/octet-stream",
            )
        )
    if send.kind == Send.Kind.SMS:
        return client.send_sms(
            from_number=send.from_number,
            to_numbers=list(send.recipients),
            text=send.text,
            attachments=files,
        )
    if send.kind == Send.Kind.PAGER:
        return client.send_pager(
            text=send.text,
            to_extension_ids=[int(recipient) for recipient in send.recipients],
            reply_on=send.reply_on,
        )
    if send.original_message_id is not None:
        return client.resend_fax(
            original_message_id=send.original_message_id,
            to_numbers=list(send.recipients) or None,
            send_time=send.send_at,
        )
    resolution: Literal["High", "Low"] | None = (
        "High" if send.resolution == "High" else "Low" if send.resolution == "Low" else None
    )
    return client.send_fax(
        to_numbers=list(send.recipients),
        documents=files,
        cover_index=send.cover_index,
        cover_page_text=send.cover_page_text or None,
        resolution=resolution,
        send_time=send.send_at,
    )


class _SlotHook(RateBudget):
    """The client's rate budget, running `on_slot` once a slot is taken: the moment the
    request goes out. A failing hook gives the slot back and stops the call."""

    def __init__(self, inner: RateBudget, on_slot: Callable[[], None]) -> None:
        super().__init__(limits=inner.limits, window=inner.window)
        self._inner = inner
        self._on_slot = on_slot

    def acquire(
        self, key: str, group: str, *, wait: bool = True, timeout: float | None = None
    ) -> Slot:
        slot = self._inner.acquire(key, group, wait=wait, timeout=timeout)
        try:
            self._on_slot()
        except BaseException:
            self._inner.settle(slot, None)
            raise
        return slot

    def settle(self, slot: Slot, answer: RateAnswer | None) -> None:
        self._inner.settle(slot, answer)

    # `acquire` and `settle` hand everything to the inner budget
    def _try_take(self, key: str, group: str, token: str) -> tuple[Slot | None, float]:
        raise NotImplementedError

    def _settle(
        self, slot: Slot, group: str, answer: RateAnswer | None, *, mark_slot: bool = True
    ) -> None:
        raise NotImplementedError

    def _pause(self, key: str, group: str, seconds: float) -> None:
        raise NotImplementedError


@contextlib.contextmanager
def _opened(send: Send) -> Iterator[list[tuple[SendDocument, BinaryIO]]]:
    """The send's documents, opened for reading (not read into memory: a fax can be 50 MB)."""
    opened: list[tuple[SendDocument, BinaryIO]] = []
    try:
        for document in send.documents.order_by("position"):
            handle = cast(BinaryIO, document.file.storage.open(document.file.name or "", "rb"))
            opened.append((document, handle))
        yield opened
    finally:
        for _, handle in opened:
            handle.close()


def _held(send: Send, claim: datetime) -> Any:
    """The send, as long as this worker's claim on it stands."""
    return Send.objects.filter(pk=send.pk, status=Send.Status.SENDING, claimed_at=claim)


def _backoff(attempts: int) -> float:
    return min(BACKOFF_FIRST * 2.0 ** max(attempts - 1, 0), BACKOFF_MAX)


def _send_retry_later(
    send: Send,
    claim: datetime,
    *,
    delay: float,
    error: RingCentralError,
    counted: bool = True,
) -> None:
    if counted and send.attempts >= MAX_ATTEMPTS:
        log.warning("Send %s gave up after %s tries: %s", send.pk, send.attempts, error)
        _send_fail(send, claim, sentence=GIVEN_UP, code=error.error_code or "")
        return
    moved = _held(send, claim).update(
        status=Send.Status.RETRYING,
        attempts=F("attempts") if counted else F("attempts") - 1,
        next_attempt_at=timezone.now() + timedelta(seconds=delay),
        claimed_at=None,
        call_started_at=None,
        last_error=send_error_sentence(error),
    )
    if moved:
        log.info("Send %s will be tried again in %.1f s: %s", send.pk, delay, error)
        send_enqueue(send_id=send.pk, countdown=delay)


def _send_fail(send: Send, claim: datetime, *, sentence: str, code: str = "") -> None:
    now = timezone.now()
    _held(send, claim).update(
        status=Send.Status.FAILED, error_code=code, last_error=sentence, finished_at=now
    )


def _send_record_submitted(send: Send, message: Message) -> None:
    """RingCentral holds the message: the answer is the truth, whoever holds the row now
    (only a row that already knows its message is left alone)."""
    now = timezone.now()
    status = message.message_status or "Queued"
    fields: dict[str, Any] = {
        "status": Send.Status.SUBMITTED,
        "rc_message_id": message.id,
        "rc_status": status,
        "submitted_at": now,
        "claimed_at": None,
        "error_code": "",
        "last_error": "",
        "recipient_statuses": _recipient_statuses(send, message),
    }
    if send.conversation_id is None and message.conversation_id is not None:
        fields["conversation_id"] = message.conversation_id
    fields.update(_final_fields(send, message, now))
    recorded = (
        Send.objects.filter(pk=send.pk, rc_message_id__isnull=True)
        .exclude(status=Send.Status.SUBMITTED)
        .update(**fields)
    )
    if not recorded:
        return
    mailbox_cache_drop(account_id=send.account_id, extension_id=send.extension_id)
    if fields.get("finished_at") is None:
        sends_track_start(extension_id=send.extension_id)


def _recipient_statuses(send: Send, message: Message) -> dict[str, str]:
    if send.kind != Send.Kind.FAX:
        return {}
    return {
        party.phone_number: party.message_status or message.message_status or "Queued"
        for party in message.to
        if party.phone_number
    }


def _final_fields(send: Send, message: Message, now: datetime) -> dict[str, Any]:
    """`finished_at`, and what went wrong, once `message`'s status is final for its kind."""
    status = message.message_status or ""
    if send.kind == Send.Kind.FAX and any(party.message_status == "Queued" for party in message.to):
        return {}
    if status not in _FINAL_RC_STATUSES[send.kind]:
        return {}
    fields: dict[str, Any] = {"finished_at": now}
    code = message.delivery_error_code
    if send.kind == Send.Kind.FAX:
        failed = [party for party in message.to if party.message_status in FAILED_RC_STATUSES]
        if failed:
            code = failed[0].fax_error_code
            sentences = [
                f"{party.phone_number}: {delivery_error_sentence(party.fax_error_code)}"
                for party in failed
            ]
            fields["error_code"] = code or ""
            fields["last_error"] = " ".join(sentences)
            return fields
    if status in FAILED_RC_STATUSES:
        fields["error_code"] = code or ""
        fields["last_error"] = delivery_error_sentence(code)
    return fields


# --------------------------------------------------------------------------- in doubt


def _send_reconcile(send: Send, claim: datetime) -> None:
    """The request may have reached RingCentral: look for it in the message store rather
    than send it again. Found: SUBMITTED. Not there: a person decides. Store unreachable:
    the claim is left to run out, and recovery looks again."""
    for attempt in range(LOOKUP_TRIES):
        try:
            with _mailbox_lock(f"reconcile:{send.extension_id}"):
                found = _store_lookup(send)
                if found is not None:
                    _send_record_submitted(send, found)
                    return
                _held(send, claim).update(
                    status=Send.Status.NEEDS_REVIEW,
                    claimed_at=None,
                    last_error=NEEDS_REVIEW,
                )
                mailbox_cache_drop(account_id=send.account_id, extension_id=send.extension_id)
                return
        except ReconnectRequired:
            _held(send, claim).update(
                status=Send.Status.NEEDS_REVIEW,
                claimed_at=None,
                last_error=f"{NEEDS_REVIEW} {RECONNECT}",
            )
            return
        except RingCentralError as exc:
            log.info("Looking for send %s in the message store failed: %s", send.pk, exc)
            time.sleep(2**attempt)
    log.warning("Send %s stays in doubt until recovery looks again.", send.pk)


def _store_lookup(send: Send) -> Message | None:
    """The outbound message of the store that is `send`, if any."""
    started = send.call_started_at or send.claimed_at or send.created_at
    date_from = started - CLOCK_SLACK
    message_type = _MESSAGE_TYPES[send.kind]
    candidates: list[Message] = []
    page = 1
    while page <= LOOKUP_PAGES:
        answer = ringcentral_call(
            send.owner,
            functools.partial(
                _list_outbound, message_type=[message_type], date_from=date_from, page=page
            ),
        )
        candidates += [message for message in answer.records if _is_same(send, message)]
        if not answer.has_next:
            break
        page += 1
    held = set(
        Send.objects.filter(rc_message_id__in=[m.id for m in candidates])
        .exclude(pk=send.pk)
        .values_list("rc_message_id", flat=True)
    )
    free = [message for message in candidates if message.id not in held]
    if not free:
        return None
    # the list is newest first; the oldest free match is the one this send made
    return sorted(free, key=lambda m: (m.creation_time or timezone.now(), m.id))[0]


def _is_same(send: Send, message: Message) -> bool:
    if send.kind == Send.Kind.SMS:
        sender = message.from_.phone_number if message.from_ else None
        recipients = sorted(p.phone_number or "" for p in message.to)
        return (
            sender == send.from_number
            and recipients == sorted(send.recipients)
            and (message.subject or "") == send.text
        )
    if send.kind == Send.Kind.PAGER:
        # RingCentral lists the sender among the recipients of a pager message
        listed = {str(p.extension_id) for p in message.to if p.extension_id is not None}
        return (message.subject or "") == send.text and set(send.recipients) <= listed
    recipients = sorted(p.phone_number or "" for p in message.to)
    return not send.recipients or recipients == sorted(send.recipients)


def _list_outbound(
    client: RingCentralClient,
    *,
    date_from: datetime,
    page: int,
    message_type: Sequence[Literal["SMS", "Pager", "Fax"]] = (),
) -> MessagePage:
    return client.list_messages(
        direction=["Outbound"],
        message_type=message_type,
        date_from=date_from,
        page=page,
        per_page=PER_PAGE,
    )


@contextlib.contextmanager
def _mailbox_lock(name: str, *, wait: float = 30.0, hold: int = 90) -> Iterator[None]:
    """A best-effort lock in the cache (atomic with Redis): two look-ups of one mailbox must
    not both claim the same message. Past `wait`, go on without it."""
    key = f"inbox:sends:{name}"
    token = uuid.uuid4().hex
    deadline = time.monotonic() + wait
    got = cache.add(key, token, hold)
    while not got and time.monotonic() < deadline:
        time.sleep(0.2)
        got = cache.add(key, token, hold)
    try:
        yield
    finally:
        if got and cache.get(key) == token:
            cache.delete(key)


# --------------------------------------------------------------------------- recovery


def sends_recover() -> int:
    """Bring stuck sends back; the number of sends touched.

    * QUEUED / RETRYING overdue by `SEND_OVERDUE_SECONDS`: enqueued again (a duplicate task
      is harmless: the claim lets one through).
    * SENDING claimed longer than `SEND_LEASE_SECONDS` ago: without `call_started_at` the
      request never went out, so back to RETRYING; with it, looked up in the message store.
    * mailboxes with unfinished SUBMITTED sends and no live tracker: a tracker is started.
    """
    now = timezone.now()
    touched = 0
    overdue = now - timedelta(seconds=settings.SEND_OVERDUE_SECONDS)
    stuck = Send.objects.filter(status__in=[Send.Status.QUEUED, Send.Status.RETRYING]).filter(
        Q(next_attempt_at__lte=overdue) | Q(next_attempt_at__isnull=True, created_at__lte=overdue)
    )
    for send_id in stuck.values_list("id", flat=True):
        send_enqueue(send_id=send_id)
        touched += 1

    lease_end = now - timedelta(seconds=settings.SEND_LEASE_SECONDS)
    for send in Send.objects.filter(status=Send.Status.SENDING, claimed_at__lte=lease_end):
        claim = send.claimed_at
        assert claim is not None
        if send.call_started_at is None:
            moved = _held(send, claim).update(
                status=Send.Status.RETRYING, next_attempt_at=now, claimed_at=None
            )
            if moved:
                send_enqueue(send_id=send.pk)
                touched += 1
            continue
        # take the claim over, so that the dead worker (should it wake up) leaves it alone
        if _held(send, claim).update(claimed_at=now):
            send.claimed_at = now
            log.warning("Send %s lost its worker after its call started; looking it up.", send.pk)
            _send_reconcile(send, now)
            touched += 1

    unfinished = Send.objects.filter(status=Send.Status.SUBMITTED, finished_at__isnull=True)
    for extension_id in unfinished.values_list("extension_id", flat=True).distinct():
        if not _tracker_alive(extension_id):
            sends_track_start(extension_id=extension_id)
    return touched


# --------------------------------------------------------------------------- tracking


def _tracker_key(extension_id: int) -> str:
    return f"inbox:sends:track:{extension_id}"


def _tracker_alive(extension_id: int) -> bool:
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
    from inbox.tasks import rc_sends_track

    token = uuid.uuid4().hex
    due = time.time() + delay
    cache.set(
        _tracker_key(extension_id),
        {"token": token, "due": due},
        int(delay + TRACK_LOST_AFTER + 60),
    )
    rc_sends_track.apply_async(
        args=[extension_id], kwargs={"token": token}, countdown=delay, **_task_options()
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
    owner: User = max(unfinished, key=lambda s: s.submitted_at or s.created_at).owner
    oldest = min(s.submitted_at or s.created_at for s in unfinished)
    date_from = oldest - CLOCK_SLACK
    wanted = {s.rc_message_id: s for s in unfinished if s.rc_message_id is not None}
    found: dict[int, Message] = {}
    page = 1
    while wanted.keys() - found.keys() and page <= TRACK_PAGES:
        answer = ringcentral_call(
            owner, functools.partial(_list_outbound, date_from=date_from, page=page)
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
        fields: dict[str, Any] = {
            "rc_status": message.message_status or send.rc_status,
            "recipient_statuses": _recipient_statuses(send, message) or send.recipient_statuses,
        }
        fields.update(_final_fields(send, message, now))
        if any(getattr(send, name) != value for name, value in fields.items()):
            Send.objects.filter(pk=send.pk, finished_at__isnull=True).update(**fields)
            changed = True
    for send in unfinished:
        if send.rc_message_id is None:  # marked sent by a person: nothing to follow
            Send.objects.filter(pk=send.pk, finished_at__isnull=True).update(finished_at=now)
            changed = True
    return changed


# --------------------------------------------------------------------------- people's actions


def send_retry(*, user: User, send_id: int, idempotency_key: uuid.UUID) -> Send:
    """A new send with the content of failed send `send_id`, linked to it by `retry_of`.

    SMS and pager: the same sender, recipients, text and files (copied). A fax RingCentral
    already holds is resent from there (`originalMessageId`, nothing uploaded again); one it
    never got is sent again with its documents."""
    send = send_get_for_user(user=user, send_id=send_id)
    if send.owner_id != user.pk:
        raise SendInvalid("Only the person who sent this message can retry it.", field="__all__")
    failed_at_ringcentral = (
        send.status == Send.Status.SUBMITTED and send.rc_status in FAILED_RC_STATUSES
    )
    if send.status not in (Send.Status.FAILED, Send.Status.NEEDS_REVIEW) and not (
        failed_at_ringcentral
    ):
        raise SendInvalid(
            "Only a message that failed can be retried; this one has not failed.",
            field="__all__",
        )
    fields: dict[str, Any] = {
        "from_number": send.from_number,
        "recipients": list(send.recipients),
        "text": send.text,
        "conversation_id": send.conversation_id,
        "reply_on": send.reply_on,
        "retry_of": send,
    }
    copy_documents = True
    if send.kind == Send.Kind.FAX:
        fields.update(
            cover_index=send.cover_index,
            cover_page_text=send.cover_page_text,
            resolution=send.resolution,
            original_message_id=send.original_message_id,
        )
        if send.rc_message_id is not None:
            fields["original_message_id"] = send.rc_message_id
            copy_documents = False
    with contextlib.ExitStack() as stack:
        documents = []
        if copy_documents:
            for document in send.documents.order_by("position"):
                try:
                    handle = stack.enter_context(
                        document.file.storage.open(document.file.name or "", "rb")
                    )
                except FileNotFoundError:
                    raise SendInvalid(DOCUMENT_MISSING, field="__all__") from None
                documents.append(
                    Document(
                        file=File(handle, name=document.name),
                        name=document.name,
                        content_type=document.content_type,
                        size=document.size,
                    )
                )
        retry, _ = send_create_once(
            user=user,
            kind=Send.Kind(send.kind),
            idempotency_key=idempotency_key,
            fields=fields,
            documents=documents,
        )
    return retry


def send_cancel(*, user: User, send_id: int) -> Send:
    """Stop a send that has not gone out: a queued one here, or a fax RingCentral holds for
    its scheduled time (deleted there first)."""
    send = send_get_for_user(user=user, send_id=send_id)
    if send.owner_id != user.pk:
        raise SendInvalid("Only the person who sent this message can cancel it.", field="__all__")
    now = timezone.now()
    if send.status in (Send.Status.QUEUED, Send.Status.RETRYING):
        cancelled = Send.objects.filter(
            pk=send.pk, status__in=[Send.Status.QUEUED, Send.Status.RETRYING]
        ).update(status=Send.Status.CANCELLED, finished_at=now, next_attempt_at=None)
        if not cancelled:
            raise SendInvalid(
                "This message is being sent right now and can no longer be cancelled.",
                field="__all__",
            )
    elif (
        send.kind == Send.Kind.FAX
        and send.status == Send.Status.SUBMITTED
        and send.rc_status == "Queued"
        and send.rc_message_id is not None
        and send.send_at is not None
        and send.send_at > now
    ):
        message_id = send.rc_message_id
        try:
            ringcentral_call(
                send.owner, lambda client: client.delete_messages(message_ids=message_id)
            )
        except ReconnectRequired:
            raise SendInvalid(RECONNECT, field="__all__") from None
        except RingCentralError as exc:
            raise SendInvalid(
                "RingCentral did not cancel the scheduled fax: "
                + send_error_sentence(exc)[0].lower()
                + send_error_sentence(exc)[1:],
                field="__all__",
            ) from None
        Send.objects.filter(pk=send.pk, status=Send.Status.SUBMITTED).update(
            status=Send.Status.CANCELLED, finished_at=now
        )
    elif send.status == Send.Status.SENDING:
        raise SendInvalid(
            "This message is being sent right now and can no longer be cancelled.",
            field="__all__",
        )
    else:
        raise SendInvalid("This message has already gone out; it cannot be cancelled.",
                          field="__all__")  # fmt: skip
    mailbox_cache_drop(account_id=send.account_id, extension_id=send.extension_id)
    send.refresh_from_db()
    return send


def send_decide(*, user: User, send_id: int, action: Decision) -> Send:
    """A person's decision about a send that may have gone out (NEEDS_REVIEW): send it again,
    count it as sent, or drop it."""
    send = send_get_for_user(user=user, send_id=send_id)
    if send.owner_id != user.pk:
        raise SendInvalid("Only the person who sent this message can decide.", field="__all__")
    now = timezone.now()
    pending = Send.objects.filter(pk=send.pk, status=Send.Status.NEEDS_REVIEW)
    if action == "resend":
        with transaction.atomic():
            decided = pending.update(
                status=Send.Status.QUEUED,
                attempts=0,
                next_attempt_at=None,
                claimed_at=None,
                call_started_at=None,
                last_error="",
            )
            if decided:
                transaction.on_commit(lambda: send_enqueue(send_id=send.pk))
    elif action == "mark_sent":
        decided = pending.update(
            status=Send.Status.SUBMITTED,
            rc_status="Sent",
            submitted_at=now,
            finished_at=now,
            last_error=f"Marked as sent by {user.get_full_name() or user.get_username()}.",
        )
    elif action == "drop":
        decided = pending.update(
            status=Send.Status.CANCELLED,
            finished_at=now,
            last_error=f"Not sent: dropped by {user.get_full_name() or user.get_username()}.",
        )
    else:
        raise SendInvalid(f"Unknown decision “{action}”.", field="action")
    if not decided:
        raise SendInvalid("This message no longer waits for a decision.", field="__all__")
    mailbox_cache_drop(account_id=send.account_id, extension_id=send.extension_id)
    send.refresh_from_db()
    return send
