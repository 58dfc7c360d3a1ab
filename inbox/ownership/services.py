"""Changes to who owns a thread and whether it is open, snoozed or done: assign (to someone
who may open the mailbox, or to nobody), close, reopen, snooze until a time, wake; one thread
or many at once. A new inbound message reopens a closed thread and wakes a snoozed one, and
snoozes end on time (`snoozes_wake_due`, run by Celery beat).

These are the dashboard's own records, never RingCentral's: nothing here calls RingCentral
or touches a message's read state, so no audit entry is written either. Each change records
a `ConversationEvent`, which the thread shows among its messages. An event the dashboard
records itself has no actor: "woke" then keeps the snooze's end when the snooze ran out, and
none when a new message woke the thread.

Whoever holds the `Mailbox` (`mailbox_get_for_user`: its own person, a team mailbox's members,
the admins) may change its threads. A change that is not one (closing a closed thread)
records nothing. Other open pages of the mailbox follow through `mailbox_changed`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from inbox.conversations.selectors import Mailbox
from inbox.index.selectors import indexed_conversations_of_threads
from inbox.models import ConversationEvent, ConversationState
from inbox.ownership.presenters import THREAD_KINDS, ThreadKey, person_label, when_label
from inbox.ownership.selectors import assignee_allowed
from inbox.signals import mailbox_changed

MANY_MAX = 100  # threads one request may change
WAKE_BATCH = 500  # snoozes one run of `snoozes_wake_due` ends at most

Status = ConversationState.Status
Kind = ConversationEvent.Kind
ACTIONS = ("assign", "close", "reopen", "snooze", "wake")


class OwnershipRefused(Exception):
    """A change that cannot be made as asked; nothing was changed. `message` is a sentence
    for the person, `field` the value to change (for the API's `fields`)."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Change:
    """What to do to the threads: `action` of `ACTIONS`, with its assignee (None: nobody)
    or the snooze's end."""

    action: str
    assignee_id: int | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class ChangeResult:
    asked: int  # the threads named
    changed: int  # those whose state changed
    message: str  # a sentence saying what happened


def _thread_filter(mailbox: Mailbox, key: ThreadKey) -> Q:
    return Q(
        account_id=mailbox.account_id,
        extension_id=mailbox.extension_id,
        thread_kind=key[0],
        thread_id=key[1],
    )


def _event(
    mailbox: Mailbox,
    key: ThreadKey,
    kind: str,
    *,
    actor: User | None,
    assignee: User | None = None,
    snoozed_until: datetime | None = None,
) -> ConversationEvent:
    return ConversationEvent.objects.create(
        account_id=mailbox.account_id,
        extension_id=mailbox.extension_id,
        thread_kind=key[0],
        thread_id=key[1],
        kind=kind,
        actor=actor,
        actor_label=person_label(actor),
        assignee=assignee,
        assignee_label=person_label(assignee),
        snoozed_until=snoozed_until,
    )


def snooze_until_check(until: datetime, *, now: datetime | None = None) -> datetime:
    """`until` if a snooze may end then: in the future. OwnershipRefused otherwise."""
    moment = now or timezone.now()
    if timezone.is_naive(until):
        until = timezone.make_aware(until)
    if until <= moment:
        raise OwnershipRefused(
            f"Choose a time in the future to snooze until: {when_label(until)} has passed.",
            field="until",
        )
    return until


def _checked(groups: Sequence[tuple[Mailbox, Sequence[ThreadKey]]], change: Change) -> int:
    """The number of threads named, once the change is known to be possible for all of
    them; OwnershipRefused otherwise."""
    if change.action not in ACTIONS:
        raise OwnershipRefused("Choose assign, close, reopen, snooze or wake.", field="action")
    asked = sum(len(set(keys)) for _mailbox, keys in groups)
    if asked == 0:
        raise OwnershipRefused("Select at least one conversation first.", field="threads")
    if asked > MANY_MAX:
        raise OwnershipRefused(
            f"Change at most {MANY_MAX} conversations at a time.", field="threads"
        )
    for _mailbox, keys in groups:
        for kind, thread_id in keys:
            if kind not in THREAD_KINDS or thread_id < 1:
                raise OwnershipRefused("There is no such conversation.", field="threads")
    if change.action == "snooze":
        if change.until is None:
            raise OwnershipRefused("Choose when the snooze ends.", field="until")
        snooze_until_check(change.until)
    if change.action == "assign" and change.assignee_id is not None:
        for mailbox, _keys in groups:
            if assignee_allowed(mailbox=mailbox, user_id=change.assignee_id) is None:
                raise OwnershipRefused(
                    f"Only someone who can open {mailbox.label} can be assigned its "
                    "conversations. Choose someone else, or nobody.",
                    field="assignee_id",
                )
    return asked


def _apply(
    mailbox: Mailbox, key: ThreadKey, change: Change, *, user: User, assignee: User | None
) -> bool:
    """Make the change to one thread, under a lock on its state; whether anything changed."""
    state = ConversationState.objects.select_for_update().filter(_thread_filter(mailbox, key))
    current = state.first()
    if current is None:
        # a thread without a state is open and unassigned: only some changes make one
        if change.action in ("reopen", "wake") or (change.action == "assign" and assignee is None):
            return False
        current, _created = ConversationState.objects.select_for_update().get_or_create(
            account_id=mailbox.account_id,
            extension_id=mailbox.extension_id,
            thread_kind=key[0],
            thread_id=key[1],
        )
    if change.action == "assign":
        if current.assignee_id == (assignee.pk if assignee else None):
            return False
        previous = current.assignee
        current.assignee = assignee
        current.save(update_fields=["assignee", "updated_at"])
        if assignee is None:
            _event(mailbox, key, Kind.UNASSIGNED, actor=user, assignee=previous)
        else:
            _event(mailbox, key, Kind.ASSIGNED, actor=user, assignee=assignee)
        return True
    if change.action == "close":
        if current.status == Status.DONE:
            return False
        _status_set(current, Status.DONE, None)
        _event(mailbox, key, Kind.CLOSED, actor=user)
        return True
    if change.action == "reopen":
        if current.status == Status.OPEN:
            return False
        _status_set(current, Status.OPEN, None)
        _event(mailbox, key, Kind.REOPENED, actor=user)
        return True
    if change.action == "snooze":
        until = change.until
        if current.status == Status.SNOOZED and current.snoozed_until == until:
            return False
        _status_set(current, Status.SNOOZED, until)
        _event(mailbox, key, Kind.SNOOZED, actor=user, snoozed_until=until)
        return True
    # wake
    if current.status != Status.SNOOZED:
        return False
    _status_set(current, Status.OPEN, None)
    _event(mailbox, key, Kind.WOKE, actor=user)
    return True


def _status_set(state: ConversationState, status: str, until: datetime | None) -> None:
    state.status = status
    state.snoozed_until = until
    state.save(update_fields=["status", "snoozed_until", "updated_at"])


def _changed_tell(mailboxes: Iterable[tuple[int, int]]) -> None:
    """Once committed, the mailboxes' (account id, extension id) other open pages fetch
    themselves (`inbox.live`)."""
    for account_id, extension_id in sorted(set(mailboxes)):
        transaction.on_commit(
            partial(
                mailbox_changed.send,
                sender=Mailbox,
                account_id=account_id,
                extension_id=extension_id,
            )
        )


def _sentence(change: Change, *, asked: int, changed: int, assignee: User | None) -> str:
    what = "the conversation" if asked == 1 else f"{changed} conversations"
    if changed == 0:
        return "Nothing changed: " + (
            "the conversation was already so." if asked == 1 else "they were all already so."
        )
    if change.action == "assign":
        done = f"Assigned {what} to {person_label(assignee)}" if assignee else f"Unassigned {what}"
    elif change.action == "close":
        done = f"Closed {what}"
    elif change.action == "reopen":
        done = f"Reopened {what}"
    elif change.action == "snooze":
        assert change.until is not None
        done = f"Snoozed {what} until {when_label(change.until)}"
    else:
        done = f"Woke {what}"
    if changed < asked:
        done += f" ({asked - changed} already were)"
    return done + "."


def threads_change(
    *, user: User, groups: Sequence[tuple[Mailbox, Sequence[ThreadKey]]], change: Change
) -> ChangeResult:
    """Make `change` to the threads of each mailbox (`groups`: every mailbox from
    `mailbox_get_for_user` for `user`), all or none: OwnershipRefused when it cannot be made
    to one of them, before anything changes."""
    asked = _checked(groups, change)
    if change.action == "snooze" and change.until is not None:
        change = Change("snooze", until=snooze_until_check(change.until))
    assignee = None
    changed = 0
    with transaction.atomic():
        if change.action == "assign" and change.assignee_id is not None:
            assignee = User.objects.get(pk=change.assignee_id)
        touched: list[Mailbox] = []
        for mailbox, keys in groups:
            # one order for every request, so that two bulk changes never wait on each other
            for key in sorted(set(keys)):
                if _apply(mailbox, key, change, user=user, assignee=assignee):
                    changed += 1
                    touched.append(mailbox)
        _changed_tell((m.account_id, m.extension_id) for m in touched)
    return ChangeResult(
        asked, changed, _sentence(change, asked=asked, changed=changed, assignee=assignee)
    )


# The same, one action at a time, for one mailbox.


def threads_assign(
    *, user: User, mailbox: Mailbox, threads: Sequence[ThreadKey], assignee_id: int | None
) -> ChangeResult:
    """Assign the threads to `assignee_id` (someone who can open the mailbox), or to nobody."""
    return threads_change(
        user=user, groups=[(mailbox, threads)], change=Change("assign", assignee_id=assignee_id)
    )


def threads_close(*, user: User, mailbox: Mailbox, threads: Sequence[ThreadKey]) -> ChangeResult:
    return threads_change(user=user, groups=[(mailbox, threads)], change=Change("close"))


def threads_reopen(*, user: User, mailbox: Mailbox, threads: Sequence[ThreadKey]) -> ChangeResult:
    return threads_change(user=user, groups=[(mailbox, threads)], change=Change("reopen"))


def threads_snooze(
    *, user: User, mailbox: Mailbox, threads: Sequence[ThreadKey], until: datetime
) -> ChangeResult:
    """Snooze the threads until `until`, which must be in the future."""
    return threads_change(
        user=user, groups=[(mailbox, threads)], change=Change("snooze", until=until)
    )


def threads_wake(*, user: User, mailbox: Mailbox, threads: Sequence[ThreadKey]) -> ChangeResult:
    return threads_change(user=user, groups=[(mailbox, threads)], change=Change("wake"))


# --------------------------------------------------------------------------- on their own


def _set_aside_at(state: ConversationState) -> datetime | None:
    """When the thread was last closed or snoozed (None: no event says)."""
    event = (
        ConversationEvent.objects.filter(
            account_id=state.account_id,
            extension_id=state.extension_id,
            thread_kind=state.thread_kind,
            thread_id=state.thread_id,
            kind__in=[Kind.CLOSED, Kind.SNOOZED],
        )
        .order_by("-created_at", "-pk")
        .values_list("created_at", flat=True)
        .first()
    )
    return event


def threads_reopen_on_inbound(
    *, account_id: int, extension_id: int, threads: Iterable[ThreadKey]
) -> int:
    """A new inbound message came to these threads (the index says so once it has committed
    it): each closed one reopens ("Reopened by a new message") and each snoozed one wakes,
    keeping its assignee. A message that arrived before the thread was closed or snoozed
    does not, as the person who did it had it in front of them (the index may learn of it
    a moment later). Returns the threads reopened or woken."""
    keys = {(str(kind), int(thread_id)) for kind, thread_id in threads}
    wanted = Q(pk__in=[])
    for kind in THREAD_KINDS:
        ids = [thread_id for k, thread_id in keys if k == kind]
        if ids:
            wanted |= Q(thread_kind=kind, thread_id__in=ids)
    states = ConversationState.objects.filter(
        wanted,
        account_id=account_id,
        extension_id=extension_id,
        status__in=[Status.DONE, Status.SNOOZED],
    )
    if not states.exists():
        return 0
    rows = indexed_conversations_of_threads(
        account_id=account_id, extension_id=extension_id, thread_keys=keys
    )
    last_inbound = {key: row.last_inbound_at for key, row in rows.items()}
    woken = 0
    with transaction.atomic():
        for state in states.select_for_update():
            key = (state.thread_kind, state.thread_id)
            arrived = last_inbound.get(key)
            set_aside = _set_aside_at(state)
            # RingCentral gives times to the second: a message of the very second the thread
            # was set aside may have come after it, and reopens it
            if (
                arrived is not None
                and set_aside is not None
                and arrived < set_aside.replace(microsecond=0)
            ):
                continue
            was = state.status
            _status_set(state, Status.OPEN, None)
            ConversationEvent.objects.create(
                account_id=account_id,
                extension_id=extension_id,
                thread_kind=state.thread_kind,
                thread_id=state.thread_id,
                kind=Kind.REOPENED if was == Status.DONE else Kind.WOKE,
            )
            woken += 1
        if woken:
            _changed_tell([(account_id, extension_id)])
    return woken


def snoozes_wake_due(*, now: datetime | None = None) -> int:
    """Wake the snoozed threads whose time has come ("The snooze ended"); the number woken.
    Each thread is claimed with a conditional update, so two runs at once wake it once."""
    moment = now or timezone.now()
    due = list(
        ConversationState.objects.filter(status=Status.SNOOZED, snoozed_until__lte=moment)
        .order_by("snoozed_until", "pk")
        .values_list(
            "pk", "account_id", "extension_id", "thread_kind", "thread_id", "snoozed_until"
        )[:WAKE_BATCH]
    )
    count = 0
    mailboxes: set[tuple[int, int]] = set()
    for pk, account_id, extension_id, kind, thread_id, until in due:
        with transaction.atomic():
            claimed = ConversationState.objects.filter(
                pk=pk, status=Status.SNOOZED, snoozed_until=until
            ).update(status=Status.OPEN, snoozed_until=None, updated_at=moment)
            if not claimed:
                continue  # woken, reopened or snoozed again meanwhile
            ConversationEvent.objects.create(
                account_id=account_id,
                extension_id=extension_id,
                thread_kind=kind,
                thread_id=thread_id,
                kind=Kind.WOKE,
                snoozed_until=until,
            )
        count += 1
        mailboxes.add((account_id, extension_id))
    for account_id, extension_id in sorted(mailboxes):
        mailbox_changed.send(sender=Mailbox, account_id=account_id, extension_id=extension_id)
    return count
