"""`python -m bench --quick` for the two cheapest benchmarks, in a folder of its own: the
stack comes up, people sign in through the real OAuth flow, and the JSON file has every field
the docs describe. It checks structure and sanity, never speed: the machine may be busy."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.emulator import REPO_ROOT

pytestmark = pytest.mark.integration


def test_it_runs_quick_benchmarks_and_writes_their_figures(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    env = {
        **os.environ,
        "BENCH_DIR": str(tmp_path / "bench"),
        "BENCH_DATABASE_URL": f"sqlite:///{tmp_path / 'bench.sqlite3'}",
    }
    for name in ("REDIS_URL", "BENCH_REDIS_URL", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    run = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--only", "calls", "--only", "sync",
         "--json", str(results)],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "calls per view" in run.stdout  # the table

    document = json.loads(results.read_text())
    assert document["quick"] is True
    assert document["stack"]["latency_ms"] == 150
    assert document["stack"]["rate_limits"]["enabled"] is True
    assert document["stack"]["rate_limits"]["window"] == 6.0
    assert set(document["benchmarks"]) == {"calls", "sync"}

    calls = document["benchmarks"]["calls"]
    assert calls["error"] == ""
    for tabs in ("tabs_1", "tabs_4"):
        figures = calls["figures"][tabs]
        assert figures["views"] == 30 and figures["errors"] == 0
        # an empty cache costs at least one list call; 30 views cannot need one each
        assert 1 <= figures["ringcentral_calls"] < 30
        assert figures["calls_per_view"] == round(figures["ringcentral_calls"] / 30, 4)
    assert [a["what"] for a in calls["aims"]] == [
        "RingCentral calls per view, 1 tab(s)",
        "RingCentral calls per view, 4 tab(s)",
    ]
    assert all(a["limit"] == 0.01 and isinstance(a["passed"], bool) for a in calls["aims"])

    sync = document["benchmarks"]["sync"]["figures"]
    assert document["benchmarks"]["sync"]["error"] == ""
    assert sync["fsync"]["full"] is True and sync["fsync"]["records"] >= 500
    assert sync["fsync"]["calls"] == {"syncMessages 200": 1}
    assert sync["isync"]["full"] is False and sync["isync"]["changed"] == 10
    assert sync["isync"]["calls"] == {"syncMessages 200": 1}
    assert sync["fsync"]["seconds"] > 0 and sync["isync"]["seconds"] > 0
