"""Helpers of the ownership tests: rows of the conversation index made directly (as the index
would keep them), mailboxes marked as read by the index, and the mailbox objects the
services take."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from accounts.models import User
from inbox.conversations.selectors import Mailbox, mailbox_get_for_user
from inbox.models import IndexedConversation, MailboxSync

_THREAD_IDS = itertools.count(7_000_000_000_001)


def thread_id_new() -> int:
    """A conversation id no other thread of these tests uses."""
    return next(_THREAD_IDS)


def mailbox_of(user: User, extension_id: int | None = None) -> Mailbox:
    """The mailbox `extension_id` (default: the user's own) as `user` opens it."""
    return mailbox_get_for_user(user=user, extension_id=extension_id or user.rc_extension_id or 0)


def index_ready(mailbox: Mailbox) -> None:
    """Mark the mailbox as read by the conversation index, over the sync's 30-day window."""
    MailboxSync.objects.update_or_create(
        account_id=mailbox.account_id,
        extension_id=mailbox.extension_id,
        defaults={
            "indexed_at": timezone.now(),
            "index_window_start": timezone.now() - timedelta(days=30),
        },
    )


def indexed(
    mailbox: Mailbox,
    *,
    thread_id: int | None = None,
    kind: str = "conversation",
    at: datetime | None = None,
    **fields: Any,
) -> IndexedConversation:
    """A thread of the mailbox as the index keeps it: an inbound SMS, unread, a minute old."""
    when = at or timezone.now() - timedelta(minutes=1)
    values: dict[str, Any] = {
        "last_message_id": thread_id_new(),
        "last_message_at": when,
        "last_type": "SMS",
        "last_direction": "Inbound",
        "preview": "Where is my order?",
        "parties": [{"number": "+16505550101", "name": ""}],
        "unread_count": 1,
        "message_count": 1,
        "last_inbound_at": when,
    }
    values.update(fields)
    return IndexedConversation.objects.create(
        account_id=mailbox.account_id,
        extension_id=mailbox.extension_id,
        thread_kind=kind,
        thread_id=thread_id or thread_id_new(),
        **values,
    )
