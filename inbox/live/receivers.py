"""Live updates follow what happens elsewhere, by signals (connected in `InboxConfig.ready`):
a person's sign-in starts their mailbox's subscription, signing out drops it, a team mailbox
connected gets its own and a disconnected one loses it, and a change a person made to a
mailbox moves its change counter."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from accounts.models import User
from accounts.services import ConnectedExtension
from accounts.signals import extension_connected, signed_in, signing_out
from inbox.live.subscriptions import (
    credential_subscription_ensure_enqueue,
    credential_subscriptions_drop,
    subscription_drop,
    subscription_ensure_enqueue,
)
from inbox.live.sync import mailbox_counter_bump, mailbox_sync_request
from inbox.models import TeamMailbox
from inbox.signals import mailbox_changed, team_mailbox_disconnecting


@receiver(signed_in, dispatch_uid="inbox.live.subscription_on_sign_in")
def subscription_on_sign_in(*, user: User, **_: Any) -> None:
    subscription_ensure_enqueue(user_id=user.pk)


@receiver(signing_out, dispatch_uid="inbox.live.subscription_on_sign_out")
def subscription_on_sign_out(*, user: User, **_: Any) -> None:
    subscription_drop(user=user)


@receiver(mailbox_changed, dispatch_uid="inbox.live.counter_on_change")
def counter_on_change(*, account_id: int, extension_id: int, **_: Any) -> None:
    mailbox_counter_bump(account_id=account_id, extension_id=extension_id)


@receiver(extension_connected, dispatch_uid="inbox.live.subscription_on_connect")
def subscription_on_connect(*, connected: ConnectedExtension, **_: Any) -> None:
    credential_subscription_ensure_enqueue(credential_id=connected.credential.pk)
    # the first sync fills what its pages show, whether or not one is open yet
    mailbox_sync_request(account_id=connected.account_id, extension_id=connected.extension_id)


@receiver(team_mailbox_disconnecting, dispatch_uid="inbox.live.subscription_on_disconnect")
def subscription_on_disconnect(*, team: TeamMailbox, **_: Any) -> None:
    credential_subscriptions_drop(credential=team.credential)
