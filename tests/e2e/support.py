"""Steps the browser tests share: signing in on the emulator's page, and a fresh customer
conversation to work in, a cache of the test's own."""

from __future__ import annotations

import random
import time
import uuid
from typing import Any

from playwright.sync_api import expect

from tests.emulator.factories import conversation_of, make_sms
from tests.support.emulator import RunningEmulator

AGENT = "agent"


def sign_in(
    page: Any, live_server: Any, running: RunningEmulator, next_path: str, which: str = AGENT
) -> None:
    """Open `next_path`, which sends the browser to RingCentral's sign-in page, and sign in."""
    person = running.user(which)
    page.goto(f"{live_server.url}{next_path}")
    expect(page.get_by_role("heading", name="Sign in to RingCentral")).to_be_visible()
    page.get_by_label("Email or phone number").fill(person["username"])
    page.get_by_label("Password").fill(person["password"])
    page.get_by_role("button", name="Sign in", exact=True).click()
    # back on the dashboard, with its scripts run: a click before htmx has taken the page's links
    # would load a whole page instead of a pane
    page.wait_for_url(lambda url: url.startswith(live_server.url), wait_until="load")


def customer_thread(running: RunningEmulator) -> tuple[str, str]:
    """A fresh conversation of the agent's with a customer: (its path, the customer's number)."""
    customer = f"+1209{random.SystemRandom().randrange(2_000_000, 8_000_000)}"
    extension = running.user(AGENT)["extension_id"]
    first = make_sms(running.db_path, extension, other_number=customer,
                     text="Is my order ready?", created_ts=time.time() - 120)  # fmt: skip
    return f"/inbox/{extension}/conversations/{conversation_of(running.db_path, first)}/", customer


def cache_of_its_own(settings: Any, name: str) -> None:
    """A cache of the test's own, in this process (the live server's too): nothing cached by
    another test, nothing left for the next one."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"{name}-{uuid.uuid4().hex}",
        }
    }
