"""Fixtures of the fault tests (`make faults`): the emulator, a Redis server of the test's own
that it may kill, and this process's Celery app publishing to that server."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis
from celery import current_app
from kombu import pools

# this process's own rate budget and cache: the demo users' ids are the same in every test
from tests.inbox.conftest import own_cache, own_rate_budget  # noqa: F401  (autouse fixtures)
from tests.support.emulator import (  # noqa: F401  (fixtures)
    emulator_factory,
    emulator_template,
    free_port,
)

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


@dataclass
class RedisServer:
    """A `redis-server` on a port of its own, keeping nothing on disk: started again after
    `kill`, it comes back empty, as a Redis without persistence does after a crash."""

    port: int
    directory: Path
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        log = (self.directory / "redis.log").open("ab")
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.directory)],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        log.close()
        client = redis.Redis(port=self.port, socket_timeout=1)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                assert self.process.poll() is None, (self.directory / "redis.log").read_text()
                assert time.monotonic() < deadline, "redis-server did not start within 10 s"
                time.sleep(0.05)
        client.close()

    def kill(self) -> None:
        """SIGKILL: no shutdown, nothing saved."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A Redis of this test's own: never the shared one, which other tests use."""
    if not os.access(REDIS_SERVER, os.X_OK):
        pytest.fail("these tests start a redis-server of their own: apt-get install redis-server")
    directory = tmp_path / "redis"
    directory.mkdir()
    server = RedisServer(free_port(), directory)
    server.start()
    try:
        yield server
    finally:
        server.kill()


@contextlib.contextmanager
def celery_broker_at(url: str) -> Iterator[None]:
    """This process's Celery app publishing to the Redis at `url`, then back to its own
    broker (the settings' Redis or the filesystem transport)."""
    app = current_app
    names = ("broker_url", "broker_transport", "broker_transport_options")
    saved = {name: app.conf[name] for name in names}

    def pools_drop() -> None:
        # the app keeps its connection and producer pools: built anew for the broker in force
        app._pool = None
        app.amqp._producer_pool = None

    pools_drop()
    app.conf.update(broker_url=url, broker_transport=None, broker_transport_options={})
    try:
        yield
    finally:
        # the connections to that Redis go; the pool stays usable, should the port come again
        pools.connections[app.connection_for_write()].force_close_all(close_pool=False)
        pools_drop()
        app.conf.update(saved)
