"""What the search tests share: times counted back from now, and a mailbox's index filled as a
finished first sync leaves it."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from inbox.conversations.selectors import Mailbox
from inbox.index.services import index_apply
from inbox.models import MailboxSync
from rcapi import Message


def days_ago(days: float) -> datetime:
    return timezone.now() - timedelta(days=days)


def fill(mailbox: Mailbox, *records: Message, window_start: datetime | None = None) -> None:
    """The mailbox's index as a finished first sync leaves it, holding `records`, over the
    window from `window_start` (the last 30 days unless told)."""
    window = window_start or days_ago(30)
    index_apply(
        account_id=mailbox.account_id,
        extension_id=mailbox.extension_id,
        records=records,
        full=True,
        window_start=window,
    )
    MailboxSync.objects.filter(
        account_id=mailbox.account_id, extension_id=mailbox.extension_id
    ).update(indexed_at=timezone.now(), index_window_start=window)
