"""Changes to saved replies: add, change, delete. Each checks what it is given and who asks,
and leaves an audit entry."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction

from accounts.models import User
from inbox.models import AuditEntry, SavedReply
from inbox.replies.selectors import saved_reply_can_change
from inbox.replies.variables import VARIABLES, reply_variables_unknown
from inbox.sending.rules import SMS_TEXT_LIMIT, utf16_units

NAME_MAX = SavedReply._meta.get_field("name").max_length or 80
TEXT_MAX = SMS_TEXT_LIMIT  # a reply longer than one SMS may carry could never be sent whole


class SavedReplyInvalid(Exception):
    """What was given cannot be saved; `message` says why and what to do."""

    def __init__(self, message: str, *, field: str = "__all__") -> None:
        super().__init__(message)
        self.message, self.field = message, field


class SavedReplyRefused(Exception):
    """The person may not make this change (an agent and a team-wide reply)."""


@dataclass(frozen=True)
class ReplyInput:
    name: str
    text: str


def _checked(name: str, text: str) -> ReplyInput:
    name = " ".join(name.split())
    text = text.strip()
    if not name:
        raise SavedReplyInvalid("Give the reply a name, to find it by.", field="name")
    if len(name) > NAME_MAX:
        raise SavedReplyInvalid(
            f"The name is {len(name):,} characters long; use at most {NAME_MAX}.", field="name"
        )
    if not text:
        raise SavedReplyInvalid("Write the reply's text.", field="text")
    units = utf16_units(text)
    if units > TEXT_MAX:
        raise SavedReplyInvalid(
            f"The text is {units:,} characters long; a reply can be at most {TEXT_MAX:,} "
            f"(an emoji counts as 2). Shorten it by {units - TEXT_MAX:,}.",
            field="text",
        )
    unknown = reply_variables_unknown(text)
    if unknown:
        named = ", ".join(f"{{{n}}}" for n in unknown)
        known = ", ".join(f"{{{v.name}}}" for v in VARIABLES)
        noun = "is not a variable" if len(unknown) == 1 else "are not variables"
        raise SavedReplyInvalid(
            f"{named} {noun} a reply can use. Use one of {known}, or remove the braces.",
            field="text",
        )
    return ReplyInput(name, text)


def _name_taken(reply: ReplyInput, *, account_id: int, owner: User | None, pk: int | None) -> None:
    same = SavedReply.objects.filter(account_id=account_id, owner=owner, name=reply.name)
    if pk is not None:
        same = same.exclude(pk=pk)
    if same.exists():
        whose = "A team-wide reply" if owner is None else "One of your replies"
        raise SavedReplyInvalid(
            f"{whose} is already named “{reply.name}”. Choose another name.", field="name"
        )


def _audit(
    *, user: User, reply: SavedReply, action: AuditEntry.Action, detail: str, ip: str | None
) -> None:
    assert user.rc_extension_id is not None
    AuditEntry.objects.create(
        actor=user,
        actor_label=AuditEntry.label_of(user),
        ip_address=ip,
        action=action,
        account_id=reply.account_id,
        extension_id=user.rc_extension_id,
        detail=detail,
    )


def _scope(reply: SavedReply) -> str:
    return "team-wide" if reply.owner_id is None else "personal"


def _saved(reply: SavedReply) -> None:
    """Save, turning a name taken at the same moment by someone else into a sentence."""
    try:
        with transaction.atomic():
            reply.save()
    except IntegrityError as taken:
        raise SavedReplyInvalid(
            f"A reply named “{reply.name}” was just saved by someone else. Choose another name.",
            field="name",
        ) from taken


@transaction.atomic
def saved_reply_create(
    *, user: User, name: str, text: str, team_wide: bool, ip_address: str | None = None
) -> SavedReply:
    """A new reply: the person's own, or (admins only) their account's team-wide one."""
    if user.rc_account_id is None or user.rc_extension_id is None:
        raise SavedReplyRefused("Sign in with RingCentral to keep saved replies.")
    if team_wide and user.role != User.Role.ADMIN:
        raise SavedReplyRefused("Only admins add team-wide replies.")
    checked = _checked(name, text)
    owner = None if team_wide else user
    _name_taken(checked, account_id=user.rc_account_id, owner=owner, pk=None)
    reply = SavedReply(
        account_id=user.rc_account_id, owner=owner, name=checked.name, text=checked.text
    )
    _saved(reply)
    _audit(
        user=user,
        reply=reply,
        action=AuditEntry.Action.SAVED_REPLY_ADD,
        detail=f"“{reply.name}” ({_scope(reply)})",
        ip=ip_address,
    )
    return reply


@transaction.atomic
def saved_reply_change(
    *, user: User, reply: SavedReply, name: str, text: str, ip_address: str | None = None
) -> SavedReply:
    """A reply's new name and text."""
    if not saved_reply_can_change(user=user, reply=reply):
        raise SavedReplyRefused("You cannot change this reply.")
    checked = _checked(name, text)
    _name_taken(checked, account_id=reply.account_id, owner=reply.owner, pk=reply.pk)
    before = reply.name
    reply.name, reply.text = checked.name, checked.text
    _saved(reply)
    renamed = f", renamed from “{before}”" if before != reply.name else ""
    _audit(
        user=user,
        reply=reply,
        action=AuditEntry.Action.SAVED_REPLY_CHANGE,
        detail=f"“{reply.name}” ({_scope(reply)}){renamed}",
        ip=ip_address,
    )
    return reply


@transaction.atomic
def saved_reply_delete(*, user: User, reply: SavedReply, ip_address: str | None = None) -> None:
    if not saved_reply_can_change(user=user, reply=reply):
        raise SavedReplyRefused("You cannot delete this reply.")
    detail = f"“{reply.name}” ({_scope(reply)})"
    _audit(
        user=user,
        reply=reply,
        action=AuditEntry.Action.SAVED_REPLY_DELETE,
        detail=detail,
        ip=ip_address,
    )
    reply.delete()
