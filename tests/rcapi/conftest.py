"""Fixtures of the rcapi tests: the emulator, and rate budgets of either flavour."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from rcapi import LocalRateBudget, RateBudget, RedisRateBudget
from tests.rcapi.support import delete_prefix, redis_for_tests, unique_prefix
from tests.support.emulator import (  # noqa: F401  (fixtures)
    emulator,
    emulator_factory,
    emulator_template,
    fresh_emulator,
)

BudgetFactory = Callable[..., RateBudget]


@pytest.fixture(params=["local", "redis"])
def make_budget(request: pytest.FixtureRequest) -> Iterator[BudgetFactory]:
    """Budgets of the flavour under test; Redis ones share this test's own key prefix."""
    if request.param == "local":
        yield lambda **options: LocalRateBudget(**options)
        return
    client = redis_for_tests()
    prefix = unique_prefix()
    try:
        yield lambda **options: RedisRateBudget(client, prefix=prefix, **options)
    finally:
        delete_prefix(client, prefix)
        client.close()
