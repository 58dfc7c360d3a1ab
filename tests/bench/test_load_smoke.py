"""`python -m bench.load` for a few people and a few seconds, in a folder of its own and on the
embedded defaults: the stack comes up, people sign in through the real OAuth flow, locust
drives them, every request succeeds, each reply is sent, and the JSON file has the figures the
docs describe. It checks structure and correctness, never speed: the machine may be busy."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.emulator import REPO_ROOT

pytestmark = pytest.mark.integration


def test_it_runs_a_short_load_and_writes_its_figures(tmp_path: Path) -> None:
    results = tmp_path / "load.json"
    env = {
        **os.environ,
        "BENCH_DIR": str(tmp_path / "bench"),
        "BENCH_DATABASE_URL": f"sqlite:///{tmp_path / 'bench.sqlite3'}",
    }
    for name in ("DATABASE_URL", "REDIS_URL", "BENCH_REDIS_URL", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    run = subprocess.run(
        [sys.executable, "-m", "bench.load", "--embedded", "--users", "3", "--duration", "20",
         "--reply-share", "1", "--search-share", "1", "--json", str(results)],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "client p50/p95/p99 ms" in run.stdout  # the table

    document = json.loads(results.read_text())
    assert document["load"] == {
        "users": 3, "duration_seconds": 20, "spawn_rate": 10.0, "reply_share": 1.0,
        "search_share": 1.0, "locust_exit": 0,
    }  # fmt: skip
    assert document["stack"]["latency_ms"] == 150
    assert document["stack"]["rate_limits"]["window"] == 60.0
    assert document["stack"]["web"].startswith("gunicorn uvicorn (ASGI), 3 workers")
    assert all(document["stack"]["processes_alive_at_end"].values())

    pages = document["pages"]
    assert {"list", "thread", "reply", "search", "live"} <= set(pages)
    for page, figures in pages.items():
        assert figures["errors"] == 0, page
        assert figures["requests"] >= 1
        assert figures["per_second"] == round(figures["requests"] / 20, 2)
        for side in ("client", "server"):
            p50, p95, p99 = (figures[side][f"p{n}_ms"] for n in (50, 95, 99))
            assert 0 < p50 <= p95 <= p99 <= figures[side]["max_ms"], (page, side)
    total = document["total"]
    assert total["requests"] == sum(f["requests"] for f in pages.values())
    assert total["errors"] == 0
    # every reply became a send that RingCentral took, once
    replies = pages["reply"]["requests"]
    assert document["sends_by_status"] == {"submitted": replies}
    assert document["ringcentral_calls"]["createSMSMessage 200"] == replies
    assert document["answers_429"] == 0


def test_it_runs_the_team_mode_and_writes_its_figures(tmp_path: Path) -> None:
    results = tmp_path / "load.json"
    env = {
        **os.environ,
        "BENCH_DIR": str(tmp_path / "bench"),
        "BENCH_DATABASE_URL": f"sqlite:///{tmp_path / 'bench.sqlite3'}",
    }
    for name in ("DATABASE_URL", "REDIS_URL", "BENCH_REDIS_URL", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    run = subprocess.run(
        [sys.executable, "-m", "bench.load", "--embedded", "--team", "--users", "3",
         "--duration", "20", "--reply-share", "1", "--json", str(results)],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=400,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "team mailbox Support Line" in run.stdout

    document = json.loads(results.read_text())
    assert document["stack"]["live_updates"] is True
    assert document["stack"]["beat"] is True
    assert all(document["stack"]["processes_alive_at_end"].values())
    assert document["total"]["errors"] == 0
    team = document["team"]
    assert (team["name"], team["extension_id"], team["members"]) == ("Support Line", 5000000201, 3)
    assert team["conversations"] == 40

    calls = team["calls"]
    replies = document["pages"]["reply"]["requests"]
    assert document["sends_by_status"] == {"submitted": replies}
    # the people's replies went out as the team extension, and were told apart from the rest
    assert 1 <= calls["sends"] <= replies
    assert calls["outside_sends"] == calls["total"] - calls["sends"] - calls["send_tracking_reads"]
    assert calls["answers_429"] == 0
    assert any(key.startswith("inbox.sending.tasks.") for key in calls["send_pipeline_by_origin"])
    made_by = calls["outside_sends_by_origin"]
    assert any(key.startswith("web:thread listMessages") for key in made_by)
    assert team["budget"] == {}  # the shared budget lives in Redis, which a smoke run has not

    # every inbound SMS written while nobody worked reached the index
    quiet = team["webhook_quiet"]
    assert (quiet["probes"], quiet["missed"]) == (5, 0)
    assert 0 < quiet["to_index_seconds"]["min"] <= quiet["to_index_seconds"]["max"]
