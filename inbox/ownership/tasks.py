"""Celery tasks of ownership: each calls one service. None calls RingCentral, so all go to the
`default` queue (config/celery.py)."""

from __future__ import annotations

from celery import shared_task

from inbox.ownership import services

SNOOZES_WAKE_TASK = "inbox.ownership.tasks.snoozes_wake_due"


@shared_task(  # type: ignore[untyped-decorator]
    name=SNOOZES_WAKE_TASK, acks_late=True, soft_time_limit=50, time_limit=60
)
def snoozes_wake_due() -> None:
    """Wake the snoozed conversations whose time has come (run by Celery beat every minute)."""
    services.snoozes_wake_due()
