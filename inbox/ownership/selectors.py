"""What a person may read of ownership: a thread's state and events, who may be assigned in a
mailbox, and the views (Mine, Unassigned, All open, Snoozed, Done) with their counts and rows.

Every read takes a `Mailbox` from `mailbox_get_for_user` (a 404 for anyone without access),
or a `Scope` built from such mailboxes. The views list the conversation index's rows
(`inbox.index.selectors.indexed_conversations`) with each thread's `ConversationState` (a
thread without one is open and unassigned); a mailbox the index has not read yet is "syncing"
and lists nothing rather than an empty list that would look true. No read here calls
RingCentral.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404

from accounts.models import User
from inbox.contacts.selectors import contact_names
from inbox.conversations.presenters import PREVIEW_CHARS, TYPE_LABELS, format_number
from inbox.conversations.queries import TYPE_FILTERS
from inbox.conversations.selectors import Mailbox, mailbox_get_for_user, mailbox_people
from inbox.index.selectors import index_state_get, indexed_conversations
from inbox.models import (
    ConversationEvent,
    ConversationState,
    IndexedConversation,
    MailboxSync,
    TeamMailbox,
)
from inbox.ownership.presenters import (
    VIEW_LABELS,
    VIEWS,
    ThreadKey,
    person_label,
    status_label,
)

PAGE_SIZE = 25
OPEN = ConversationState.Status.OPEN
SNOOZED = ConversationState.Status.SNOOZED
DONE = ConversationState.Status.DONE


# --------------------------------------------------------------------------- threads


def thread_state(*, mailbox: Mailbox, key: ThreadKey) -> ConversationState | None:
    """The thread's state row; None for a thread nobody has assigned, closed or snoozed
    (open and unassigned)."""
    kind, thread_id = key
    return (
        ConversationState.objects.select_related("assignee")
        .filter(
            account_id=mailbox.account_id,
            extension_id=mailbox.extension_id,
            thread_kind=kind,
            thread_id=thread_id,
        )
        .first()
    )


def thread_events(*, mailbox: Mailbox, key: ThreadKey) -> list[ConversationEvent]:
    """What happened to the thread's owner and status, oldest first."""
    kind, thread_id = key
    return list(
        ConversationEvent.objects.filter(
            account_id=mailbox.account_id,
            extension_id=mailbox.extension_id,
            thread_kind=kind,
            thread_id=thread_id,
        ).order_by("created_at", "pk")
    )


# --------------------------------------------------------------------------- assignees


def assignee_candidates(*, mailbox: Mailbox) -> list[User]:
    """Who a thread of the mailbox may be assigned to: those who can open it
    (`mailbox_people`)."""
    return mailbox_people(mailbox=mailbox)


def assignee_allowed(*, mailbox: Mailbox, user_id: int) -> User | None:
    """The person `user_id` if threads of the mailbox may be assigned to them; else None."""
    return next((p for p in assignee_candidates(mailbox=mailbox) if p.pk == user_id), None)


# --------------------------------------------------------------------------- scopes


@dataclass(frozen=True)
class Scope:
    """The mailboxes a view lists: one mailbox, or all those a person works."""

    mailboxes: tuple[Mailbox, ...]
    single: bool
    indexed: frozenset[tuple[int, int]]  # (account id, extension id) the index has read

    @property
    def syncing(self) -> tuple[Mailbox, ...]:
        """The mailboxes the index has not read yet: their conversations are not listed."""
        return tuple(m for m in self.mailboxes if _mailbox_key(m) not in self.indexed)

    @property
    def listed(self) -> tuple[Mailbox, ...]:
        return tuple(m for m in self.mailboxes if _mailbox_key(m) in self.indexed)


def _mailbox_key(mailbox: Mailbox) -> tuple[int, int]:
    return (mailbox.account_id, mailbox.extension_id)


def _indexed(mailboxes: Iterable[Mailbox]) -> frozenset[tuple[int, int]]:
    return frozenset(
        _mailbox_key(m)
        for m in mailboxes
        if index_state_get(account_id=m.account_id, extension_id=m.extension_id).indexed
    )


def scope_of_mailbox(*, mailbox: Mailbox) -> Scope:
    return Scope((mailbox,), True, _indexed([mailbox]))


def scope_for_user(*, user: User) -> Scope:
    """The mailboxes `user` works: their own, then their team mailboxes (admins: every team
    mailbox of the account). Others' own mailboxes, which admins may open, are theirs to
    work and stay out (their views are a mailbox's own). Http404 without a RingCentral
    connection."""
    if user.rc_extension_id is None or user.rc_account_id is None:
        raise Http404("No such mailbox.")
    own = mailbox_get_for_user(user=user, extension_id=user.rc_extension_id)
    teams = TeamMailbox.objects.filter(account_id=user.rc_account_id)
    if user.role != User.Role.ADMIN:
        teams = teams.filter(members=user)
    extensions = list(teams.order_by("name", "pk").values_list("extension_id", flat=True))
    boxes = (own, *(mailbox_get_for_user(user=user, extension_id=e) for e in extensions))
    return Scope(boxes, False, _indexed(boxes))


# --------------------------------------------------------------------------- views


@dataclass(frozen=True)
class ViewFilters:
    """The list's filters that apply to a view (from the index rows)."""

    type: str = ""  # "text", "pager", "fax", "voicemail" (`queries.TYPE_CHOICES`)
    direction: str = ""  # "Inbound", "Outbound"
    read: str = ""  # "unread", "read"


@dataclass(frozen=True)
class ViewCount:
    name: str
    label: str
    count: int


@dataclass(frozen=True)
class ViewRow:
    """A thread as a view lists it."""

    mailbox: Mailbox
    thread_kind: str
    thread_id: int
    party: str
    preview: str
    last_message_at: datetime | None
    type: str
    direction: str
    unread_count: int
    status: str
    snoozed_until: datetime | None
    assignee_id: int | None
    assignee_label: str

    @property
    def key(self) -> ThreadKey:
        return (self.thread_kind, self.thread_id)

    @property
    def unread(self) -> bool:
        return self.unread_count > 0

    @property
    def type_label(self) -> str:
        return TYPE_LABELS.get(self.type, self.type)

    @property
    def inbound(self) -> bool:
        return self.direction == "Inbound"

    @property
    def value(self) -> str:
        """How a form names the thread: mailbox, kind and id."""
        return f"{self.mailbox.extension_id}:{self.thread_kind}:{self.thread_id}"


@dataclass(frozen=True)
class ViewPage:
    view: str
    label: str
    rows: tuple[ViewRow, ...]
    page: int
    has_next: bool
    count: int  # the threads in the view (all pages, before the filters)


def _worked(mailboxes: list[tuple[int, int]]) -> Q:
    """The threads the views list without a state of their own: those active within their
    mailbox's sync window (`MailboxSync.index_window_start`), as before the index held older
    history. The back-fill (`inbox.history`) brings years of threads into the index, for
    search; nobody has worked them here, and listing them as open and unassigned would bury
    today's. A thread someone assigned, closed or snoozed is listed whatever its age, and an
    old thread the customer writes in again is active again."""
    active = Q(pk__in=[])
    windows = MailboxSync.objects.filter(
        index_window_start__isnull=False,
        account_id__in={account_id for account_id, _ in mailboxes},
        extension_id__in={extension_id for _, extension_id in mailboxes},
    ).values_list("account_id", "extension_id", "index_window_start")
    for account_id, extension_id, window_start in windows:
        if (account_id, extension_id) in mailboxes:
            active |= Q(
                account_id=account_id,
                extension_id=extension_id,
                last_message_at__gte=window_start,
            )
    return active


def _threads(scope: Scope) -> QuerySet[IndexedConversation]:
    """The index rows of the scope's indexed mailboxes, each with its state (or open and
    unassigned)."""
    state = ConversationState.objects.filter(
        account_id=OuterRef("account_id"),
        extension_id=OuterRef("extension_id"),
        thread_kind=OuterRef("thread_kind"),
        thread_id=OuterRef("thread_id"),
    )
    mailboxes = [_mailbox_key(m) for m in scope.listed]
    rows = indexed_conversations(mailboxes=mailboxes).filter(_worked(mailboxes) | Exists(state))
    return rows.annotate(
        state_status=Coalesce(Subquery(state.values("status")[:1]), Value(OPEN.value)),
        state_assignee=Subquery(state.values("assignee_id")[:1]),
        state_until=Subquery(state.values("snoozed_until")[:1]),
    )


def _in_view(view: str, *, user: User, scope: Scope) -> Q:
    if view == "mine":
        return Q(state_status=OPEN, state_assignee=user.pk)
    if view == "unassigned":
        unassigned = Q(state_status=OPEN, state_assignee__isnull=True)
        if scope.single:
            return unassigned
        # across mailboxes: the team mailboxes' (one's own mailbox's threads are one's own)
        teams = Q(pk__in=[])
        for mailbox in scope.listed:
            if mailbox.is_team:
                teams |= Q(account_id=mailbox.account_id, extension_id=mailbox.extension_id)
        return unassigned & teams
    if view == "open":
        return Q(state_status=OPEN)
    if view == "snoozed":
        return Q(state_status=SNOOZED)
    if view == "done":
        return Q(state_status=DONE)
    raise Http404("No such view.")


def view_counts(*, user: User, scope: Scope) -> tuple[ViewCount, ...]:
    """How many threads each view holds, in one query."""
    if not scope.listed:
        return tuple(ViewCount(name, label, 0) for name, label in VIEWS)
    counted = _threads(scope).aggregate(
        **{
            name: Count("pk", filter=_in_view(name, user=user, scope=scope))
            for name, _label in VIEWS
        }
    )
    return tuple(ViewCount(name, label, counted[name] or 0) for name, label in VIEWS)


def view_counts_unread(
    *, user: User, scope: Scope, views: tuple[str, ...] = ("mine", "unassigned")
) -> dict[str, int]:
    """How many threads of each of `views` hold a received message nobody has read, in one
    query (what tells a person something new came into Mine or Unassigned)."""
    if not scope.listed:
        return dict.fromkeys(views, 0)
    unread = Q(unread_count__gt=0)
    counted = _threads(scope).aggregate(
        **{
            name: Count("pk", filter=unread & _in_view(name, user=user, scope=scope))
            for name in views
        }
    )
    return {name: counted[name] or 0 for name in views}


def view_check(view: str) -> str:
    """`view` if it names a view; Http404 otherwise."""
    if view not in VIEW_LABELS:
        raise Http404("No such view.")
    return view


def _filtered(
    rows: QuerySet[IndexedConversation], filters: ViewFilters
) -> QuerySet[IndexedConversation]:
    if filters.type:
        rows = rows.filter(last_type=TYPE_FILTERS[filters.type])
    if filters.direction:
        rows = rows.filter(last_direction=filters.direction)
    if filters.read == "unread":
        rows = rows.filter(unread_count__gt=0)
    elif filters.read == "read":
        rows = rows.filter(unread_count=0)
    return rows


def _parties(parties: Any) -> list[dict[str, Any]]:
    return [
        party for party in (parties if isinstance(parties, list) else []) if isinstance(party, dict)
    ]


def party_label_of(parties: Any, contacts: Mapping[str, str] | None = None) -> str:
    """The other parties of an index row: the address book's names (`contacts`, number →
    name), else RingCentral's, else formatted numbers."""
    known = contacts or {}
    labels = [
        str(
            known.get(str(party.get("number") or ""))
            or party.get("name")
            or format_number(str(party.get("number") or ""))
        )
        for party in _parties(parties)
    ]
    return ", ".join(label for label in labels if label) or "Unknown"


def preview_of(text: str, last_type: str) -> str:
    """The last message on one line, cut to fit a row; what it is when it has no text."""
    line = " ".join(text.split())
    if not line:
        line = TYPE_LABELS.get(last_type, last_type)
    return line if len(line) <= PREVIEW_CHARS else line[: PREVIEW_CHARS - 1] + "…"


ROW_FIELDS = (
    "account_id",
    "extension_id",
    "thread_kind",
    "thread_id",
    "parties",
    "preview",
    "last_message_at",
    "last_type",
    "last_direction",
    "unread_count",
    "state_status",
    "state_assignee",
    "state_until",
)


def view_page(
    *, user: User, scope: Scope, view: str, filters: ViewFilters, page: int = 1
) -> ViewPage:
    """One page of a view's threads: newest first (Snoozed: the next to wake first)."""
    view = view_check(view)
    counts = {c.name: c.count for c in view_counts(user=user, scope=scope)}
    if not scope.listed:
        return ViewPage(view, VIEW_LABELS[view], (), page, False, 0)
    rows = _filtered(_threads(scope).filter(_in_view(view, user=user, scope=scope)), filters)
    if view == "snoozed":
        rows = rows.order_by(
            F("state_until").asc(nulls_last=True), "-last_message_at", "-last_message_id"
        )
    else:
        rows = rows.order_by(F("last_message_at").desc(nulls_last=True), "-last_message_id")
    start = (page - 1) * PAGE_SIZE
    found: list[dict[str, Any]] = list(rows.values(*ROW_FIELDS)[start : start + PAGE_SIZE + 1])
    shown = found[:PAGE_SIZE]
    assignees = {
        person.pk: person_label(person)
        for person in User.objects.filter(pk__in={r["state_assignee"] for r in shown} - {None})
    }
    boxes = {_mailbox_key(m): m for m in scope.listed}
    # one lookup for every number of the page (the scope's mailboxes are of one account)
    contacts = contact_names(
        account_id=scope.listed[0].account_id,
        numbers={str(p.get("number") or "") for row in shown for p in _parties(row["parties"])},
    )
    return ViewPage(
        view,
        VIEW_LABELS[view],
        tuple(
            ViewRow(
                mailbox=boxes[(row["account_id"], row["extension_id"])],
                thread_kind=row["thread_kind"],
                thread_id=row["thread_id"],
                party=party_label_of(row["parties"], contacts),
                preview=preview_of(row["preview"], row["last_type"]),
                last_message_at=row["last_message_at"],
                type=row["last_type"],
                direction=row["last_direction"],
                unread_count=row["unread_count"],
                status=row["state_status"],
                snoozed_until=row["state_until"],
                assignee_id=row["state_assignee"],
                assignee_label=assignees.get(row["state_assignee"], ""),
            )
            for row in shown
        ),
        page,
        len(found) > PAGE_SIZE,
        counts[view],
    )


@dataclass(frozen=True)
class RowState:
    """What a list row shows of its thread's ownership."""

    status: str
    status_label: str
    assignee: str  # "" when nobody owns it


def row_states(*, mailbox: Mailbox, keys: Iterable[ThreadKey]) -> dict[ThreadKey, RowState]:
    """The ownership of the threads a list page shows, in one query; threads without a row
    (open, unassigned) are left out."""
    wanted = set(keys)
    if not wanted:
        return {}
    ids = {thread_id for _kind, thread_id in wanted}
    states = ConversationState.objects.select_related("assignee").filter(
        account_id=mailbox.account_id, extension_id=mailbox.extension_id, thread_id__in=ids
    )
    found: dict[ThreadKey, RowState] = {}
    for state in states:
        key = (state.thread_kind, state.thread_id)
        if key in wanted:
            found[key] = RowState(
                state.status,
                status_label(state.status, state.snoozed_until),
                person_label(state.assignee),
            )
    return found
