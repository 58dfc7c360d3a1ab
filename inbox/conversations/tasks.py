"""Tasks of the conversations: marking read, at RingCentral, what a person opened."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task

from accounts.errors import ReconnectRequired
from inbox.conversations.services import READ_ON_OPEN_TASK, messages_read_on_open
from inbox.ringcentral import InboxError
from rcapi import RateLimited, RingCentralError


@shared_task(  # type: ignore[untyped-decorator]
    name=READ_ON_OPEN_TASK,
    bind=True,
    acks_late=True,
    max_retries=3,
    soft_time_limit=60,
    time_limit=70,
)
def rc_messages_read_on_open(
    self: Task, user_id: int, extension_id: int, thread_key: list[Any], message_ids: list[int]
) -> None:
    """Mark what a person opened read (see `services.thread_read_on_open`). Marking twice is
    harmless; a busy RingCentral is waited for, anything else is left for the next
    time the thread is opened."""
    try:
        messages_read_on_open(
            user_id=user_id,
            extension_id=extension_id,
            thread_key=thread_key,
            message_ids=message_ids,
        )
    except RateLimited as exc:
        raise self.retry(countdown=max(1.0, exc.retry_after)) from exc
    except (RingCentralError, InboxError, ReconnectRequired):
        return
