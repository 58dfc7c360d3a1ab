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
503, a worker that died with `call_started_at` set) is looked for in the message store
(`inbox.sending.store`); found, it is SUBMITTED; not found, a person decides
(`inbox.sending.actions.send_decide`). A claimed send without `call_started_at` never reached
RingCentral and simply goes back to RETRYING.

The rest of sending lives beside this module: `queue` (handing sends to workers), `tracking`
(following submitted sends), `status` (how RingCentral's record moves a send on), `recovery`
(stuck sends), `actions` (retry, cancel, a person's decision).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any, BinaryIO, Literal, TypeVar, cast

from django.db import InterfaceError, OperationalError, close_old_connections
from django.db.models import F, Q
from django.utils import timezone

from accounts.errors import ReconnectRequired
from accounts.services import ringcentral_call
from inbox.cache import mailbox_cache_drop
from inbox.models import Send, SendDocument
from inbox.optout.selectors import sms_refusal
from inbox.ringcentral import session_holder
from inbox.sending.errors import (
    DOCUMENT_MISSING,
    GIVEN_UP,
    NEEDS_REVIEW,
    RECONNECT,
    send_error_sentence,
)
from inbox.sending.queue import send_enqueue
from inbox.sending.status import send_final_fields, send_recipient_statuses
from inbox.sending.store import mailbox_lock, send_store_find
from inbox.sending.tracking import sends_track_start
from rcapi import RateBudget, RateLimited, Rejected, RingCentralClient, RingCentralError
from rcapi.budget import RateAnswer, Slot
from rcapi.errors import Unavailable
from rcapi.media import UploadFile
from rcapi.records import Message

log = logging.getLogger(__name__)

T = TypeVar("T")

# Transient failures: 2 s, doubling, at most 60 s apart (REFERENCE §13.3); after this many
# tries that RingCentral could have answered, the send fails (about 3 minutes in all).
BACKOFF_FIRST = 2.0
BACKOFF_MAX = 60.0
MAX_ATTEMPTS = 8
# A due time this close is taken as due: the task's countdown and the row's clock may differ.
CLAIM_TOLERANCE = timedelta(seconds=1)
# A send in doubt whose look-up fails this often is left to recovery to look for again.
LOOKUP_TRIES = 3
# The database dropped the connection (a restart, a failover): Django keeps the broken one
# until the task ends, so whatever the task still has to write needs a new one first.
CONNECTION_LOST = (OperationalError, InterfaceError)


# --------------------------------------------------------------------------- sending


class _ClaimLost(Exception):
    """Recovery took the send back from this worker (its lease ran out): stop touching it."""


def send_process(*, send_id: int) -> None:
    """Claim send `send_id` and send it; nothing happens when it is not due, or another
    worker has it, or it has moved on."""
    claimed_at = timezone.now()
    try:
        claimed = _send_claim(send_id, claimed_at)
    except CONNECTION_LOST:
        # the claim may have been made before the connection dropped: its moment tells
        close_old_connections()
        claimed = (
            _send_claim(send_id, claimed_at)
            or Send.objects.filter(
                pk=send_id, status=Send.Status.SENDING, claimed_at=claimed_at
            ).exists()
        )
    if not claimed:
        return
    send = _on_new_connection_if_lost(lambda: Send.objects.select_related("owner").get(pk=send_id))
    _send_attempt(send)


def _send_claim(send_id: int, claimed_at: datetime) -> bool:
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
    return bool(claimed)


def _on_new_connection_if_lost(step: Callable[[], T]) -> T:
    """`step`, and once more on a new connection should the database drop the one it ran on
    (for steps that are safe to repeat)."""
    try:
        return step()
    except CONNECTION_LOST:
        log.warning("The database connection dropped; going on with a new one.")
        close_old_connections()
        return step()


def _send_attempt(send: Send) -> None:
    claim = send.claimed_at
    assert claim is not None
    if send.kind == Send.Kind.SMS:
        # a recipient may have texted STOP since the send was queued or scheduled
        refusal = sms_refusal(
            account_id=send.account_id, from_number=send.from_number, recipients=send.recipients
        )
        if refusal is not None:
            _send_fail(send, claim, sentence=refusal)
            return
    started = False

    def mark_started() -> None:
        nonlocal started
        moment = timezone.now()
        if not send_held(send=send, claim=claim).update(call_started_at=moment):
            raise _ClaimLost
        send.call_started_at = moment
        started = True

    try:
        with _opened(send) as uploads:
            holder = session_holder(
                send.owner, account_id=send.account_id, extension_id=send.extension_id
            )
            message = ringcentral_call(
                holder, lambda client: _request(client, send, uploads, mark_started)
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
            send_reconcile(send=send, claim=claim)
        else:
            _send_retry_later(send, claim, delay=_backoff(send.attempts), error=exc)
    except Rejected as exc:
        sentence = send_error_sentence(exc, numbers=[*send.recipients, send.from_number])
        _send_fail(send, claim, sentence=sentence, code=exc.error_code or "")
    except ReconnectRequired:
        _send_fail(send, claim, sentence=RECONNECT)
    except Exception as exc:
        # a fault of ours, the task's time limit, or the database dropping the connection
        # while the slot was marked: unknown whether the request went out
        log.exception("Send %s failed unexpectedly", send.pk)
        if isinstance(exc, CONNECTION_LOST):
            close_old_connections()
        if started:
            send_reconcile(send=send, claim=claim)
        else:
            unknown = Unavailable(f"{type(exc).__name__}", may_have_taken_effect=False)
            _send_retry_later(send, claim, delay=_backoff(send.attempts), error=unknown)
    else:
        # RingCentral's answer is in hand: should the connection drop, it is recorded on a new
        # one, rather than the send looked up in the message store once its lease ends
        _on_new_connection_if_lost(lambda: _send_record_submitted(send, message))


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
        client.budget = cast(RateBudget, _SlotHook(client.budget, mark_started))
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


class _SlotHook:
    """The client's rate budget, running `on_slot` once a slot is taken: the moment the
    request goes out. A failing hook gives the slot back and stops the call.

    It stands in for the budget only where the client uses one (`acquire`, `settle`; anything
    else is the inner budget's), rather than subclassing `RateBudget`, so that the budget's
    own workings stay the budget's."""

    def __init__(self, inner: RateBudget, on_slot: Callable[[], None]) -> None:
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

    def __getattr__(self, name: str) -> Any:
        if name == "_inner":  # not set yet (a copy being made): no recursion
            raise AttributeError(name)
        return getattr(self._inner, name)


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


def send_held(*, send: Send, claim: datetime) -> Any:
    """The send, as long as the claim `claim` on it stands (an UPDATE through it does nothing
    once recovery or another worker took the send)."""
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
    moved = send_held(send=send, claim=claim).update(
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
    send_held(send=send, claim=claim).update(
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
        "recipient_statuses": send_recipient_statuses(send=send, message=message),
    }
    if send.conversation_id is None and message.conversation_id is not None:
        fields["conversation_id"] = message.conversation_id
    fields.update(send_final_fields(send=send, message=message, now=now))
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


# --------------------------------------------------------------------------- in doubt


def send_reconcile(*, send: Send, claim: datetime) -> None:
    """The request may have reached RingCentral: look for it in the message store rather
    than send it again. Found: SUBMITTED. Not there: a person decides. Store unreachable:
    the claim is left to run out, and recovery looks again."""
    for attempt in range(LOOKUP_TRIES):
        try:
            with mailbox_lock(f"reconcile:{send.extension_id}"):
                found = send_store_find(send=send)
                if found is not None:
                    _send_record_submitted(send, found)
                    return
                send_held(send=send, claim=claim).update(
                    status=Send.Status.NEEDS_REVIEW,
                    claimed_at=None,
                    last_error=NEEDS_REVIEW,
                )
                mailbox_cache_drop(account_id=send.account_id, extension_id=send.extension_id)
                return
        except ReconnectRequired:
            send_held(send=send, claim=claim).update(
                status=Send.Status.NEEDS_REVIEW,
                claimed_at=None,
                last_error=f"{NEEDS_REVIEW} {RECONNECT}",
            )
            return
        except RingCentralError as exc:
            log.info("Looking for send %s in the message store failed: %s", send.pk, exc)
            time.sleep(2**attempt)
    log.warning("Send %s stays in doubt until recovery looks again.", send.pk)
