"""Connecting, changing and disconnecting team mailboxes. Admins only: the views check it
(`inbox.web.admin_account_check`) before calling anything here. Every change is in
the audit log, with the admin and the team mailbox."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from accounts.models import User
from accounts.services import ConnectedExtension, credential_end
from inbox.models import AuditEntry, TeamMailbox
from inbox.signals import team_mailbox_disconnecting
from inbox.team.selectors import team_member_candidates

NAME_MAX = 80
DISCONNECTED = "An admin disconnected it from RingCentral. Connect it again to carry on."


class TeamMailboxInvalid(ValueError):
    """A change an admin asked for that cannot be made; `message` says why, `field` where."""

    def __init__(self, message: str, *, field: str = "__all__") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def _audit(
    *, by: User, team: TeamMailbox, action: AuditEntry.Action, detail: str, ip: str | None
) -> None:
    label = AuditEntry.label_of(by)
    AuditEntry.objects.create(
        actor=by,
        actor_label=label,
        ip_address=ip,
        action=action,
        account_id=team.account_id,
        extension_id=team.extension_id,
        detail=detail,
    )


@transaction.atomic
def team_mailbox_connected(
    *, connected: ConnectedExtension, by: User, ip_address: str | None = None
) -> TeamMailbox:
    """The extension `connected` (its session just stored) as a team mailbox: a new one named
    as RingCentral names the extension, or the one it already was (reconnected: its name and
    members stay)."""
    team, created = TeamMailbox.objects.select_for_update().get_or_create(
        account_id=connected.account_id,
        extension_id=connected.extension_id,
        defaults={
            "credential": connected.credential,
            "name": connected.name[:NAME_MAX],
            "connected_by": by,
        },
    )
    team.credential = connected.credential
    team.extension_number = connected.extension_number
    team.sms_numbers = list(connected.sms_numbers)
    team.save()
    detail = "Connected." if created else "Reconnected."
    _audit(by=by, team=team, action=AuditEntry.Action.TEAM_CONNECT, detail=detail, ip=ip_address)
    return team


@transaction.atomic
def team_mailbox_change(
    *,
    team: TeamMailbox,
    name: str,
    member_ids: Iterable[int],
    by: User,
    ip_address: str | None = None,
) -> TeamMailbox:
    """Rename the team mailbox and set its members (people of its account who signed in
    here). `TeamMailboxInvalid` says what to change; nothing is changed then."""
    name = " ".join(name.split())
    if not name:
        raise TeamMailboxInvalid("Give the team mailbox a name.", field="name")
    if len(name) > NAME_MAX:
        raise TeamMailboxInvalid(f"Keep the name to {NAME_MAX} characters or fewer.", field="name")
    people = {person.pk: person for person in team_member_candidates(account_id=team.account_id)}
    wanted = list(dict.fromkeys(member_ids))
    strangers = [str(pk) for pk in wanted if pk not in people]
    if strangers:
        raise TeamMailboxInvalid(
            "Choose members among the people of your account who use Team Inbox.",
            field="members",
        )
    before = set(team.members.values_list("pk", flat=True))
    team.name = name
    team.save(update_fields=["name", "updated_at"])
    team.members.set([people[pk] for pk in wanted])
    added = [people[pk] for pk in wanted if pk not in before]
    removed = User.objects.filter(pk__in=before - set(wanted))
    parts = [f"Name: {name}."]
    if added:
        parts.append("Added " + ", ".join(p.get_full_name() or p.username for p in added) + ".")
    if removed:
        parts.append("Removed " + ", ".join(p.get_full_name() or p.username for p in removed) + ".")
    _audit(
        by=by,
        team=team,
        action=AuditEntry.Action.TEAM_CHANGE,
        detail=" ".join(parts),
        ip=ip_address,
    )
    return team


def team_mailbox_disconnect(*, team: TeamMailbox, by: User, ip_address: str | None = None) -> None:
    """End the team mailbox's session at RingCentral (its webhook subscription first, while
    the token works) and forget its tokens. The team mailbox, its members and its history
    stay: an admin can connect it again."""
    team_mailbox_disconnecting.send(sender=TeamMailbox, team=team)
    credential_end(holder=team.credential, reason=DISCONNECTED)
    _audit(
        by=by,
        team=team,
        action=AuditEntry.Action.TEAM_DISCONNECT,
        detail="Disconnected; its RingCentral session was ended.",
        ip=ip_address,
    )
