from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task

from accounts.errors import ReconnectRequired
from accounts.models import User
from accounts.services import credential_verify
from rcapi import RateLimited, Unavailable

log = logging.getLogger(__name__)


@shared_task(  # type: ignore[untyped-decorator]
    name="accounts.tasks.rc_verify_connection",
    acks_late=True,
    autoretry_for=(Unavailable, RateLimited),
    retry_backoff=5,
    max_retries=3,
)
def rc_verify_connection(user_id: int) -> None:
    """Check that a user's RingCentral connection works, refreshing the token if due."""
    try:
        credential_verify(user_id=user_id, max_age=timedelta(0))
    except ReconnectRequired:
        log.info("User %s must reconnect to RingCentral", user_id)
    except User.DoesNotExist:
        log.info("User %s no longer exists", user_id)
