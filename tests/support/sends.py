"""Helpers for tests of the send pipeline: queued sends, the emulator's outbound store, and
a recorder of the tasks the pipeline would enqueue (for tests that drive the steps
themselves; the tests with a real worker use the real broker instead)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from accounts.models import User
from inbox.models import Send
from inbox.sending import tasks
from inbox.sending.requests import Document, send_create_once
from tests.support.emulator import RunningEmulator

CUSTOMER = "+16505550199"


def sms_queue(user: User, *, text: str, to: str = CUSTOMER, **fields: Any) -> Send:
    """A queued SMS of `user`, from their first SMS number unless `from_number` is given."""
    send, created = send_create_once(
        user=user,
        kind=Send.Kind.SMS,
        idempotency_key=uuid.uuid4(),
        fields={"from_number": user.sms_numbers[0], "recipients": [to], "text": text, **fields},
    )
    assert created
    return send


def fax_queue(user: User, *, to: str, documents: list[Document], **fields: Any) -> Send:
    send, created = send_create_once(
        user=user,
        kind=Send.Kind.FAX,
        idempotency_key=uuid.uuid4(),
        fields={"recipients": [to], **fields},
        documents=documents,
    )
    assert created
    return send


def outbound(
    running: RunningEmulator, which: str, *, since: datetime | None = None
) -> list[dict[str, Any]]:
    """Every outbound message of `which`'s mailbox in the emulator's store, read through the
    API (all pages)."""
    http = running.session(which)
    since = since or datetime.now(UTC) - timedelta(hours=1)
    records: list[dict[str, Any]] = []
    page = 1
    while True:
        answer = http.get(
            running.api("/account/~/extension/~/message-store"),
            params={
                "direction": "Outbound",
                "dateFrom": since.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "perPage": "1000",
                "page": str(page),
            },
            timeout=30,
        )
        answer.raise_for_status()
        body = answer.json()
        records += body["records"]
        if not body.get("navigation", {}).get("nextPage"):
            return records
        page += 1


def request_count(
    running: RunningEmulator, *, operation: str | None = None, status: int | None = None
) -> int:
    records = requests.get(f"{running.url}/_emulator/requests", timeout=10).json()["records"]
    return sum(
        r["count"]
        for r in records
        if (operation is None or r["operation"] == operation)
        and (status is None or r["status"] == status)
    )


def faults_set(running: RunningEmulator, **plan: Any) -> None:
    answer = requests.put(f"{running.url}/_emulator/faults", json=plan, timeout=10)
    assert answer.status_code == 200, answer.text


def wait_until(
    condition: Callable[[], bool], *, seconds: float, every: float = 0.2, what: str = ""
) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"not within {seconds} s: {what}"
        time.sleep(every)


@dataclass
class Enqueued:
    task: str
    args: list[Any]
    kwargs: dict[str, Any]
    countdown: float | None


@dataclass
class TaskRecorder:
    """The tasks the pipeline enqueued, in order, instead of sending them to a broker."""

    calls: list[Enqueued] = field(default_factory=list)

    def of(self, task: str) -> list[Enqueued]:
        return [call for call in self.calls if call.task == task]


def tasks_record_into(
    monkeypatch: pytest.MonkeyPatch, recorder: TaskRecorder, recorded: Iterable[Any]
) -> TaskRecorder:
    """Record these Celery tasks in `recorder` instead of enqueueing them (until the test
    ends)."""
    for task in recorded:

        def record(
            args: Any = None, kwargs: Any = None, *, _name: str = task.name, **options: Any
        ) -> None:
            recorder.calls.append(
                Enqueued(_name, list(args or []), dict(kwargs or {}), options.get("countdown"))
            )

        monkeypatch.setattr(task, "apply_async", record)
    return recorder


def tasks_record(monkeypatch: pytest.MonkeyPatch) -> TaskRecorder:
    """Record the pipeline's tasks instead of enqueueing them (until the test ends)."""
    return tasks_record_into(
        monkeypatch,
        TaskRecorder(),
        (tasks.rc_send_process, tasks.rc_sends_track, tasks.sends_recover),
    )
