"""How figures are taken: percentiles, the emulator's request log, gunicorn's access log (the
server's own time per request) and the kernel's memory figures."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (0 < fraction ≤ 1) of a non-empty sample."""
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def summary_ms(seconds: Sequence[float]) -> dict[str, float | int]:
    if not seconds:
        return {"n": 0}
    return {
        "n": len(seconds),
        "p50_ms": round(percentile(seconds, 0.5) * 1000, 1),
        "p95_ms": round(percentile(seconds, 0.95) * 1000, 1),
        "max_ms": round(max(seconds) * 1000, 1),
    }


class Emulator:
    """The emulator's controls outside `/restapi`."""

    def __init__(self, url: str) -> None:
        self.url = url

    def requests_clear(self) -> None:
        requests.delete(f"{self.url}/_emulator/requests", timeout=30).raise_for_status()

    def request_records(self, since: float = 0.0) -> list[dict[str, Any]]:
        answer = requests.get(f"{self.url}/_emulator/requests", params={"since": since}, timeout=30)
        answer.raise_for_status()
        records: list[dict[str, Any]] = answer.json()["records"]
        return records

    def count(
        self,
        *,
        since: float = 0.0,
        operation: str | None = None,
        status: int | None = None,
        extension_id: int | None = None,
    ) -> int:
        return sum(
            r["count"]
            for r in self.request_records(since)
            if (operation is None or r["operation"] == operation)
            and (status is None or int(r["status"]) == status)
            and (extension_id is None or r["extensionId"] == extension_id)
        )

    def by_operation(self, since: float = 0.0) -> dict[str, int]:
        found: dict[str, int] = {}
        for r in self.request_records(since):
            key = f"{r['operation']} {r['status']}"
            found[key] = found.get(key, 0) + r["count"]
        return found

    def rate_limits(self) -> dict[str, Any]:
        answer = requests.get(f"{self.url}/_emulator/rate-limits", timeout=30)
        answer.raise_for_status()
        body: dict[str, Any] = answer.json()
        return body

    def rate_limits_set(self, plan: dict[str, Any]) -> None:
        """Replace the rate plan (the emulator starts its counters again)."""
        answer = requests.put(f"{self.url}/_emulator/rate-limits", json=plan, timeout=30)
        answer.raise_for_status()

    def token(self, username: str, password: str) -> str:
        """An access token by the password grant (the demo app's credentials)."""
        answer = requests.post(
            f"{self.url}/restapi/oauth/token",
            data={"grant_type": "password", "username": username, "password": password},
            auth=("demo-inbox-client", "demo-inbox-secret"),
            timeout=30,
        )
        answer.raise_for_status()
        return str(answer.json()["access_token"])


@dataclass(frozen=True)
class Timed:
    seconds: float
    status: int


def timed_get(session: requests.Session, url: str, **kwargs: Any) -> Timed:
    started = time.perf_counter()
    answer = session.get(url, timeout=120, **kwargs)
    _ = answer.content
    return Timed(time.perf_counter() - started, answer.status_code)


def run_concurrently(workers: int, jobs: Sequence[Callable[[], Timed]]) -> list[Timed]:
    """Run `jobs` on `workers` threads (each job is one request), in submission order."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda job: job(), jobs))


def server_times(access_log: Path, phase: str) -> list[float]:
    """Seconds each request of `phase` spent in the web server (gunicorn's `%(D)s`)."""
    found: list[float] = []
    if not access_log.exists():
        return found
    for line in access_log.read_text(errors="replace").splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[0] == phase:
            found.append(int(parts[2]) / 1_000_000)
    return found


def memory_kib(pid: int, field: str) -> int:
    """A `/proc/<pid>/status` figure in KiB, e.g. `VmHWM` (peak resident memory) or `VmRSS`."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} for process {pid}")


def wait_until(check: Callable[[], bool], *, seconds: float, every: float = 0.5) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(every)
    return check()
