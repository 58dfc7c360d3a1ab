"""Checks behind /healthz: can this process reach each service the dashboard depends on?

Each check returns "ok" or "error: <what went wrong>" and never raises for an outage.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import redis
import requests
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection

OK = "ok"
RINGCENTRAL_TIMEOUT_SECONDS = 2


def _error(description: str) -> str:
    first_line = description.strip().splitlines()[0] if description.strip() else "unknown error"
    return f"error: {first_line[:200]}"


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return _error(f"{type(exc).__name__}: {exc}")
    return OK


def check_cache() -> str:
    key = f"healthz:{uuid.uuid4().hex}"
    try:
        cache.set(key, OK, timeout=10)
        value = cache.get(key)
        cache.delete(key)
    except (OSError, redis.RedisError) as exc:
        return _error(f"{type(exc).__name__}: {exc}")
    if value != OK:
        return _error("the cache did not return the value just stored")
    return OK


def check_broker() -> str:
    broker_url: str = settings.CELERY_BROKER_URL
    scheme = urlsplit(broker_url).scheme
    if scheme in {"redis", "rediss"}:
        return _check_redis(broker_url)
    if scheme == "filesystem":
        folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_out"])
        return _check_folder_writable(folder)
    return _error(f"no check for the {scheme!r} broker")


def _check_redis(url: str) -> str:
    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        return _error(f"{type(exc).__name__}: {exc}")
    finally:
        client.close()
    return OK


def _check_folder_writable(folder: Path) -> str:
    try:
        # The leading dot keeps the transport from taking the file for a message.
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".healthz-") as probe:
            probe.write(b"ok")
    except OSError as exc:
        return _error(f"cannot write to {folder}: {exc.strerror or exc}")
    return OK


def check_ringcentral() -> str:
    """Any HTTP answer, even 401 or 404, means the server is reachable."""
    url = f"{settings.RINGCENTRAL_SERVER_URL}/restapi/v1.0"
    try:
        with requests.get(
            url, timeout=RINGCENTRAL_TIMEOUT_SECONDS, allow_redirects=False, stream=True
        ):
            pass
    except requests.Timeout:
        return _error(f"no answer from {url} within {RINGCENTRAL_TIMEOUT_SECONDS} seconds")
    except requests.ConnectionError:
        return _error(f"cannot connect to {url}")
    except requests.RequestException as exc:
        return _error(f"{type(exc).__name__}: {exc}")
    return OK


CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
    "ringcentral": check_ringcentral,
}


def health_report() -> dict[str, str]:
    return {name: check() for name, check in CHECKS.items()}


def is_healthy(report: dict[str, str]) -> bool:
    return all(result == OK for result in report.values())
