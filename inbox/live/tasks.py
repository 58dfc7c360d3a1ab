"""Celery tasks of the live inbox: each takes ids and calls one service.

Tasks named `rc_*` call RingCentral and go to the `ringcentral` queue (config/celery.py);
`LIVE_TASK_QUEUE` sends them all to one queue instead (tests use it).
"""

from __future__ import annotations

from celery import shared_task

from accounts.models import RingCentralCredential
from inbox.live import subscriptions, sync
from inbox.live.subscriptions import (
    CREDENTIAL_SUBSCRIPTION_ENSURE_TASK,
    SUBSCRIPTION_ENSURE_TASK,
)
from inbox.live.sync import MAILBOX_SYNC_TASK
from rcapi import RateLimited, RingCentralError


@shared_task(  # type: ignore[untyped-decorator]
    name=MAILBOX_SYNC_TASK, acks_late=True, soft_time_limit=60, time_limit=70
)
def rc_mailbox_sync(account_id: int, extension_id: int) -> None:
    """Sync one mailbox (see `inbox.live.sync.mailbox_sync`). A sync that found no free
    rate-budget slot asks again shortly; other failures (recorded on the mailbox's sync state
    for the ops page) wait for the next event or the beat's periodic sync."""
    try:
        sync.mailbox_sync(account_id=account_id, extension_id=extension_id, spaced=True)
    except RateLimited:
        sync.mailbox_sync_request(account_id=account_id, extension_id=extension_id, force=True)
    except RingCentralError:
        return


@shared_task(  # type: ignore[untyped-decorator]
    name=SUBSCRIPTION_ENSURE_TASK,
    acks_late=True,
    soft_time_limit=60,
    time_limit=70,
)
def rc_subscription_ensure(user_id: int) -> None:
    """Make sure the user's mailbox has a WebHook subscription (enqueued at sign-in)."""
    subscriptions.subscription_ensure(user_id=user_id)


@shared_task(  # type: ignore[untyped-decorator]
    name=CREDENTIAL_SUBSCRIPTION_ENSURE_TASK,
    acks_late=True,
    soft_time_limit=60,
    time_limit=70,
)
def rc_credential_subscription_ensure(credential_id: int) -> None:
    """Make sure a team mailbox has a WebHook subscription (enqueued when it is connected)."""
    credential = RingCentralCredential.objects.filter(pk=credential_id).first()
    if credential is not None:
        subscriptions.credential_subscription_ensure(credential=credential)


@shared_task(  # type: ignore[untyped-decorator]
    name="inbox.live.tasks.rc_subscriptions_maintain",
    acks_late=True,
    soft_time_limit=240,
    time_limit=270,
)
def rc_subscriptions_maintain() -> None:
    """Renew, recreate or create subscriptions (run by Celery beat)."""
    subscriptions.subscriptions_maintain()


@shared_task(  # type: ignore[untyped-decorator]
    name="inbox.live.tasks.mailboxes_sync_due", acks_late=True, soft_time_limit=30, time_limit=40
)
def mailboxes_sync_due() -> None:
    """Ask for the periodic sync of open and subscribed mailboxes (run by Celery beat)."""
    sync.mailboxes_sync_due()
