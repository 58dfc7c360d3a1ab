"""The emulator as tests use it: a real `python -m emulator serve` process on a free port."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from emulator.identity import credentials
from emulator.seed import seed
from emulator.store import Store

REPO_ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class RunningEmulator:
    url: str
    db_path: Path
    process: subprocess.Popen[bytes]
    log_path: Path
    _credentials: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def credentials(self) -> dict[str, Any]:
        if self._credentials is None:
            with Store(self.db_path).read() as db:
                self._credentials = credentials(db)
        return self._credentials

    def user(self, which: str = "admin") -> dict[str, Any]:
        """`admin`, `agent` (the first agent), `agent2` (people, never a team mailbox's
        extension), or an extension number."""
        users = self.credentials["users"]
        people = [u for u in users if u.get("kind", "person") == "person"]
        admins = [u for u in people if u["is_admin"]]
        agents = [u for u in people if not u["is_admin"]]
        if which == "admin":
            return dict(admins[0])
        if which == "agent":
            return dict(agents[0])
        if which == "agent2":
            return dict(agents[1])
        return dict(next(u for u in users if u["extension_number"] == which))

    def token(self, which: str = "admin", **extra: str) -> dict[str, Any]:
        """A token response for a demo user, by the password grant."""
        user = self.user(which)
        creds = self.credentials
        response = requests.post(
            f"{self.url}/restapi/oauth/token",
            data={"grant_type": "password", "username": user["username"],
                  "password": user["password"], **extra},
            auth=(creds["client_id"], creds["client_secret"]),
            timeout=10,
        )  # fmt: skip
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body

    def session(self, which: str = "admin") -> requests.Session:
        """A requests session that sends a fresh bearer token of that user."""
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {self.token(which)['access_token']}"
        return http

    def api(self, path: str) -> str:
        return f"{self.url}/restapi/v1.0{path}"

    def request_counts(self) -> dict[str, Any]:
        body: dict[str, Any] = requests.get(f"{self.url}/_emulator/requests", timeout=10).json()
        return body

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start_emulator(
    db_path: Path,
    *,
    args: Sequence[str] = (),
    log_path: Path | None = None,
    rate_limits: bool = False,
) -> RunningEmulator:
    """Serve `db_path`. Rate limits are off unless asked for: most tests make more requests
    a minute than the platform's Auth budget (5) allows, and test limits on purpose."""
    port = free_port()
    if not rate_limits and "--no-rate-limits" not in args:
        args = ("--no-rate-limits", *args)
    log_path = log_path or db_path.with_suffix(".log")
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "emulator", "serve", "--host", "127.0.0.1",
             "--port", str(port), "--db", str(db_path), *args],
            cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    running = RunningEmulator(f"http://127.0.0.1:{port}", db_path, process, log_path)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"emulator exited: {log_path.read_text(errors='replace')}")
        try:
            requests.get(f"{running.url}/_emulator/requests", timeout=5)
            return running
        except (requests.ConnectionError, requests.Timeout):  # still starting, on a busy machine
            time.sleep(0.05)
    running.stop()
    raise RuntimeError("emulator did not start within 30 s")


def seeded_copy(template: Path, directory: Path) -> Path:
    target = directory / "emulator.sqlite3"
    shutil.copyfile(template, target)
    return target


@pytest.fixture(scope="session")
def emulator_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A seeded store, made once per test session and copied for each emulator."""
    path = tmp_path_factory.mktemp("emulator-template") / "template.sqlite3"
    store = seed(path, seed=7, conversations=60)
    store.close()
    return path


@pytest.fixture(scope="session")
def emulator(
    emulator_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningEmulator]:
    """One emulator shared by the whole session: for tests that only add their own data."""
    running = start_emulator(seeded_copy(emulator_template, tmp_path_factory.mktemp("emulator")))
    yield running
    running.stop()


@pytest.fixture
def fresh_emulator(emulator_template: Path, tmp_path: Path) -> Iterator[RunningEmulator]:
    """An emulator with its own fresh copy of the demo store."""
    running = start_emulator(seeded_copy(emulator_template, tmp_path))
    yield running
    running.stop()


@pytest.fixture
def emulator_factory(emulator_template: Path, tmp_path: Path) -> Iterator[Any]:
    """Start emulators with extra `serve` flags, e.g. `--access-token-ttl 2`;
    `rate_limits=True` keeps the platform's rate limits on."""
    started: list[RunningEmulator] = []

    def start(*args: str, rate_limits: bool = False) -> RunningEmulator:
        directory = tmp_path / f"emulator-{len(started)}"
        directory.mkdir()
        running = start_emulator(
            seeded_copy(emulator_template, directory), args=args, rate_limits=rate_limits
        )
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()
