"""Admins' bulk deletion: a job is previewed, confirmed with the typed count, then run by a
worker; later it may be restored or purged. Every action that ends writes one audit entry.

How a run works (`bulk_job_run`, called by the `rc_bulk_job_run` task with the job's id):

* The job row is claimed with a conditional update that names this run (`runner`) and dates
  a heartbeat; a job whose heartbeat is older than `LEASE` belonged to a worker that died, and
  the next run takes it over. Each run works for at most `SLICE` seconds, then hands the job
  to a fresh task, so no task meets Celery's time limit however large the job is.
* The items are the truth. A chunk of pending items is claimed (`pending → claimed`) before
  its request goes out and settled (`done`/`failed`) when the answer is in. Claimed items
  found by a later run were in flight when a worker died: for a delete they are checked
  against RingCentral (a second delete would purge them) and settled by what it shows; a
  restore or purge is safe to send again.
* Delete and purge: `DeleteMessagesByFilter` with at most 50 `conversationId`s (never without
  them: `rcapi` refuses that). Restore: the conversations' deleted messages are looked up
  (Light calls, a thousand messages each), then `PATCH availability=Alive` 50 ids a call.
* Every call goes through `ringcentral_call` and so through the shared rate budget; before
  each Medium call the job waits (up to `SEND_YIELD_MAX` seconds) while interactive sends of
  the mailbox are waiting, so people sending messages go first.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.db import InterfaceError, OperationalError, close_old_connections, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from accounts.errors import ReconnectRequired
from accounts.models import User
from accounts.services import ringcentral_call
from inbox.bulk.selectors import LIST_PAGE, NumberPartTooFarBack, Selection, bulk_selection_read
from inbox.cache import mailbox_cache_drop
from inbox.conversations.queries import ConversationQuery
from inbox.conversations.selectors import Mailbox
from inbox.models import AuditEntry, BulkDeleteItem, BulkDeleteJob
from inbox.queueing import task_enqueue
from inbox.ringcentral import HISTORY_START, session_holder
from inbox.sending.selectors import sends_waiting
from rcapi import RateLimited, Rejected, RingCentralClient, RingCentralError
from rcapi.bulk import BULK_LIMIT

log = logging.getLogger(__name__)

BULK_JOB_RUN_TASK = "inbox.bulk.tasks.rc_bulk_job_run"

T = TypeVar("T")

CHUNK = 50  # conversation ids a DeleteMessagesByFilter takes (REFERENCE §6.3)
LEASE = timedelta(seconds=90)  # a heartbeat older than this: the worker running the job died
SLICE = 40.0  # seconds a task works before handing the job to the next one
SEND_YIELD_MAX = 5.0  # seconds a chunk waits at most for interactive sends
SEND_YIELD_POLL = 0.2
MAX_ATTEMPTS = 3  # per conversation, for RingCentral not answering
RECONNECT_WAIT = 1.0  # seconds before a run cut off by a dropped database connection goes on

Status = BulkDeleteJob.Status
Action = BulkDeleteJob.Action
State = BulkDeleteItem.State


class BulkError(Exception):
    """A bulk request that cannot be done as asked; `message` is a sentence for the admin."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --------------------------------------------------------------------------- requests


def _selection_job(
    *, user: User, mailbox: Mailbox, ip_address: str | None, selection: Selection, **fields: Any
) -> BulkDeleteJob:
    with transaction.atomic():
        job = BulkDeleteJob.objects.create(
            owner=user,
            actor=user,
            actor_ip=ip_address,
            account_id=mailbox.account_id,
            extension_id=mailbox.extension_id,
            mailbox_label=mailbox.label[:255],
            conversation_count=len(selection.conversations),
            message_count=selection.message_count,
            first_message_at=selection.first,
            last_message_at=selection.last,
            types=sorted(selection.types),
            skipped_count=selection.skipped,
            **fields,
        )
        BulkDeleteItem.objects.bulk_create(
            [
                BulkDeleteItem(
                    job=job,
                    position=n,
                    conversation_id=c.conversation_id,
                    message_count=c.message_count,
                    party=c.party,
                )
                for n, c in enumerate(selection.conversations)
            ],
            batch_size=500,
        )
    return job


def bulk_job_preview(
    *,
    user: User,
    mailbox: Mailbox,
    ip_address: str | None,
    query: ConversationQuery | None = None,
    conversation_ids: Sequence[int] = (),
) -> BulkDeleteJob:
    """A job, waiting for confirmation, for the conversations of `mailbox` that match `query`
    (every page) or the ticked `conversation_ids`, counted through RingCentral now."""
    if query is None and not conversation_ids:
        raise BulkError("Select at least one conversation, or all conversations of the filter.")
    try:
        selection = bulk_selection_read(
            user=user, mailbox=mailbox, query=query, conversation_ids=conversation_ids
        )
    except NumberPartTooFarBack:
        raise BulkError(
            "Part of a number cannot be looked up this far back: enter the whole number, "
            "or choose later dates."
        ) from None
    if not selection.conversations:
        raise BulkError("No conversations match this selection any more: nothing to delete.")
    filters = query.as_params(page=1) if query is not None else {}
    return _selection_job(
        user=user,
        mailbox=mailbox,
        ip_address=ip_address,
        selection=selection,
        filters=filters,
        selected_ids=[str(i) for i in conversation_ids],
    )


def _typed_count_check(job: BulkDeleteJob, typed: str) -> None:
    expected = job.conversation_count
    if typed.strip().replace(",", "") != str(expected):
        raise BulkError(
            f"The number you typed does not match: type {expected} to confirm the "
            f"{expected} conversations."
        )


def _start(job: BulkDeleteJob, *, user: User, ip_address: str | None, **fields: Any) -> None:
    """Queue the job's (new) action; enqueued once the transaction commits."""
    job.actor, job.actor_ip = user, ip_address
    job.status = Status.QUEUED
    job.done_count = job.failed_count = 0
    job.last_error = ""
    job.started_at = job.finished_at = job.heartbeat_at = None
    job.runner = ""
    job.prepared = False
    for name, value in fields.items():
        setattr(job, name, value)
    job.save()
    job.items.update(state=State.PENDING, attempts=0, error="")
    job_id = job.id
    transaction.on_commit(lambda: bulk_task_send(job_id=job_id))


@transaction.atomic
def bulk_job_confirm(
    *, user: User, job: BulkDeleteJob, typed_count: str, purge: bool, ip_address: str | None
) -> BulkDeleteJob:
    """Start deleting (or, with `purge`, purging) after the admin typed the count."""
    job = BulkDeleteJob.objects.select_for_update().get(pk=job.pk)
    if job.status != Status.PREVIEWED:
        raise BulkError("This bulk delete was already confirmed.")
    _typed_count_check(job, typed_count)
    action = Action.PURGE if purge else Action.DELETE
    _start(job, user=user, ip_address=ip_address, action=action, purge=purge)
    return job


@transaction.atomic
def bulk_job_cancel(*, user: User, job: BulkDeleteJob) -> BulkDeleteJob:
    """Ask the running action to stop after the request in flight; a queued one stops now."""
    job = BulkDeleteJob.objects.select_for_update().get(pk=job.pk)
    if job.status not in (Status.QUEUED, Status.RUNNING):
        raise BulkError("This bulk job is not running, so there is nothing to cancel.")
    job.status = Status.CANCELLING
    job.save(update_fields=["status", "updated_at"])
    # a worker that is not there (queued, or died) would never see the request: the next
    # run settles it, and one is sent now in case none is coming
    transaction.on_commit(lambda: bulk_task_send(job_id=job.id))
    return job


@transaction.atomic
def bulk_job_restore(*, user: User, job: BulkDeleteJob, ip_address: str | None) -> BulkDeleteJob:
    """Bring the deleted conversations back (until they are purged)."""
    job = BulkDeleteJob.objects.select_for_update().get(pk=job.pk)
    if not bulk_job_can_restore(job):
        raise BulkError(
            "Only a finished delete can be restored; purged conversations cannot come back."
        )
    job.items.update(message_ids=[])
    _start(job, user=user, ip_address=ip_address, action=Action.RESTORE)
    return job


@transaction.atomic
def bulk_job_purge(
    *, user: User, job: BulkDeleteJob, typed_count: str, ip_address: str | None
) -> BulkDeleteJob:
    """Purge the deleted conversations for good, after the admin typed the count again."""
    job = BulkDeleteJob.objects.select_for_update().get(pk=job.pk)
    if not bulk_job_can_purge(job):
        raise BulkError("Only a finished delete or restore can be purged.")
    _typed_count_check(job, typed_count)
    _start(job, user=user, ip_address=ip_address, action=Action.PURGE)
    return job


def _ended(job: BulkDeleteJob) -> bool:
    return job.status in (Status.DONE, Status.CANCELLED, Status.FAILED)


def bulk_job_can_restore(job: BulkDeleteJob) -> bool:
    return job.action == Action.DELETE and _ended(job) and job.purged_at is None


def bulk_job_can_purge(job: BulkDeleteJob) -> bool:
    """Deleted or restored conversations may be purged (with a typed confirmation)."""
    return job.action != Action.PURGE and _ended(job) and job.purged_at is None


def bulk_job_revive(*, job: BulkDeleteJob) -> bool:
    """Send a new task for an unfinished job whose worker stopped beating (database and
    broker only, no RingCentral call). True when one was sent."""
    stale = timezone.now() - LEASE
    if job.status not in BulkDeleteJob.UNFINISHED:
        return False
    if job.heartbeat_at is not None and job.heartbeat_at > stale:
        return False
    if job.status == Status.QUEUED and job.updated_at > stale:
        return False  # just queued: its task is on the way
    bulk_task_send(job_id=job.id)
    return True


def _task_options() -> dict[str, Any]:
    """Where the job's tasks go, its own follow-ups included: `SEND_TASK_QUEUE` like the send
    pipeline's tasks (tests point it at their worker), or else the routes of config/celery.py
    (the `ringcentral` queue)."""
    queue = settings.SEND_TASK_QUEUE
    return {"queue": queue, "routing_key": queue, "exchange": queue} if queue else {}


def bulk_task_send(*, job_id: int, countdown: float | None = None) -> None:
    """Hand the job to a worker, now or after `countdown` s."""
    task_enqueue(BULK_JOB_RUN_TASK, args=[job_id], countdown=countdown, **_task_options())


# --------------------------------------------------------------------------- running


class _Stop(Exception):
    """The run must end now: the job was taken over, or it failed as a whole."""


class _Run:
    """One task's turn at a job."""

    def __init__(self, job: BulkDeleteJob, runner: str) -> None:
        self.job = job
        self.runner = runner
        self.started = time.monotonic()
        assert job.actor is not None
        self.actor: User = job.actor
        self.solo: set[int] = set()  # items RingCentral refused in a chunk: sent alone now

    # ------------------------------------------------------------- bookkeeping

    def beat(self) -> str:
        """Date the heartbeat; the job's status now. `_Stop` if another run has it."""
        updated = BulkDeleteJob.objects.filter(id=self.job.id, runner=self.runner).update(
            heartbeat_at=timezone.now()
        )
        if not updated:
            raise _Stop
        status: str = BulkDeleteJob.objects.values_list("status", flat=True).get(id=self.job.id)
        return status

    def settle(self, items: Sequence[BulkDeleteItem], state: str, error: str = "") -> None:
        if not items:
            return
        ids = [item.id for item in items]
        with transaction.atomic():
            changed = BulkDeleteItem.objects.filter(id__in=ids, state=State.CLAIMED).update(
                state=state, error=error
            )
            counters: dict[str, str] = {State.DONE: "done_count", State.FAILED: "failed_count"}
            counter = counters.get(state)
            if counter and changed:
                BulkDeleteJob.objects.filter(id=self.job.id).update(
                    **{counter: F(counter) + changed}, heartbeat_at=timezone.now()
                )

    def release(self, items: Sequence[BulkDeleteItem]) -> None:
        """Back to pending: nothing was done for them."""
        self.settle(items, State.PENDING)

    def claim(self, limit: int, ids_budget: int | None = None) -> list[BulkDeleteItem]:
        pending = self.job.items.filter(state=State.PENDING).order_by("position")
        solo = pending.filter(id__in=self.solo).first() if self.solo else None
        if solo is not None:
            chosen = [solo]
        elif ids_budget is None:
            chosen = list(pending.exclude(id__in=self.solo)[:limit])
        else:
            chosen, used = [], 0
            for item in pending.exclude(id__in=self.solo)[:limit]:
                size = max(len(item.message_ids), 1)
                if chosen and used + size > ids_budget:
                    break
                chosen.append(item)
                used += size
        ids = [item.id for item in chosen]
        BulkDeleteItem.objects.filter(id__in=ids, state=State.PENDING).update(
            state=State.CLAIMED, attempts=F("attempts") + 1
        )
        claimed = set(
            BulkDeleteItem.objects.filter(id__in=ids, state=State.CLAIMED).values_list(
                "id", flat=True
            )
        )
        return [item for item in chosen if item.id in claimed]

    # ------------------------------------------------------------- RingCentral

    def wait_for_sends(self) -> None:
        """Interactive sends go first. The rate budget is counted per calling user, and the
        job calls as the admin who started it, so the admin's own sends are the ones that
        compete with it for slots; the mailbox's own sends are waited for too, since its
        owner expects them out while their mailbox is being cleaned."""
        mailboxes = {self.job.extension_id}
        if self.actor.rc_extension_id is not None:
            mailboxes.add(self.actor.rc_extension_id)
        deadline = time.monotonic() + SEND_YIELD_MAX
        while time.monotonic() < deadline and any(
            sends_waiting(extension_id=mailbox) for mailbox in mailboxes
        ):
            time.sleep(SEND_YIELD_POLL)

    def call(self, operation: Callable[[RingCentralClient], T]) -> T:
        try:
            holder = session_holder(
                self.actor, account_id=self.job.account_id, extension_id=self.job.extension_id
            )
            return ringcentral_call(holder, operation)
        except ReconnectRequired:
            self.fail_job(
                f"{self.actor.get_full_name() or self.actor.username}'s RingCentral session "
                "has ended. Reconnect to RingCentral, then start the action again."
            )
            raise _Stop from None

    def fail_job(self, sentence: str) -> None:
        BulkDeleteJob.objects.filter(id=self.job.id, runner=self.runner).update(last_error=sentence)
        self.job.refresh_from_db()
        self.job.items.filter(state=State.CLAIMED).update(state=State.PENDING)
        self.finish(Status.FAILED)

    def handle(self, items: Sequence[BulkDeleteItem], exc: RingCentralError) -> None:
        """A chunk's request failed: back off, retry, isolate, or fail its items."""
        if isinstance(exc, RateLimited):
            self.release(items)
            # the budget has the penalty; waiting here keeps this run from spinning
            time.sleep(min(max(exc.retry_after, 0.05), 5.0))
            return
        if isinstance(exc, Rejected) and exc.status in (401, 403):
            self.release(items)
            self.fail_job(
                "RingCentral does not let "
                f"{self.actor.get_full_name() or self.actor.username} change the messages of "
                "this mailbox. An admin with that permission can start the action again."
            )
            raise _Stop
        if isinstance(exc, Rejected):
            if len(items) > 1:
                self.solo.update(item.id for item in items)  # find the one it refuses
                self.release(items)
                return
            reason = str(exc).split(": ", 1)[-1]
            self.settle(items, State.FAILED, f"RingCentral refused it: {reason}")
            return
        # Unavailable: it may have been done; a delete is checked before trying again
        if self.job.action == Action.DELETE and getattr(exc, "may_have_taken_effect", True):
            self.reconcile(items)
        tired = [item for item in items if item.attempts >= MAX_ATTEMPTS]
        if tired:
            self.settle(
                tired,
                State.FAILED,
                "RingCentral did not answer after several tries. Run the action again later.",
            )
        self.release([item for item in items if item.attempts < MAX_ATTEMPTS])
        time.sleep(1.0)

    def alive_conversations(self) -> set[int]:
        """The mailbox's conversations that still have Alive messages (Light calls)."""
        found: set[int] = set()

        def operation(client: RingCentralClient) -> None:
            page = 1
            while True:
                answer = client.list_messages(
                    extension_id=self.job.extension_id,
                    availability=["Alive"],
                    distinct_conversations=True,
                    date_from=HISTORY_START,
                    page=page,
                    per_page=LIST_PAGE,
                )
                found.update(r.conversation_id for r in answer.records if r.conversation_id)
                if not answer.has_next:
                    return
                page += 1

        self.call(operation)
        return found

    def reconcile(self, items: Sequence[BulkDeleteItem]) -> None:
        """Claimed delete items whose request may have been carried out: done if RingCentral
        shows nothing of them alive, pending otherwise (a second delete would purge)."""
        if not items:
            return
        alive = self.alive_conversations()
        self.settle([i for i in items if i.conversation_id not in alive], State.DONE)
        self.release([i for i in items if i.conversation_id in alive])

    # ------------------------------------------------------------- actions

    def delete_chunk(self, items: list[BulkDeleteItem], *, purge: bool) -> None:
        ids = [item.conversation_id for item in items]
        try:
            self.call(
                lambda client: client.delete_conversations(
                    extension_id=self.job.extension_id, conversation_ids=ids, purge=purge
                )
            )
        except RingCentralError as exc:
            self.handle(items, exc)
            return
        self.settle(items, State.DONE)

    def prepare_restore(self) -> None:
        """Find each conversation's deleted messages (a thousand messages a Light call)."""
        wanted: dict[int, list[str]] = {
            cid: [] for cid in self.job.items.values_list("conversation_id", flat=True)
        }

        def operation(client: RingCentralClient) -> None:
            page = 1
            while True:
                answer = client.list_messages(
                    extension_id=self.job.extension_id,
                    availability=["Deleted"],
                    date_from=HISTORY_START,
                    page=page,
                    per_page=LIST_PAGE,
                )
                for record in answer.records:
                    if record.conversation_id in wanted:
                        wanted[record.conversation_id].append(str(record.id))
                if not answer.has_next:
                    return
                page += 1

        self.call(operation)
        items = list(self.job.items.all())
        for item in items:
            item.message_ids = wanted.get(item.conversation_id, [])
        BulkDeleteItem.objects.bulk_update(items, ["message_ids"], batch_size=500)
        BulkDeleteJob.objects.filter(id=self.job.id).update(prepared=True)

    def restore_chunk(self, items: list[BulkDeleteItem]) -> None:
        """Restore the claimed items' messages, 50 ids a call; an item is done when all of its
        messages are back."""
        pairs = [(item, int(mid)) for item in items for mid in item.message_ids]
        refused: dict[int, str] = {}
        for start in range(0, len(pairs), BULK_LIMIT):
            part = pairs[start : start + BULK_LIMIT]
            if start:
                self.wait_for_sends()
            message_ids = [mid for _, mid in part]

            def operation(client: RingCentralClient, ids: list[int] = message_ids) -> Any:
                return client.restore_messages(extension_id=self.job.extension_id, message_ids=ids)

            try:
                results = self.call(operation)
            except RingCentralError as exc:
                self.handle(items, exc)
                return
            for (item, _), result in zip(part, results, strict=True):
                if not result.ok:
                    refused[item.id] = (
                        "A message of it was purged, so it cannot be restored."
                        if result.error is not None and result.error.error_code == "CMN-101"
                        else "RingCentral refused to restore a message of it."
                    )
        self.settle([i for i in items if i.id not in refused], State.DONE)
        for item in items:
            if item.id in refused:
                self.settle([item], State.FAILED, refused[item.id])

    def step(self) -> bool:
        """One chunk; False when nothing is left to do."""
        action = self.job.action
        if action == Action.RESTORE:
            items = self.claim(limit=BULK_LIMIT, ids_budget=BULK_LIMIT)
        else:
            items = self.claim(limit=CHUNK)
        if not items:
            return self.job.items.filter(state=State.CLAIMED).exists()
        self.wait_for_sends()
        if action == Action.RESTORE:
            self.restore_chunk(items)
        else:
            self.delete_chunk(items, purge=action == Action.PURGE)
        return True

    # ------------------------------------------------------------- the end

    def finish(self, status: str) -> None:
        job = self.job
        now = timezone.now()
        done = job.items.filter(state=State.DONE)
        if job.action == Action.RESTORE:
            done = done.exclude(message_ids=[])  # nothing of them was deleted
        conversation_ids = [str(c) for c in done.values_list("conversation_id", flat=True)]
        failed = job.items.filter(state=State.FAILED).count()
        left = job.items.filter(state__in=[State.PENDING, State.CLAIMED]).count()
        if job.action == Action.RESTORE:
            messages = sum(len(ids) for ids in done.values_list("message_ids", flat=True))
        else:
            messages = done.aggregate(n=Sum("message_count"))["n"] or 0
        fields: dict[str, Any] = {"status": status, "finished_at": now, "runner": ""}
        fields[
            {Action.DELETE: "deleted_at", Action.RESTORE: "restored_at", Action.PURGE: "purged_at"}[
                Action(job.action)
            ]
        ] = now
        # the job's end and its audit entry together: no one sees a job ended without its entry,
        # and a worker dying between the two cannot leave one
        with transaction.atomic():
            BulkDeleteJob.objects.filter(id=job.id).update(**fields)
            job.refresh_from_db()
            self._audit_end(job, status, conversation_ids, messages, failed, left)
        mailbox_cache_drop(account_id=job.account_id, extension_id=job.extension_id)

    def _audit_end(
        self,
        job: BulkDeleteJob,
        status: str,
        conversation_ids: list[str],
        messages: int,
        failed: int,
        left: int,
    ) -> None:
        if not conversation_ids:
            outcome = AuditEntry.Outcome.FAILED
        elif failed or left:
            outcome = AuditEntry.Outcome.PARTLY
        else:
            outcome = AuditEntry.Outcome.DONE
        audit_action = {
            Action.DELETE: AuditEntry.Action.BULK_DELETE,
            Action.RESTORE: AuditEntry.Action.BULK_RESTORE,
            Action.PURGE: AuditEntry.Action.BULK_PURGE,
        }[Action(job.action)]
        parts = [f"{len(conversation_ids)} of {job.conversation_count} conversations."]
        if failed:
            parts.append(f"{failed} failed.")
        if status == Status.CANCELLED and left:
            parts.append(f"Cancelled: {left} were left as they were.")
        elif left:
            parts.append(f"{left} were not reached.")
        if job.last_error:
            parts.append(job.last_error)
        actor = self.actor
        AuditEntry.objects.create(
            actor=actor,
            actor_label=AuditEntry.label_of(actor),
            ip_address=job.actor_ip,
            action=audit_action,
            outcome=outcome,
            account_id=job.account_id,
            extension_id=job.extension_id,
            conversation_ids=conversation_ids,
            message_count=messages,
            detail=f"Bulk job {job.id}: " + " ".join(parts),
        )

    def run(self) -> bool:
        """Work until done, cancelled or the slice ends; True when another task must carry on."""
        job = self.job
        # claimed items of a run that died: for a delete, look before sending again
        left_over = list(job.items.filter(state=State.CLAIMED))
        if left_over and job.action == Action.DELETE:
            self.reconcile(left_over)
        else:
            self.release(left_over)
        if job.action == Action.RESTORE and not job.prepared:
            self.prepare_restore()
        while True:
            if self.beat() == Status.CANCELLING:
                self.release(list(job.items.filter(state=State.CLAIMED)))
                self.finish(Status.CANCELLED)
                return False
            if time.monotonic() - self.started > SLICE:
                BulkDeleteJob.objects.filter(id=job.id, runner=self.runner).update(
                    runner="", heartbeat_at=None
                )
                return True
            if not self.step():
                self.finish(Status.DONE)
                return False


def _claim_job(job_id: int) -> tuple[BulkDeleteJob, str] | None:
    now = timezone.now()
    runner = uuid.uuid4().hex
    jobs = BulkDeleteJob.objects.filter(id=job_id)
    claimed = jobs.filter(status=Status.QUEUED).update(
        status=Status.RUNNING, runner=runner, heartbeat_at=now, started_at=now
    )
    if not claimed:
        free = Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=now - LEASE)
        claimed = (
            jobs.filter(status__in=[Status.RUNNING, Status.CANCELLING])
            .filter(free)
            .update(runner=runner, heartbeat_at=now)
        )
    if not claimed:
        return None
    return BulkDeleteJob.objects.select_related("actor").get(id=job_id), runner


def bulk_job_run(*, job_id: int) -> None:
    """Run the job's current action for a while; hand it on to a new task if it is not done.

    Safe to run twice at once or again after a crash: only the run named on the row works.
    """
    claimed = _claim_job(job_id)
    if claimed is None:
        # finished, or another run has it: should that run's worker die, this task's
        # successor takes the job over once its heartbeat is stale
        if BulkDeleteJob.objects.filter(id=job_id, status__in=BulkDeleteJob.UNFINISHED).exists():
            bulk_task_send(job_id=job_id, countdown=LEASE.total_seconds())
        return
    job, runner = claimed
    try:
        more = _Run(job, runner).run()
    except _Stop:
        return
    except (OperationalError, InterfaceError):
        # The database dropped the connection (a restart, a failover). The rows hold what was
        # done, so the job is let go now and a new task goes on, on a new connection, checking
        # the claimed items first as after a crash. Should the database still be down, this
        # raises, and the job waits for its lease to run out instead.
        log.warning("Bulk job %s lost its database connection; a new task goes on.", job_id)
        close_old_connections()
        BulkDeleteJob.objects.filter(id=job_id, runner=runner).update(runner="", heartbeat_at=None)
        bulk_task_send(job_id=job_id, countdown=RECONNECT_WAIT)
        return
    if more:
        bulk_task_send(job_id=job_id)
