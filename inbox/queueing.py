"""Handing work to Celery by task name.

A service that must start a task enqueues it here by the task's name instead of importing the
tasks module, which imports the services: the arrows run one way (tasks → services → this).
Each tasks module names its tasks with the constants its services use, so a name cannot drift.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from celery import current_app


def task_enqueue(
    name: str,
    *,
    args: Sequence[Any] = (),
    kwargs: dict[str, Any] | None = None,
    **options: Any,
) -> None:
    """Enqueue the registered task `name` with Celery's options (`countdown`, `queue`, …).
    The broker's errors reach the caller, as `Task.apply_async`'s do."""
    signature = current_app.signature(name, args=list(args), kwargs=kwargs or {})
    signature.apply_async(**options)
