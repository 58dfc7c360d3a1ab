from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from rcapi import RateBudget
from tests.accounts.support import budget_for_test, point_dashboard_at
from tests.support.emulator import (  # noqa: F401  (fixtures)
    RunningEmulator,
    emulator,
    emulator_factory,
    emulator_template,
    fresh_emulator,
)


@pytest.fixture(autouse=True)
def rate_budget(monkeypatch: pytest.MonkeyPatch) -> Iterator[RateBudget]:
    """Each test has a rate budget of its own (see `budget_for_test`)."""
    with budget_for_test() as budget:
        monkeypatch.setattr("accounts.services.rate_budget", lambda: budget)
        yield budget


@pytest.fixture
def rc(settings: Any, emulator: RunningEmulator) -> RunningEmulator:  # noqa: F811
    """The dashboard pointed at the session's shared emulator."""
    return point_dashboard_at(settings, emulator)


@pytest.fixture
def rc_fresh(settings: Any, fresh_emulator: RunningEmulator) -> RunningEmulator:  # noqa: F811
    """The dashboard pointed at an emulator of the test's own (for revoking sessions)."""
    return point_dashboard_at(settings, fresh_emulator)
