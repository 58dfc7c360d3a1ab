"""Fixtures of the inbox tests: demo users signed in for real, through the emulator's OAuth
sign-in page and the dashboard's own callback, so their tokens are real RingCentral tokens.

alice is the demo account's admin (extension 101), bob an agent (102) and charlie the other
agent (103): charlie looking at bob's mailbox is the "another agent" case, and dave, a person
with no RingCentral connection at all, is the stranger.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

import accounts.services
from accounts.models import User
from rcapi import LocalRateBudget
from tests.support.emulator import (  # noqa: F401  (fixtures)
    RunningEmulator,
    emulator,
    emulator_factory,
    emulator_template,
    fresh_emulator,
)

ROOMY_LIMITS = {"Light": 10_000, "Medium": 10_000, "Heavy": 10_000, "Auth": 10_000}


@pytest.fixture(autouse=True)
def own_rate_budget(monkeypatch: pytest.MonkeyPatch) -> LocalRateBudget:
    """A rate budget of this test's own: the demo users' extension ids are the same in every
    test, so a shared budget would make later tests wait for earlier tests' calls. The limits
    the emulator announces (when its limits are on) still correct this one."""
    budget = LocalRateBudget(limits=ROOMY_LIMITS)
    monkeypatch.setattr(accounts.services, "rate_budget", lambda: budget)
    return budget


@pytest.fixture(autouse=True)
def own_cache(settings: Any, tmp_path: Path) -> None:
    """A cache of this test's own: Redis with a key prefix of its own when the run uses
    Redis, else memory."""
    default = dict(django_settings.CACHES["default"])
    if "redis" in default["BACKEND"].lower():
        default["KEY_PREFIX"] = f"test-{uuid.uuid4().hex}"
    else:
        default = {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"inbox-test-{uuid.uuid4().hex}",
        }
    settings.CACHES = {"default": default}


def point_at(settings: Any, running: RunningEmulator) -> RunningEmulator:
    settings.RINGCENTRAL_SERVER_URL = running.url
    settings.RINGCENTRAL_AUTHORIZE_URL = running.url
    return running


@pytest.fixture
def rc(settings: Any, emulator: RunningEmulator) -> RunningEmulator:  # noqa: F811
    """The shared emulator, as the dashboard's RingCentral (add data of your own only)."""
    return point_at(settings, emulator)


@pytest.fixture
def fresh_rc(
    settings: Any,
    fresh_emulator: RunningEmulator,  # noqa: F811
    db: None,
) -> RunningEmulator:
    """An emulator of this test's own, as the dashboard's RingCentral. The `*_client`
    fixtures sign in at the shared one: use `signed_in(fresh_rc, …)` with this."""
    return point_at(settings, fresh_emulator)


def sign_in(client: Client, running: RunningEmulator, which: str) -> User:
    """Sign `which` (admin, agent, agent2) in with RingCentral, as a browser would: the
    dashboard's login, the emulator's sign-in page, then the dashboard's callback."""
    start = client.get(reverse("accounts:login"), {"next": "/inbox/"})
    assert start.status_code == 302, start
    authorize = requests.get(start["Location"], allow_redirects=False, timeout=10)
    assert authorize.status_code == 302, authorize.text
    request_id = parse_qs(urlsplit(authorize.headers["Location"]).query)["request"][0]
    person = running.user(which)
    answer = requests.post(
        f"{running.url}/restapi/oauth/login",
        data={
            "request": request_id,
            "username": person["username"],
            "password": person["password"],
        },
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["Location"])
    done = client.get(f"{reverse('accounts:callback')}?{back.query}")
    assert done.status_code == 302, done.content
    return User.objects.get(rc_extension_id=person["extension_id"])


def signed_in(running: RunningEmulator, which: str) -> Client:
    """A new browser with `which` signed in (for tests on an emulator of their own)."""
    client = Client()
    sign_in(client, running, which)
    return client


@pytest.fixture
def alice_client(rc: RunningEmulator, db: None) -> Client:
    client = Client()
    sign_in(client, rc, "admin")
    return client


@pytest.fixture
def bob_client(rc: RunningEmulator, db: None) -> Client:
    client = Client()
    sign_in(client, rc, "agent")
    return client


@pytest.fixture
def charlie_client(rc: RunningEmulator, db: None) -> Client:
    client = Client()
    sign_in(client, rc, "agent2")
    return client


@pytest.fixture
def dave_client(db: None) -> Iterator[Client]:
    """Signed in to the dashboard, with no RingCentral connection."""
    dave = User.objects.create_user("dave", password=uuid.uuid4().hex)
    client = Client()
    client.force_login(dave)
    yield client


def extension_of(running: RunningEmulator, which: str) -> int:
    return int(running.user(which)["extension_id"])
