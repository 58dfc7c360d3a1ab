"""Celery tasks of the history back-fill: each takes ids and calls one service.

`rc_history_step` calls RingCentral; every task of the history goes to the `history` queue
(config/celery.py), apart from sends and syncs; `HISTORY_TASK_QUEUE` sends them to one queue
instead (tests use it).
"""

from __future__ import annotations

from celery import shared_task

from inbox.history import services
from inbox.history.services import BUSY, HISTORY_STEP_TASK, WALK

HISTORY_DUE_TASK = "inbox.history.tasks.mailboxes_history_due"


@shared_task(  # type: ignore[untyped-decorator]
    name=HISTORY_STEP_TASK, acks_late=True, soft_time_limit=90, time_limit=100
)
def rc_history_step(account_id: int, extension_id: int, phase: str = WALK, page: int = 1) -> None:
    """One page of the mailbox's history (`inbox.history.services.history_step`), then its
    next step, with the countdown the step chose (its pace, or the wait for rate headroom)."""
    step = services.history_step(
        account_id=account_id, extension_id=extension_id, phase=phase, page=page
    )
    if step.status == BUSY:
        return  # another step of the mailbox runs: its chain goes on
    services.history_chain_continue(account_id=account_id, extension_id=extension_id, step=step)


@shared_task(  # type: ignore[untyped-decorator]
    name=HISTORY_DUE_TASK, acks_late=True, soft_time_limit=60, time_limit=70
)
def mailboxes_history_due() -> None:
    """Start or continue the back-fills and re-checks that are due (run by Celery beat)."""
    services.mailboxes_history_due()
