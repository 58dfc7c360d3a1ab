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


def fill(mailbox: Mailbox, *records: Message) -> None:
    """The mailbox's index as a finished first sync leaves it, holding `records`."""
    index_apply(
        account_id=mailbox.account_id,
        extension_id=mailbox.extension_id,
        records=records,
        full=True,
        window_start=days_ago(30),
    )
    MailboxSync.objects.filter(
        account_id=mailbox.account_id, extension_id=mailbox.extension_id
    ).update(indexed_at=timezone.now(), index_window_start=days_ago(30))
