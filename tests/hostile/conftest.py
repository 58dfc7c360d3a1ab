"""Fixtures of the hostile-input tests: the inbox tests' signed-in people and emulator, an API
token of bob's, and a record of every Celery task published meanwhile."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from celery.signals import before_task_publish
from django.test import Client
from rest_framework.authtoken.models import Token

from accounts.models import User
from tests.emulator.factories import conversation_of, make_sms, unique_number
from tests.inbox.conftest import (  # noqa: F401  (fixtures)
    bob_client,
    extension_of,
    own_cache,
    own_rate_budget,
    rc,
)
from tests.inbox.support import own_day
from tests.support.emulator import (  # noqa: F401  (fixtures)
    RunningEmulator,
    emulator,
    emulator_template,
)


@pytest.fixture
def bob_token(bob_client: Client, rc: RunningEmulator) -> str:  # noqa: F811
    """An API token of bob's (an agent, signed in with RingCentral)."""
    bob = User.objects.get(rc_extension_id=extension_of(rc, "agent"))
    key: str = Token.objects.create(user=bob).key
    return key


@pytest.fixture
def bobs_thread(rc: RunningEmulator) -> int:  # noqa: F811
    """A conversation of bob's with a customer of its own."""
    day, _ = own_day()
    first = make_sms(rc.db_path, extension_of(rc, "agent"), other_number=unique_number(),
                     text="Is it ready?", created_ts=day + 10)  # fmt: skip
    return conversation_of(rc.db_path, first)


@pytest.fixture
def published_tasks() -> Iterator[list[str]]:
    """The name of every Celery task this process publishes while the test runs."""
    names: list[str] = []

    def record(sender: str | None = None, **_: Any) -> None:
        names.append(str(sender))

    before_task_publish.connect(record, weak=False)
    try:
        yield names
    finally:
        before_task_publish.disconnect(record)
