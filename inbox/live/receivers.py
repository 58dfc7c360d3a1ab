"""Live updates follow what happens elsewhere, by signals (connected in `InboxConfig.ready`):
a person's sign-in starts their mailbox's subscription, signing out drops it, and a change a
person made to a mailbox moves its change counter."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from accounts.models import User
from accounts.signals import signed_in, signing_out
from inbox.live.subscriptions import subscription_drop, subscription_ensure_enqueue
from inbox.live.sync import mailbox_counter_bump
from inbox.signals import mailbox_changed


@receiver(signed_in, dispatch_uid="inbox.live.subscription_on_sign_in")
def subscription_on_sign_in(*, user: User, **_: Any) -> None:
    subscription_ensure_enqueue(user_id=user.pk)


@receiver(signing_out, dispatch_uid="inbox.live.subscription_on_sign_out")
def subscription_on_sign_out(*, user: User, **_: Any) -> None:
    subscription_drop(user=user)


@receiver(mailbox_changed, dispatch_uid="inbox.live.counter_on_change")
def counter_on_change(*, account_id: int, extension_id: int, **_: Any) -> None:
    mailbox_counter_bump(account_id=account_id, extension_id=extension_id)
