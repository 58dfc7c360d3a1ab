"""A shared extension an admin connected (`accounts.signals.extension_connected`, sent by the
sign-in callback or the JWT form) becomes a team mailbox."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from accounts.models import User
from accounts.services import ConnectedExtension
from accounts.signals import extension_connected
from inbox.team.services import team_mailbox_connected


@receiver(extension_connected, dispatch_uid="inbox.team.team_mailbox_on_connect")
def team_mailbox_on_connect(
    *, connected: ConnectedExtension, by: User, ip_address: str | None = None, **_: Any
) -> None:
    team_mailbox_connected(connected=connected, by=by, ip_address=ip_address)
