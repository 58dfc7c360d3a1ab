"""Fixtures shared by every test package. Keep this file small and generic."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from django.conf import settings

REAL_WORKER_HELPERS = "tests.support.celery_worker"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under pytest-xdist (`make test` runs it), the tests that start real Celery workers (and
    the benchmark's smoke run, which starts a whole stack) run one after another on one xdist
    worker: their workers share the RingCentral rate budget in Redis (the emulators they talk
    to all seed the same users), and several of them measure how close a drain comes to the
    rate limit."""
    for item in items:
        names = getattr(getattr(item, "module", None), "__dict__", {}).values()
        helpers = {getattr(value, "__module__", None) for value in names}
        if REAL_WORKER_HELPERS in helpers or item.path.parent.name == "bench":
            item.add_marker(pytest.mark.xdist_group("real_workers"))


@pytest.fixture
def unused_tcp_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (it was free a moment ago)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix: None, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Keep a SQLite test database in a file of this run's own.

    A file, not memory, so that a worker process started by a test can open it; this run's own,
    so that test runs at the same time in one checkout do not share it.
    """
    database: dict[str, Any] = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        test = database.setdefault("TEST", {})
        test["NAME"] = str(tmp_path_factory.mktemp("database") / "test.sqlite3")
