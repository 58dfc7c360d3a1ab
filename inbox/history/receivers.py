"""The history follows what happens elsewhere, by signals (connected in `InboxConfig.ready`): a
team mailbox being disconnected keeps its index, marked stale from that moment (the beat's
round marks any other mailbox nobody's session can read any more)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from inbox.history.services import mailbox_stale_mark
from inbox.models import TeamMailbox
from inbox.signals import team_mailbox_disconnecting


@receiver(team_mailbox_disconnecting, dispatch_uid="inbox.history.stale_on_disconnect")
def stale_on_disconnect(*, team: TeamMailbox, **_: Any) -> None:
    mailbox_stale_mark(account_id=team.account_id, extension_id=team.extension_id)
