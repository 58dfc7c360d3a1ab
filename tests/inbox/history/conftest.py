"""Fixtures of the history tests: an emulator of each test's own (the walk reads the whole
mailbox), bob signed in to it, and the tasks the services enqueue recorded instead of sent."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import User
from inbox.history import tasks as history_tasks
from tests.inbox.conftest import extension_of, signed_in
from tests.inbox.live.support import live_tasks_record
from tests.support.emulator import RunningEmulator
from tests.support.sends import TaskRecorder, tasks_record, tasks_record_into


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> TaskRecorder:
    """The send pipeline's, the live inbox's and the history's tasks, recorded."""
    tasks_record(monkeypatch)
    return tasks_record_into(
        monkeypatch,
        live_tasks_record(monkeypatch),
        (history_tasks.rc_history_step, history_tasks.mailboxes_history_due),
    )


@pytest.fixture
def bob_browser(fresh_rc: RunningEmulator, recorded: TaskRecorder) -> Client:
    return signed_in(fresh_rc, "agent")


@pytest.fixture
def bob(bob_browser: Client, fresh_rc: RunningEmulator) -> User:
    return User.objects.get(rc_extension_id=extension_of(fresh_rc, "agent"))
