"""Helpers of the live-inbox tests: inbound traffic injected into a running emulator, and a
recorder of the live tasks (for tests that drive the services themselves)."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from inbox.live import tasks as live_tasks
from tests.support.emulator import REPO_ROOT, RunningEmulator
from tests.support.sends import TaskRecorder, tasks_record_into


def inject_sms(running: RunningEmulator, *, to_extension: str, sender: str, text: str) -> int:
    """An inbound SMS arriving at the emulator from outside (`python -m emulator inject`);
    its message id."""
    done = subprocess.run(
        [sys.executable, "-m", "emulator", "inject", "sms", "--to-extension", to_extension,
         "--from", sender, "--text", text, "--db", str(running.db_path)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    record: dict[str, Any] = json.loads(done.stdout)
    return int(record["ids"][0])


def live_tasks_record(monkeypatch: pytest.MonkeyPatch) -> TaskRecorder:
    """Record the live tasks instead of enqueueing them (until the test ends)."""
    return tasks_record_into(
        monkeypatch,
        TaskRecorder(),
        (
            live_tasks.rc_mailbox_sync,
            live_tasks.rc_subscription_ensure,
            live_tasks.rc_subscriptions_maintain,
            live_tasks.mailboxes_sync_due,
        ),
    )
