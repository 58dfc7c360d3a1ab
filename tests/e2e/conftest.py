"""Browser tests: real Chromium, driven by Playwright, against the dashboard served by
pytest-django's live server and an emulator that accepts the live server's redirect URI."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rcapi import RateBudget
from tests.accounts.support import budget_for_test, point_dashboard_at
from tests.support.emulator import (  # noqa: F401  (fixtures)
    RunningEmulator,
    emulator_factory,
    emulator_template,
)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium, for one test module. While Playwright runs, its sync API keeps an event loop
    in this thread, so the ORM calls the tests (and database fixtures) make beside it need
    DJANGO_ALLOW_ASYNC_UNSAFE: set for that time only, so no later test or subprocess sees it
    (`check --deploy` refuses it)."""
    if not CHROMIUM.exists():
        # CI installs Chromium (.ci/run): there a missing browser is a failure, never a skip
        if os.environ.get("CI"):
            pytest.fail("Chromium is not installed at /usr/bin/chromium")
        pytest.skip("Chromium is not installed: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
            )
            yield chromium
            chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A page in a browser context of its own: no cookies from other tests."""
    context = browser.new_context()
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.fixture(autouse=True)
def rate_budget(monkeypatch: pytest.MonkeyPatch) -> Iterator[RateBudget]:
    with budget_for_test() as budget:
        monkeypatch.setattr("accounts.services.rate_budget", lambda: budget)
        yield budget


@pytest.fixture
def ringcentral(settings: Any, live_server: Any, emulator_factory: Any) -> RunningEmulator:  # noqa: F811
    """An emulator that sends people back to the live server after they sign in."""
    callback = f"{live_server.url}/accounts/callback/"
    running = emulator_factory("--redirect-uri", callback)
    return point_dashboard_at(settings, running, redirect_uri=callback)
