"""What the sidebar shows: the mailboxes a person works (their own, then their team
mailboxes) with their unread conversations, and the views across them with their counts.

Everything here is read from the conversation index and the ownership tables: building the
sidebar never calls RingCentral. A mailbox the index has not read yet shows no count rather
than a guess.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404
from django.urls import reverse

from accounts.models import User
from inbox.conversations.selectors import Mailbox, unread_count_if_indexed
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


def sidebar_for_user(*, user: User) -> Sidebar | None:
    """The sidebar of a person signed in with RingCentral; None for anyone else."""
    try:
        scope = ownership.scope_for_user(user=user)
    except Http404:
        return None
    counts = ownership.view_counts(user=user, scope=scope) if scope.listed else ()
    counted = {count.name: count.count for count in counts}
    views = tuple(
        SidebarView(name, label, view_url(name), counted.get(name)) for name, label in VIEWS
    )
    return Sidebar(tuple(_sidebar_mailbox(m) for m in scope.mailboxes), views)
