"""Opt-out follows the message sync by a signal (connected in `InboxConfig.ready`): each new
received SMS that is a keyword as a whole (STOP, START, …) changes the customer's opt-out."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.dispatch import receiver

from inbox.optout.services import optouts_apply_keywords
from inbox.signals import inbound_messages_indexed
from rcapi import Message


@receiver(inbound_messages_indexed, dispatch_uid="inbox.optout.keywords")
def keywords_apply(
    *, account_id: int, extension_id: int, messages: Iterable[Message], **_: Any
) -> None:
    optouts_apply_keywords(account_id=account_id, extension_id=extension_id, messages=messages)
