"""Reads of saved replies, always for a person: the ones they may see (their account's
team-wide replies and their own), the ones they may change, and the replies filled in for a
conversation. Another account's replies and other people's own replies do not exist for them:
asked by id, they are a 404."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import User
from inbox.contacts.selectors import contact_names
from inbox.conversations.presenters import MessageView
from inbox.conversations.selectors import Mailbox, Thread
from inbox.models import SavedReply
from inbox.replies.variables import first_name_of, reply_render


def _account_of(user: User) -> int:
    """The person's RingCentral account; Http404 for anyone without a connection, who has no
    replies to see."""
    if not (user.is_authenticated and user.is_active and user.rc_account_id is not None):
        raise Http404("No such page.")
    return user.rc_account_id


def saved_reply_can_change(*, user: User, reply: SavedReply) -> bool:
    """Admins change their account's team-wide replies; everyone changes their own."""
    if reply.account_id != user.rc_account_id:
        return False
    if reply.owner_id is None:
        return user.role == User.Role.ADMIN
    return bool(reply.owner_id == user.pk)


def _visible(user: User) -> QuerySet[SavedReply]:
    return SavedReply.objects.filter(
        Q(owner__isnull=True) | Q(owner=user), account_id=_account_of(user)
    )


@dataclass(frozen=True)
class SavedReplies:
    team: tuple[SavedReply, ...]
    own: tuple[SavedReply, ...]


def saved_replies_for_user(*, user: User) -> SavedReplies:
    """The team-wide replies of the person's account and their own, each by name."""
    replies = list(_visible(user).order_by("name", "id"))
    return SavedReplies(
        team=tuple(r for r in replies if r.owner_id is None),
        own=tuple(r for r in replies if r.owner_id is not None),
    )


def saved_reply_get_for_user(*, user: User, reply_id: int) -> SavedReply:
    """A reply the person may see; Http404 otherwise."""
    reply = _visible(user).filter(pk=reply_id).first()
    if reply is None:
        raise Http404("No such saved reply.")
    return reply


def saved_reply_get_for_change(*, user: User, reply_id: int) -> SavedReply:
    """A reply the person may change or delete; Http404 otherwise (an agent asking for a
    team-wide reply's form included: there is no such form for them)."""
    reply = saved_reply_get_for_user(user=user, reply_id=reply_id)
    if not saved_reply_can_change(user=user, reply=reply):
        raise Http404("No such saved reply.")
    return reply


# --------------------------------------------------------------------------- filling


def _the_other_party_name(account_id: int, messages: tuple[MessageView, ...]) -> str:
    """The name of the one person the conversation is with: the address book's for their
    number, else the one RingCentral gave on the newest message that names them; "" when
    nobody named them, or in a group (no one person to greet)."""
    parties = [m.others for m in messages if m.others]
    if not parties or len(parties[-1]) > 1:
        return ""
    number = parties[-1][0].phone_number
    book = contact_names(account_id=account_id, numbers=[number])
    if book.get(number, "").strip():
        return book[number].strip()
    for others in reversed(parties):
        if len(others) == 1 and others[0].phone_number == number and others[0].name.strip():
            return others[0].name.strip()
    return ""


def reply_values(*, user: User, mailbox: Mailbox, thread: Thread) -> dict[str, str]:
    """What each variable stands for, in this conversation, for this person."""
    contact = _the_other_party_name(mailbox.account_id, thread.messages)
    agent = user.get_full_name().strip()
    return {
        "contact.name": contact,
        "contact.first_name": first_name_of(contact),
        "agent.name": agent,
        "agent.first_name": user.first_name.strip() or first_name_of(agent),
        "mailbox.name": mailbox.team.name if mailbox.team is not None else mailbox.name,
    }


@dataclass(frozen=True)
class FilledReply:
    id: int
    name: str
    text: str  # the variables filled in
    team_wide: bool


def saved_replies_filled(*, user: User, mailbox: Mailbox, thread: Thread) -> list[FilledReply]:
    """The replies the person may use, team-wide first, each filled in for `thread`."""
    values = reply_values(user=user, mailbox=mailbox, thread=thread)
    replies = saved_replies_for_user(user=user)
    return [
        FilledReply(r.pk, r.name, reply_render(text=r.text, values=values), r.owner_id is None)
        for r in (*replies.team, *replies.own)
    ]
