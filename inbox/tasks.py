from __future__ import annotations

from celery import Task, shared_task

from inbox.services import task_probe_answer


@shared_task(name="inbox.tasks.healthcheck_ping", bind=True)  # type: ignore[untyped-decorator]
def healthcheck_ping(self: Task, probe_id: int) -> None:
    """Answer a task probe, proving a worker consumes the queue and reaches the database."""
    task_probe_answer(probe_id=probe_id, worker=self.request.hostname or "unknown worker")
