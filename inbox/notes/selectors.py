"""What a person may read of notes: a thread's notes, who may be mentioned in a mailbox, one
note of a mailbox, and the threads where someone mentioned them and they have not looked yet.

Every read takes a `Mailbox` from `mailbox_get_for_user` (a 404 for anyone without access).
Nothing here calls RingCentral.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.http import Http404

from accounts.models import User
from inbox.contacts.selectors import contact_names
from inbox.conversations.presenters import format_number
from inbox.conversations.selectors import Mailbox, mailbox_get_for_user, mailbox_people
from inbox.models import ConversationNote, IndexedConversation, NoteMention, TeamMailbox
from inbox.notes.presenters import ThreadKey, excerpt

MENTIONS_MAX = 200  # unopened mentions the Mentions page reads at most


def note_members(*, mailbox: Mailbox) -> list[User]:
    """Who may be mentioned in the mailbox's notes: those who can open it, as ownership
    assigns (`mailbox_people`)."""
    return mailbox_people(mailbox=mailbox)


def thread_notes(*, mailbox: Mailbox, key: ThreadKey) -> list[ConversationNote]:
    """The thread's notes, oldest first."""
    kind, thread_id = key
    return list(
        ConversationNote.objects.filter(
            account_id=mailbox.account_id,
            extension_id=mailbox.extension_id,
            thread_kind=kind,
            thread_id=thread_id,
        ).order_by("created_at", "pk")
    )


def note_get_for_user(*, mailbox: Mailbox, note_id: int) -> ConversationNote:
    """The note `note_id` of the mailbox (which the person may open); Http404 for a note of
    another mailbox or none."""
    note = ConversationNote.objects.filter(
        pk=note_id, account_id=mailbox.account_id, extension_id=mailbox.extension_id
    ).first()
    if note is None:
        raise Http404("No such note.")
    return note


# --------------------------------------------------------------------------- mentions


def mailboxes_worked(*, user: User) -> tuple[Mailbox, ...]:
    """The mailboxes whose mentions reach `user`: their own and the team mailboxes they may
    open (admins: every one of the account). () without a RingCentral connection."""
    if user.rc_extension_id is None or user.rc_account_id is None:
        return ()
    try:
        own = mailbox_get_for_user(user=user, extension_id=user.rc_extension_id)
    except Http404:
        return ()
    teams = TeamMailbox.objects.filter(account_id=user.rc_account_id)
    if user.role != User.Role.ADMIN:
        teams = teams.filter(members=user)
    extensions = teams.order_by("name", "pk").values_list("extension_id", flat=True)
    return (own, *(mailbox_get_for_user(user=user, extension_id=e) for e in extensions))


def _within(user: User, mailboxes: Iterable[Mailbox]) -> Q:
    within = Q(pk__in=[])
    for mailbox in mailboxes:
        within |= Q(account_id=mailbox.account_id, extension_id=mailbox.extension_id)
    return Q(person=user) & within


def _unopened(user: User, mailboxes: Iterable[Mailbox]) -> Q:
    return _within(user, mailboxes) & Q(opened_at__isnull=True)


@dataclass(frozen=True)
class MentionSummary:
    threads: int  # threads with a mention the person has not opened
    # the person's newest mention, opened or not: a greater id is a new one to tell, even
    # when the thread was open and the mention opened at once; who wrote it
    latest_id: int
    latest_author: str


NO_MENTIONS = MentionSummary(0, 0, "")


def mention_summary(*, user: User, mailboxes: Iterable[Mailbox]) -> MentionSummary:
    """What the sidebar shows of the person's mentions in `mailboxes` (two queries)."""
    boxes = list(mailboxes)
    threads = (
        NoteMention.objects.filter(_unopened(user, boxes))
        .values("account_id", "extension_id", "thread_kind", "thread_id")
        .distinct()
        .count()
    )
    latest = (
        NoteMention.objects.filter(_within(user, boxes)).select_related("note").order_by("-pk")
    ).first()
    if latest is None:
        return MentionSummary(threads, 0, "")
    return MentionSummary(threads, latest.pk, latest.note.author_label)


@dataclass(frozen=True)
class MentionRow:
    """A thread where someone mentioned the person, as the Mentions page lists it: the
    newest unopened mention's note."""

    mailbox: Mailbox
    thread_kind: str
    thread_id: int
    party: str  # the other party, when the conversation index knows the thread
    author: str
    excerpt: str
    at: datetime
    count: int  # the person's unopened mentions in the thread

    @property
    def key(self) -> ThreadKey:
        return (self.thread_kind, self.thread_id)


def _parties(keys: set[tuple[int, int, str, int]]) -> dict[tuple[int, int, str, int], str]:
    if not keys:
        return {}
    wanted = Q(pk__in=[])
    for account_id, extension_id, kind, thread_id in keys:
        wanted |= Q(
            account_id=account_id, extension_id=extension_id, thread_kind=kind, thread_id=thread_id
        )
    rows = list(
        IndexedConversation.objects.filter(wanted).only(
            "account_id", "extension_id", "thread_kind", "thread_id", "parties"
        )
    )
    # the address book's names over RingCentral's; a person's mailboxes are of one account,
    # so this is one query
    contacts: dict[int, dict[str, str]] = {}
    for account_id in {row.account_id for row in rows}:
        contacts[account_id] = contact_names(
            account_id=account_id,
            numbers={
                str(p.get("number") or "")
                for row in rows
                if row.account_id == account_id
                for p in row.parties
                if p
            },
        )
    found: dict[tuple[int, int, str, int], str] = {}
    for row in rows:
        known = contacts[row.account_id]
        labels = [
            str(
                known.get(str(p.get("number") or ""))
                or p.get("name")
                or format_number(p.get("number"))
            )
            for p in row.parties
            if p
        ]
        found[(row.account_id, row.extension_id, row.thread_kind, row.thread_id)] = ", ".join(
            label for label in labels if label
        )
    return found


def mention_rows(*, user: User, mailboxes: Iterable[Mailbox]) -> list[MentionRow]:
    """The threads of `mailboxes` with a mention of `user` they have not opened, the newest
    mention first."""
    boxes = {(m.account_id, m.extension_id): m for m in mailboxes}
    mentions = (
        NoteMention.objects.filter(_unopened(user, boxes.values()))
        .select_related("note")
        .order_by("-created_at", "-pk")[:MENTIONS_MAX]
    )
    newest: dict[tuple[int, int, str, int], NoteMention] = {}
    counts: dict[tuple[int, int, str, int], int] = {}
    for mention in mentions:
        key = (mention.account_id, mention.extension_id, mention.thread_kind, mention.thread_id)
        newest.setdefault(key, mention)
        counts[key] = counts.get(key, 0) + 1
    parties = _parties(set(newest))
    return [
        MentionRow(
            mailbox=boxes[(key[0], key[1])],
            thread_kind=key[2],
            thread_id=key[3],
            party=parties.get(key, ""),
            author=mention.note.author_label,
            excerpt=excerpt(mention.note.text),
            at=mention.created_at,
            count=counts[key],
        )
        for key, mention in newest.items()
    ]
