"""Signing in through the emulator without a browser: the Django test client plays the
dashboard's side, `requests` the browser's visit to the emulator's sign-in page."""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import redis
import requests
from django.test import Client
from django.urls import reverse

from accounts.models import User
from rcapi import LocalRateBudget, RateBudget, RedisRateBudget
from tests.support.emulator import RunningEmulator
from tests.support.forms import FormReader

PROFILE = "/accounts/profile/"


def point_dashboard_at(
    settings: Any, running: RunningEmulator, *, redirect_uri: str | None = None
) -> RunningEmulator:
    """Make the dashboard use `running` as its RingCentral (`settings`: pytest-django's)."""
    settings.RINGCENTRAL_SERVER_URL = running.url
    settings.RINGCENTRAL_AUTHORIZE_URL = running.url
    if redirect_uri is not None:
        settings.RINGCENTRAL_REDIRECT_URI = redirect_uri
    return running


@contextmanager
def budget_for_test() -> Iterator[RateBudget]:
    """A rate budget of the test's own, so that the Auth group's 5 calls a minute per user
    are not shared by every sign-in of the test session: in Redis under a prefix of its own
    when REDIS_URL is set (as in production), else in memory."""
    url = os.environ.get("REDIS_URL")
    if not url:
        yield LocalRateBudget()
        return
    client = redis.Redis.from_url(url)
    prefix = f"test-accounts:{uuid.uuid4().hex}"
    try:
        yield RedisRateBudget(client, prefix=prefix)
    finally:
        keys = list(client.scan_iter(match=f"{prefix}:*", count=500))
        if keys:
            client.delete(*keys)
        client.close()


def start_sign_in(client: Client, next_url: str = PROFILE) -> str:
    """The RingCentral URL the dashboard sends the browser to."""
    response = client.get(reverse("accounts:login"), {"next": next_url})
    assert response.status_code == 302, response.content
    return str(response["Location"])


def sign_in_at_emulator(
    running: RunningEmulator, authorize_url: str, which: str = "agent", *, cancel: bool = False
) -> dict[str, str]:
    """What the person does on RingCentral's side; returns the query of the redirect back."""
    user = running.user(which)
    browser = requests.Session()
    start = browser.get(authorize_url, allow_redirects=False, timeout=10)
    assert start.status_code == 302, start.text
    page_url = urljoin(authorize_url, start.headers["Location"])
    page = browser.get(page_url, timeout=10)
    assert page.status_code == 200, page.text
    form = FormReader()
    form.feed(page.text)
    assert form.action is not None
    fields = {**form.fields, "username": user["username"], "password": user["password"]}
    if cancel:
        fields["cancel"] = "1"
    done = browser.post(
        urljoin(page_url, form.action), data=fields, allow_redirects=False, timeout=10
    )
    assert done.status_code == 302, done.text
    query = parse_qs(urlsplit(done.headers["Location"]).query)
    return {name: values[-1] for name, values in query.items()}


def finish_sign_in(client: Client, params: dict[str, str]) -> Any:
    return client.get(reverse("accounts:callback"), params)


def sign_in(client: Client, running: RunningEmulator, which: str = "agent") -> User:
    """A complete sign-in; returns the signed-in user."""
    params = sign_in_at_emulator(running, start_sign_in(client), which)
    response = finish_sign_in(client, params)
    assert response.status_code == 302, response.content
    return User.objects.get(
        rc_account_id=running.credentials["account_id"],
        rc_extension_id=running.user(which)["extension_id"],
    )


def operation_count(running: RunningEmulator, operation: str) -> int:
    """How many requests of `operation` (e.g. `getToken`, `readExtension`) it has logged."""
    records = running.request_counts()["records"]
    return sum(r["count"] for r in records if r["operation"] == operation)


def issued_tokens(running: RunningEmulator) -> list[str]:
    """Every access and refresh token the emulator has issued, from its own store."""
    db = sqlite3.connect(running.db_path)
    try:
        rows = db.execute(
            "SELECT token FROM access_token UNION ALL SELECT token FROM refresh_token"
        ).fetchall()
    finally:
        db.close()
    return [row[0] for row in rows]


def extension_answer(running: RunningEmulator, access_token: str) -> int:
    """The status RingCentral answers `GET /extension/~` with, for this access token."""
    response = requests.get(
        running.api("/account/~/extension/~"),
        headers={"Authorization": f"Bearer {access_token}"},
        timeout=10,
    )
    return response.status_code
