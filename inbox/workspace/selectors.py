"""What the sidebar shows: the mailboxes a person works (their own, then their team
mailboxes) with their unread conversations, and the views across them with their counts.

Everything here is read from the conversation index and the ownership tables: building the
sidebar never calls RingCentral. A mailbox the index has not read yet shows no count rather
than a guess.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.http import Http404
from django.urls import reverse

from accounts.models import User
from inbox.conversations.selectors import Mailbox, unread_count_if_indexed
from inbox.live.selectors import live_counter_get, live_counters_cached
from inbox.models import TeamMailbox
from inbox.notes.selectors import NO_MENTIONS, MentionSummary, mention_summary
from inbox.ownership import selectors as ownership
from inbox.ownership.presenters import VIEWS
from inbox.ownership.views import view_url


@dataclass(frozen=True)
class SidebarMailbox:
    extension_id: int
    label: str
    url: str
    is_own: bool
    is_team: bool
    unread: int | None  # None: not indexed yet


@dataclass(frozen=True)
class SidebarView:
    name: str
    label: str
    url: str
    count: int | None


@dataclass(frozen=True)
class Sidebar:
    mailboxes: tuple[SidebarMailbox, ...]
    views: tuple[SidebarView, ...]
    # threads of Mine and of Unassigned with an unread received message: desktop
    # notifications follow these (static/js/workspace.js)
    unread_in_views: tuple[tuple[str, int], ...] = ()
    # threads where a teammate mentioned the person in a note they have not opened since
    mentions: MentionSummary = NO_MENTIONS

    @property
    def unread(self) -> int:
        """Unread conversations across the person's mailboxes: the tab title's count."""
        return sum(box.unread or 0 for box in self.mailboxes)


def _sidebar_mailbox(mailbox: Mailbox) -> SidebarMailbox:
    return SidebarMailbox(
        extension_id=mailbox.extension_id,
        label=mailbox.name if mailbox.is_own else mailbox.label,
        url=reverse("inbox:conversations", args=[mailbox.extension_id]),
        is_own=mailbox.is_own,
        is_team=mailbox.is_team,
        unread=unread_count_if_indexed(mailbox=mailbox),
    )


# A sidebar is kept for a person until something in one of their mailboxes changes: every
# change that moves a count (a sync, a read mark, an assignment, a snooze waking) moves that
# mailbox's change counter, which is part of the key. The time limit bounds what no counter
# tells: a 30-day unread window moving on, a membership granted.
SIDEBAR_TTL = 60


def _sidebar_key(user: User) -> str | None:
    if user.rc_account_id is None or user.rc_extension_id is None:
        return None
    teams = TeamMailbox.objects.filter(account_id=user.rc_account_id)
    if user.role != User.Role.ADMIN:
        teams = teams.filter(members=user)
    extensions = [user.rc_extension_id, *sorted(teams.values_list("extension_id", flat=True))]
    boxes = [(user.rc_account_id, extension) for extension in extensions]
    counters = live_counters_cached(mailboxes=boxes)
    for account_id, extension_id in boxes:
        if extension_id not in counters:  # read once from the database, cached from then on
            counters[extension_id] = live_counter_get(
                account_id=account_id, extension_id=extension_id
            )
    marks = ",".join(f"{extension}={counters[extension]}" for extension in extensions)
    return f"workspace:sidebar:{user.pk}:{user.role}:{marks}"


def sidebar_for_user(*, user: User) -> Sidebar | None:
    """The sidebar of a person signed in with RingCentral; None for anyone else. From the
    cache while none of the person's mailboxes changed."""
    key = _sidebar_key(user)
    if key is not None:
        kept = cache.get(key)
        if isinstance(kept, Sidebar):
            return kept
    sidebar = _sidebar_build(user)
    if key is not None and sidebar is not None:
        cache.set(key, sidebar, SIDEBAR_TTL)
    return sidebar


def _sidebar_build(user: User) -> Sidebar | None:
    try:
        scope = ownership.scope_for_user(user=user)
    except Http404:
        return None
    counts = ownership.view_counts(user=user, scope=scope) if scope.listed else ()
    unread_in_views = ownership.view_counts_unread(user=user, scope=scope)
    counted = {count.name: count.count for count in counts}
    views = tuple(
        SidebarView(name, label, view_url(name), counted.get(name)) for name, label in VIEWS
    )
    return Sidebar(
        tuple(_sidebar_mailbox(m) for m in scope.mailboxes),
        views,
        tuple(unread_in_views.items()),
        mention_summary(user=user, mailboxes=scope.mailboxes),
    )
