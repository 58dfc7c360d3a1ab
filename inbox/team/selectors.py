"""Reads about team mailboxes for the admins who manage them.

Every page of this feature is for admins of the account (`inbox.web.admin_account_check`: a
404 for anyone else), and a team mailbox is looked up within the admin's own account only.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404

from accounts.models import RingCentralCredential, User
from inbox.models import TeamMailbox
from inbox.web import admin_account_check


@dataclass(frozen=True)
class TeamMailboxRow:
    """A team mailbox as the admins' page lists it."""

    team: TeamMailbox
    connected: bool
    status_reason: str
    members: tuple[str, ...]


def team_mailbox_rows_for_admin(*, user: User) -> list[TeamMailboxRow]:
    account_id = admin_account_check(user=user)
    teams = (
        TeamMailbox.objects.select_related("credential")
        .prefetch_related("members")
        .filter(account_id=account_id)
        .order_by("name", "pk")
    )
    return [
        TeamMailboxRow(
            team=team,
            connected=team.credential.status == RingCentralCredential.Status.CONNECTED,
            status_reason=team.credential.status_reason,
            members=tuple(
                sorted(member.get_full_name() or member.username for member in team.members.all())
            ),
        )
        for team in teams
    ]


def team_mailbox_get_for_admin(*, user: User, team_id: int) -> TeamMailbox:
    """The team mailbox `team_id` of the admin's account; Http404 otherwise."""
    account_id = admin_account_check(user=user)
    team = (
        TeamMailbox.objects.select_related("credential")
        .filter(pk=team_id, account_id=account_id)
        .first()
    )
    if team is None:
        raise Http404("No such team mailbox.")
    return team


def team_member_candidates(*, account_id: int) -> list[User]:
    """The people who can be members: active users of the account who signed in here."""
    return list(
        User.objects.filter(
            rc_account_id=account_id, rc_extension_id__isnull=False, is_active=True
        ).order_by("first_name", "last_name", "username")
    )


def team_mailbox_is_connected(team: TeamMailbox) -> bool:
    return team.credential.status == RingCentralCredential.Status.CONNECTED
