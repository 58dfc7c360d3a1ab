"""Fixtures of the index tests that sync a real mailbox: an emulator of each test's own (a
sync reads the whole 30-day window, which other tests add to on the shared one), bob signed in
to it, and the tasks the services enqueue recorded instead of sent."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts.models import User
from inbox.live.sync import SyncOutcome, mailbox_sync
from tests.inbox.conftest import extension_of, signed_in
from tests.inbox.live.support import live_tasks_record
from tests.support.emulator import RunningEmulator
from tests.support.sends import TaskRecorder, tasks_record


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> TaskRecorder:
    tasks_record(monkeypatch)
    return live_tasks_record(monkeypatch)


@pytest.fixture
def bob_browser(fresh_rc: RunningEmulator, recorded: TaskRecorder) -> Client:
    return signed_in(fresh_rc, "agent")


@pytest.fixture
def bob(bob_browser: Client, fresh_rc: RunningEmulator) -> User:
    return User.objects.get(rc_extension_id=extension_of(fresh_rc, "agent"))


def mailbox_of(user: User) -> tuple[int, int]:
    assert user.rc_account_id is not None and user.rc_extension_id is not None
    return user.rc_account_id, user.rc_extension_id


def sync(user: User) -> SyncOutcome:
    account_id, extension_id = mailbox_of(user)
    return mailbox_sync(account_id=account_id, extension_id=extension_id)


def rc_write(running: RunningEmulator, method: str, path: str, **options: Any) -> None:
    """A change bob makes at RingCentral from elsewhere (another app, RingCentral's own)."""
    answer = running.session("agent").request(
        method, running.api(f"/account/~/extension/~{path}"), timeout=10, **options
    )
    assert answer.status_code in (200, 204), answer.text
