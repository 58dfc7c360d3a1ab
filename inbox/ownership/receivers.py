"""Ownership follows the conversation index by a signal (connected in `InboxConfig.ready`): a
new inbound message reopens a closed thread and wakes a snoozed one."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.dispatch import receiver

from inbox.ownership.presenters import ThreadKey
from inbox.ownership.services import threads_reopen_on_inbound
from inbox.signals import messages_indexed


@receiver(messages_indexed, dispatch_uid="inbox.ownership.reopen_on_inbound")
def reopen_on_inbound(
    *, account_id: int, extension_id: int, threads: Iterable[ThreadKey], **_: Any
) -> None:
    threads_reopen_on_inbound(account_id=account_id, extension_id=extension_id, threads=threads)
