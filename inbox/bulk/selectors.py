"""What admins read for bulk deletion: the conversations a selection names (from RingCentral,
Light calls only), bulk jobs and their progress (database only), and the audit log.

Access: bulk pages are for admins only. `inbox.web.admin_account_check` gives everyone else a
404 before anything is read; `bulk_job_get_for_user` finds a job of the admin's own account
by the mailbox and id in the URL, without calling RingCentral, so the progress page may be
polled freely.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from inbox.contacts.selectors import contact_names
from inbox.conversations.presenters import MessageView, message_view, with_contact_names
from inbox.conversations.queries import ConversationQuery
from inbox.conversations.selectors import (
    Mailbox,
    account_directory_for_user,
    conversation_rows_from_index,
)
from inbox.models import AuditEntry, BulkDeleteItem, BulkDeleteJob, TeamMailbox
from inbox.ringcentral import HISTORY_START, InboxError, ringcentral_do, ringcentral_reads
from inbox.web import admin_account_check
from rcapi import RingCentralClient

LIST_PAGE = 1000  # the most RingCentral returns a page
FEW = 10  # ticked conversations up to this many are read one by one, beyond it the mailbox


def bulk_job_get_for_user(*, user: User, extension_id: int, job_id: int) -> BulkDeleteJob:
    """The job of the admin's account shown at this mailbox's URL; Http404 for anyone else."""
    account_id = admin_account_check(user=user)
    job = (
        BulkDeleteJob.objects.filter(id=job_id, account_id=account_id, extension_id=extension_id)
        .select_related("owner", "actor")
        .first()
    )
    if job is None:
        raise Http404("No such bulk job.")
    return job


def bulk_jobs_for_user(*, user: User, limit: int = 50) -> QuerySet[BulkDeleteJob]:
    account_id = admin_account_check(user=user)
    return BulkDeleteJob.objects.filter(account_id=account_id).select_related("owner")[:limit]


def bulk_job_failures(*, job: BulkDeleteJob) -> QuerySet[BulkDeleteItem]:
    return job.items.filter(state=BulkDeleteItem.State.FAILED).order_by("position")


def bulk_job_left(*, job: BulkDeleteJob) -> int:
    """Conversations the current action has not finished (pending, or in progress)."""
    return job.items.filter(
        state__in=[BulkDeleteItem.State.PENDING, BulkDeleteItem.State.CLAIMED]
    ).count()


# --------------------------------------------------------------------------- progress


@dataclass(frozen=True)
class Progress:
    status: str
    status_label: str
    action: str
    total: int
    done: int
    failed: int
    rate: float | None  # conversations a second
    seconds_left: int | None
    finished: bool

    @property
    def percent(self) -> int:
        return int(100 * (self.done + self.failed) / self.total) if self.total else 100

    @property
    def heading(self) -> str:
        """Where the action stands, e.g. "Deleting conversations…", "Deletion finished"."""
        noun, _, doing = ACTION_WORDS[self.action]
        match self.status:
            case BulkDeleteJob.Status.QUEUED:
                return f"{noun} queued"
            case BulkDeleteJob.Status.RUNNING:
                return f"{doing} conversations…"
            case BulkDeleteJob.Status.CANCELLING:
                return f"Cancelling the {noun.lower()}…"
            case BulkDeleteJob.Status.CANCELLED:
                return f"{noun} cancelled"
            case BulkDeleteJob.Status.DONE:
                return f"{noun} finished"
            case BulkDeleteJob.Status.FAILED:
                return f"{noun} stopped"
        return self.status_label

    @property
    def counts(self) -> str:
        """E.g. "1,200 of 2,000 conversations purged, 3 failed"."""
        _, done, _ = ACTION_WORDS[self.action]
        noun = "conversation" if self.total == 1 else "conversations"
        text = f"{self.done:,} of {self.total:,} {noun} {done}"
        return f"{text}, {self.failed:,} failed" if self.failed else text

    @property
    def pace(self) -> str:
        """How fast it goes and how long is left, while that means something; else ""."""
        if self.rate is None:
            return ""
        if not self.seconds_left:
            return f"About {_per_unit(self.rate)}"
        return f"About {_per_unit(self.rate)}; about {_duration(self.seconds_left)} left"

    def as_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "status_label": self.status_label,
            "action": self.action,
            "total": self.total,
            "done": self.done,
            "failed": self.failed,
            "percent": self.percent,
            "rate": None if self.rate is None else round(self.rate, 2),
            "seconds_left": self.seconds_left,
            "finished": self.finished,
            "heading": self.heading,
            "counts": self.counts,
            "pace": self.pace,
        }


# action: what it is called, its conversations once done, what it does while it runs
ACTION_WORDS: dict[str, tuple[str, str, str]] = {
    BulkDeleteJob.Action.DELETE: ("Deletion", "deleted", "Deleting"),
    BulkDeleteJob.Action.RESTORE: ("Restore", "restored", "Restoring"),
    BulkDeleteJob.Action.PURGE: ("Purge", "purged", "Purging"),
}
# a rate measured over less time than this says more about the first chunk than the job
PACE_AFTER_SECONDS = 2.0


def _per_unit(rate: float) -> str:
    """A rate in conversations a second, in the unit that reads as a whole number."""
    if rate >= 1:
        return f"{round(rate):,} a second"
    if rate * 60 >= 1:
        return f"{round(rate * 60):,} a minute"
    return f"{max(1, round(rate * 3600)):,} an hour"


def _duration(seconds: int) -> str:
    if seconds < 90:
        amount, unit = seconds, "second"
    elif seconds < 90 * 60:
        amount, unit = round(seconds / 60), "minute"
    else:
        amount, unit = round(seconds / 3600), "hour"
    return f"{amount:,} {unit}" if amount == 1 else f"{amount:,} {unit}s"


def bulk_job_progress(*, job: BulkDeleteJob, now: datetime | None = None) -> Progress:
    """Where the job's current action stands: from the job row only."""
    now = now or timezone.now()
    handled = job.done_count + job.failed_count
    rate: float | None = None
    seconds_left: int | None = None
    # only while it runs: once cancelling, queued again or ended, a pace would mislead
    if job.started_at is not None and handled and job.status == BulkDeleteJob.Status.RUNNING:
        elapsed = (now - job.started_at).total_seconds()
        if elapsed >= PACE_AFTER_SECONDS:
            rate = handled / elapsed
            seconds_left = math.ceil((job.conversation_count - handled) / rate)
    return Progress(
        status=job.status,
        status_label=job.get_status_display(),
        action=job.action,
        total=job.conversation_count,
        done=job.done_count,
        failed=job.failed_count,
        rate=rate,
        seconds_left=seconds_left,
        finished=job.status not in BulkDeleteJob.UNFINISHED
        and job.status != BulkDeleteJob.Status.PREVIEWED,
    )


# --------------------------------------------------------------------------- selection


@dataclass
class SelectedConversation:
    conversation_id: int
    party: str = ""
    message_count: int = 0
    shown: MessageView | None = None  # the message `party` was read from, for its numbers

    def see_party(self, view: MessageView) -> None:
        self.party, self.shown = view.other_party[:255], view


@dataclass
class Selection:
    """The conversations a selection names, as RingCentral shows them now."""

    conversations: list[SelectedConversation] = field(default_factory=list)
    first: datetime | None = None
    last: datetime | None = None
    types: set[str] = field(default_factory=set)
    skipped: int = 0  # matching messages with no conversation (faxes, voicemails)

    @property
    def message_count(self) -> int:
        return sum(c.message_count for c in self.conversations)

    def see(self, created: datetime | None, kind: str) -> None:
        if created is not None:
            self.first = created if self.first is None or created < self.first else self.first
            self.last = created if self.last is None or created > self.last else self.last
        if kind:
            self.types.add(kind)


class NumberPartTooFarBack(Exception):
    """A part of a number over a window the index does not reach yet: the list shows nothing
    there (RingCentral finds whole numbers only), so neither can a selection."""


def _conversations_of_rows(
    rows: Iterable[MessageView], found: dict[int, SelectedConversation]
) -> int:
    """Add the rows' conversations to `found` (their first row names the party); the number of
    rows without a conversation (faxes, voicemails)."""
    skipped = 0
    for view in rows:
        if view.conversation_id is None:
            skipped += 1
        elif view.conversation_id not in found:
            found[view.conversation_id] = SelectedConversation(view.conversation_id)
            found[view.conversation_id].see_party(view)
    return skipped


def _matching_conversations(
    client: RingCentralClient, mailbox: Mailbox, query: ConversationQuery
) -> tuple[list[SelectedConversation], int]:
    """Every conversation the list shows for `query`, on every page; and the rows without one.
    A part of a number ("415") is found as the list finds it, in the index."""
    found: dict[int, SelectedConversation] = {}
    if query.number_is_part:
        rows = conversation_rows_from_index(mailbox=mailbox, query=query)
        if rows is None:
            raise NumberPartTooFarBack
        skipped = _conversations_of_rows(rows, found)
        return list(found.values()), skipped
    if query.matches_nothing:
        return [], 0
    params = {**query.ringcentral_params(), "per_page": LIST_PAGE}
    skipped = 0
    page = 1
    while True:
        answer = client.list_messages(extension_id=mailbox.extension_id, **{**params, "page": page})
        skipped += _conversations_of_rows(map(message_view, answer.records), found)
        if not answer.has_next:
            return list(found.values()), skipped
        page += 1


def _count_whole_mailbox(client: RingCentralClient, mailbox: Mailbox, selection: Selection) -> None:
    """Count the messages of the selected conversations by reading the whole mailbox, a
    thousand messages a call: far fewer calls than one per conversation."""
    wanted = {c.conversation_id: c for c in selection.conversations}
    page = 1
    while True:
        answer = client.list_messages(
            extension_id=mailbox.extension_id,
            date_from=HISTORY_START,
            page=page,
            per_page=LIST_PAGE,
        )
        for record in answer.records:
            chosen = wanted.get(record.conversation_id or 0)
            if chosen is not None:
                chosen.message_count += 1
                selection.see(record.creation_time, message_view(record).type)
                if not chosen.party:
                    chosen.see_party(message_view(record))
        if not answer.has_next:
            return
        page += 1


def _conversation_read(mailbox: Mailbox, conversation_id: int) -> Any:
    def operation(client: RingCentralClient) -> list[Any]:
        records: list[Any] = []
        page = 1
        while True:
            answer = client.list_messages(
                extension_id=mailbox.extension_id,
                conversation_id=conversation_id,
                date_from=HISTORY_START,
                page=page,
                per_page=LIST_PAGE,
            )
            records += answer.records
            if not answer.has_next:
                return records
            page += 1

    return operation


def bulk_selection_read(
    *,
    user: User,
    mailbox: Mailbox,
    query: ConversationQuery | None = None,
    conversation_ids: Sequence[int] = (),
) -> Selection:
    """The conversations of the mailbox that match `query` (every page), or the ticked
    `conversation_ids`, with their message counts, date range and types. Conversations that
    no longer exist are left out."""
    selection = Selection()
    if query is not None:

        def matching(client: RingCentralClient) -> None:
            selection.conversations, selection.skipped = _matching_conversations(
                client, mailbox, query
            )
            if selection.conversations:
                _count_whole_mailbox(client, mailbox, selection)

        ringcentral_do(mailbox.caller(user), matching)
    elif len(conversation_ids) <= FEW:
        answers = ringcentral_reads(
            mailbox.caller(user), [_conversation_read(mailbox, cid) for cid in conversation_ids]
        )
        for cid, records in zip(conversation_ids, answers, strict=True):
            if not records:
                continue
            views = [message_view(r) for r in records]
            selection.conversations.append(SelectedConversation(cid, message_count=len(views)))
            selection.conversations[-1].see_party(views[0])
            for view in views:
                selection.see(view.created, view.type)
    else:
        selection.conversations = [SelectedConversation(cid) for cid in conversation_ids]
        ringcentral_do(
            mailbox.caller(user),
            lambda client: _count_whole_mailbox(client, mailbox, selection),
        )
    # ticked or listed a moment ago, but gone now: nothing to delete
    selection.conversations = [c for c in selection.conversations if c.message_count]
    _name_parties(mailbox, selection.conversations)
    return selection


def _name_parties(mailbox: Mailbox, conversations: list[SelectedConversation]) -> None:
    """The parties by their contacts' names, as the list shows them (one query for all): the
    job's report keeps what the admin saw when they chose."""
    shown = [c.shown for c in conversations if c.shown is not None]
    numbers = {p.phone_number for view in shown for p in view.others} | {
        view.from_number for view in shown if view.inbound
    }
    contacts = contact_names(account_id=mailbox.account_id, numbers=numbers)
    for chosen in conversations:
        if contacts and chosen.shown is not None:
            chosen.party = with_contact_names(chosen.shown, contacts).other_party[:255]


# --------------------------------------------------------------------------- audit log


@dataclass(frozen=True)
class AuditFilter:
    actor: int | None = None
    action: str = ""
    extension_id: int | None = None
    start: date | None = None
    end: date | None = None

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> tuple[AuditFilter, list[str]]:
        """The filter from a query string, and sentences about the values that were ignored."""
        errors: list[str] = []

        def number(name: str, label: str) -> int | None:
            raw = (params.get(name) or "").strip()
            if not raw:
                return None
            if raw.isdigit():
                return int(raw)
            errors.append(f"The {label} filter was ignored: it must be a number.")
            return None

        def day(name: str, label: str) -> date | None:
            raw = (params.get(name) or "").strip()
            if not raw:
                return None
            try:
                return date.fromisoformat(raw)
            except ValueError:
                errors.append(f"The {label} date was ignored: use the form YYYY-MM-DD.")
                return None

        action = (params.get("action") or "").strip()
        if action and action not in AuditEntry.Action.values:
            errors.append("The action filter was ignored: there is no such action.")
            action = ""
        found = cls(
            actor=number("actor", "person"),
            action=action,
            extension_id=number("mailbox", "mailbox"),
            start=day("start", "from"),
            end=day("end", "to"),
        )
        return found, errors

    def as_params(self) -> dict[str, str]:
        values = {
            "actor": str(self.actor or ""),
            "action": self.action,
            "mailbox": str(self.extension_id or ""),
            "start": self.start.isoformat() if self.start else "",
            "end": self.end.isoformat() if self.end else "",
        }
        return {key: value for key, value in values.items() if value}


def audit_entries_for_user(*, user: User, filters: AuditFilter) -> QuerySet[AuditEntry]:
    """The audit log of the admin's account, newest first, filtered."""
    account_id = admin_account_check(user=user)
    entries = AuditEntry.objects.filter(account_id=account_id)
    if filters.actor is not None:
        entries = entries.filter(actor_id=filters.actor)
    if filters.action:
        entries = entries.filter(action=filters.action)
    if filters.extension_id is not None:
        entries = entries.filter(extension_id=filters.extension_id)
    tz = timezone.get_current_timezone()
    if filters.start is not None:
        entries = entries.filter(created_at__gte=datetime.combine(filters.start, time.min, tz))
    if filters.end is not None:
        after = datetime.combine(filters.end + timedelta(days=1), time.min, tz)
        entries = entries.filter(created_at__lt=after)
    return entries.select_related("actor").order_by("-created_at", "-id")


# how entries write a customer's number (`inbox.optout.selectors.number_label`): (415) 555-0123
# for North American numbers, +44 20 7946 0018 for others
_NUMBER_IN_TEXT = re.compile(r"\(\d{3}\) \d{3}-\d{4}|\+\d[\d ]{5,}\d")


# the address book's own entries name their contact as it was written: named again, they would
# read "Fatima Rossi (Fatima Rossi (+1…))"
_CONTACT_ACTIONS = frozenset(
    {
        AuditEntry.Action.CONTACT_ADD,
        AuditEntry.Action.CONTACT_CHANGE,
        AuditEntry.Action.CONTACT_DELETE,
        AuditEntry.Action.CONTACTS_IMPORT,
        AuditEntry.Action.CONTACTS_EXPORT,
    }
)


def _e164(shown: str) -> str:
    digits = re.sub(r"\D", "", shown)
    return f"+1{digits}" if shown.startswith("(") else f"+{digits}"


@dataclass(frozen=True)
class AuditRow:
    """An entry as the log shows it: who and what with the contact's name after each
    customer's number the entry names, "(209) 555-0101 (Fatima Rossi)" (the entry itself
    keeps what was written)."""

    entry: AuditEntry
    mailbox_label: str
    actor_label: str
    detail: str


def audit_rows_named(
    *, user: User, entries: Sequence[AuditEntry], mailbox_labels: Mapping[int, str]
) -> list[AuditRow]:
    """`entries` of the admin's account with their numbers named (one query for all)."""
    account_id = admin_account_check(user=user)
    named_entries = [entry for entry in entries if entry.action not in _CONTACT_ACTIONS]
    texts = [text for entry in named_entries for text in (entry.actor_label, entry.detail)]
    shown = {match for text in texts for match in _NUMBER_IN_TEXT.findall(text)}
    found = contact_names(account_id=account_id, numbers={_e164(number) for number in shown})
    names = {number: found[_e164(number)] for number in shown if _e164(number) in found}

    def named(entry: AuditEntry, text: str) -> str:
        if not names or entry.action in _CONTACT_ACTIONS:
            return text
        return _NUMBER_IN_TEXT.sub(
            lambda m: f"{m[0]} ({names[m[0]]})" if m[0] in names else m[0], text
        )

    return [
        AuditRow(
            entry,
            mailbox_labels.get(entry.extension_id, str(entry.extension_id)),
            named(entry, entry.actor_label),
            named(entry, entry.detail),
        )
        for entry in entries
    ]


def audit_actors_for_user(*, user: User) -> QuerySet[User]:
    """People who appear in the account's audit log (for the filter's choices)."""
    account_id = admin_account_check(user=user)
    ids = AuditEntry.objects.filter(account_id=account_id).exclude(actor_id=None).values("actor_id")
    return User.objects.filter(Q(id__in=ids)).order_by("first_name", "username")


AUDIT_MAILBOX_CHOICES = 1000  # mailboxes offered in the filter, at most


@dataclass(frozen=True)
class MailboxChoice:
    extension_id: int
    label: str


def _person_label(name: str, extension_number: str) -> str:
    return f"{name} (ext. {extension_number})" if extension_number else name


def audit_mailboxes_for_user(*, user: User, chosen: int | None = None) -> list[MailboxChoice]:
    """The mailboxes the account's audit log mentions (and `chosen`), named for the filter.

    Names come from the account's directory (cached, as for the mailbox switcher); a mailbox
    it no longer lists, or every mailbox while RingCentral does not answer, is named after
    the person who signs in with it here, else after a bulk job of it, else by its id.
    """
    account_id = admin_account_check(user=user)
    ids = set(
        AuditEntry.objects.filter(account_id=account_id)
        .order_by()
        .values_list("extension_id", flat=True)
        .distinct()[:AUDIT_MAILBOX_CHOICES]
    )
    if chosen is not None:
        ids.add(chosen)
    # a team mailbox by the name its admins gave it
    labels: dict[int, str] = {
        team.extension_id: f"{team.name} (team mailbox)"
        for team in TeamMailbox.objects.filter(account_id=account_id, extension_id__in=ids)
    }
    try:
        directory = account_directory_for_user(user=user)
    except InboxError:
        directory = ()  # the log stays readable; the fallbacks below name the mailboxes
    for entry in directory:
        if entry.extension_id in ids and entry.extension_id not in labels:
            labels[entry.extension_id] = _person_label(entry.name, entry.extension_number)
    missing = ids - labels.keys()
    if missing:
        people = User.objects.filter(rc_account_id=account_id, rc_extension_id__in=missing)
        for person in people:
            assert person.rc_extension_id is not None
            name = person.get_full_name() or person.username
            labels[person.rc_extension_id] = _person_label(name, person.rc_extension_number)
    missing = ids - labels.keys()
    if missing:
        jobs = BulkDeleteJob.objects.filter(account_id=account_id, extension_id__in=missing)
        for extension_id, label in jobs.values_list("extension_id", "mailbox_label"):
            labels.setdefault(extension_id, label)
    for extension_id in ids - labels.keys():
        labels[extension_id] = f"Extension id {extension_id}"
    choices = [MailboxChoice(extension_id, label) for extension_id, label in labels.items()]
    return sorted(choices, key=lambda choice: (choice.label.casefold(), choice.extension_id))
