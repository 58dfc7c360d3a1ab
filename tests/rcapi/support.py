"""Helpers shared by the rcapi tests: clients for the demo users, the emulator's admin
endpoints, and a Redis for the shared-budget tests."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import redis
import requests

from rcapi import RingCentralClient
from tests.support.emulator import RunningEmulator

REDIS_URL = "redis://127.0.0.1:6379/15"


def budget_key(running: RunningEmulator, which: str = "admin") -> str:
    return f"ext:{running.user(which)['extension_id']}"


def client_for(running: RunningEmulator, which: str = "admin", **options: Any) -> RingCentralClient:
    """A client with a fresh access token of a demo user (`admin`, `agent`, `agent2`)."""
    token = running.token(which)["access_token"]
    options.setdefault("budget_key", budget_key(running, which))
    return RingCentralClient(running.url, token, **options)


def set_faults(running: RunningEmulator, **plan: Any) -> None:
    response = requests.put(f"{running.url}/_emulator/faults", json=plan, timeout=10)
    assert response.status_code == 200, response.text


def clear_faults(running: RunningEmulator) -> None:
    requests.delete(f"{running.url}/_emulator/faults", timeout=10)


def revoke_sessions(running: RunningEmulator, which: str) -> None:
    """End every session of a demo user, as an admin or a password change would."""
    extension_id = running.user(which)["extension_id"]
    response = requests.post(
        f"{running.url}/_emulator/revoke", json={"extensionId": extension_id}, timeout=10
    )
    assert response.status_code == 200, response.text


def count_of(running: RunningEmulator, *, status: int | None = None) -> int:
    """How many `/restapi` requests the emulator has logged (with that status)."""
    records = running.request_counts()["records"]
    return sum(r["count"] for r in records if status is None or r["status"] == status)


def day_of(ts: float) -> tuple[datetime, datetime]:
    """(start, end) of the day beginning at `ts`, for list filters around factory data."""
    start = datetime.fromtimestamp(ts, UTC)
    return start, start + timedelta(days=1)


def redis_for_tests() -> redis.Redis:
    """Redis database 15 at 127.0.0.1:6379 (or `REDIS_URL`). When `REDIS_URL` is set (CI),
    an unreachable server fails the test; otherwise it is skipped."""
    url = os.environ.get("REDIS_URL") or REDIS_URL
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.RedisError as exc:
        client.close()
        if os.environ.get("REDIS_URL"):
            pytest.fail(f"REDIS_URL is set but Redis at {url} does not answer: {exc}")
        pytest.skip(f"no Redis at {url} (set REDIS_URL to require one): {exc}")
    return client


def unique_prefix() -> str:
    return f"test-rcapi:{uuid.uuid4().hex}"


def delete_prefix(client: redis.Redis, prefix: str) -> None:
    """Remove this test's keys only (the database may be shared)."""
    keys = list(client.scan_iter(match=f"{prefix}:*", count=500))
    if keys:
        client.delete(*keys)
