"""Fixtures of the exports' tests: bob (an agent) and alice (an admin) signed in at the shared
emulator, as users."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import User
from tests.inbox.conftest import extension_of
from tests.support.emulator import RunningEmulator


@pytest.fixture
def bob(bob_client: Client, rc: RunningEmulator) -> User:
    return User.objects.get(rc_extension_id=extension_of(rc, "agent"))


@pytest.fixture
def alice(alice_client: Client, rc: RunningEmulator) -> User:
    return User.objects.get(rc_extension_id=extension_of(rc, "admin"))
