"""Scheduled sends follow the conversation index by a signal (connected in
`InboxConfig.ready`): a customer's new message cancels what was scheduled to them, unless the
person said otherwise. A send that starts a new conversation has no conversation to follow:
the customers' received messages themselves cancel it, by their numbers."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.dispatch import receiver

from inbox.scheduled.services import (
    scheduled_sends_cancel_on_number_reply,
    scheduled_sends_cancel_on_reply,
)
from inbox.signals import inbound_messages_indexed, messages_indexed
from rcapi import Message


@receiver(messages_indexed, dispatch_uid="inbox.scheduled.cancel_on_reply")
def cancel_on_reply(
    *, account_id: int, extension_id: int, threads: Iterable[tuple[str, int]], **_: Any
) -> None:
    scheduled_sends_cancel_on_reply(
        account_id=account_id, extension_id=extension_id, threads=threads
    )


@receiver(inbound_messages_indexed, dispatch_uid="inbox.scheduled.cancel_on_number_reply")
def cancel_on_number_reply(
    *, account_id: int, extension_id: int, messages: Iterable[Message], **_: Any
) -> None:
    scheduled_sends_cancel_on_number_reply(
        account_id=account_id, extension_id=extension_id, messages=messages
    )
