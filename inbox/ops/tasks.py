"""The task probe's task (the default queue: it calls nobody)."""

from __future__ import annotations

from celery import Task, shared_task

from inbox.ops.probe import task_probe_answer

PROBE_TASK = "inbox.ops.tasks.healthcheck_ping"


@shared_task(name=PROBE_TASK, bind=True)  # type: ignore[untyped-decorator]
def healthcheck_ping(self: Task, probe_id: int) -> None:
    """Answer a task probe, proving a worker consumes the queue and reaches the database."""
    task_probe_answer(probe_id=probe_id, worker=self.request.hostname or "unknown worker")
