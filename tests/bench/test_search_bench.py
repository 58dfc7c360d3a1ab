"""`python -m bench --quick --only search` at a tiny size (2,000 messages in 50 mailboxes, 5
searches per measure), in a folder and a database of its own: on PostgreSQL when the tests run
on it (the seed written with COPY, the slowest search's plan explained), on SQLite otherwise.
The seed is written, every measure runs, the table has the search rows and the JSON file the
figures the docs describe; a second run uses the seeded database again. It checks structure,
never speed: the machine may be busy."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.support.emulator import REPO_ROOT

pytestmark = pytest.mark.integration

MEASURES = ("words_admin", "number_admin", "words_agent", "number_agent")


@pytest.fixture
def search_database(tmp_path: Path) -> Iterator[str]:
    """A database of this test's own on the tests' PostgreSQL server (dropped afterwards), or
    a SQLite file."""
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{tmp_path / 'search.sqlite3'}"
        return
    import psycopg

    parts = urlsplit(base)
    name = f"bench_search_smoke_{uuid.uuid4().hex[:10]}"
    yield urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))
    admin = urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, parts.fragment))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_it_seeds_searches_and_writes_its_figures(tmp_path: Path, search_database: str) -> None:
    results = tmp_path / "results.json"
    env = {
        **os.environ,
        "BENCH_DIR": str(tmp_path / "bench"),
        "BENCH_DATABASE_URL": f"sqlite:///{tmp_path / 'bench.sqlite3'}",
        "BENCH_SEARCH_DATABASE_URL": search_database,
    }
    for name in ("REDIS_URL", "BENCH_REDIS_URL", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    run = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--only", "search",
         "--size", "search_messages=2000", "--size", "search_queries=5", "--json", str(results)],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=280,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    for measure in (
        "seed: 2,000 messages, 50 mailboxes",
        "one word, 50 mailboxes (admin): p50/p95/max",
        "partial number, 50 mailboxes (admin): p50/p95/max",
        "one word, 1 mailbox of 40 (agent): p50/p95/max",
        "partial number, 1 mailbox (agent): p50/p95/max",
    ):
        assert measure in run.stdout  # the table

    document = json.loads(results.read_text())
    assert set(document["benchmarks"]) == {"search"}
    search = document["benchmarks"]["search"]
    assert search["error"] == ""
    figures = search["figures"]
    seed = figures["seed"]
    assert (seed["messages"], seed["mailboxes"], seed["reused"]) == (2000, 50, False)
    assert 0 < seed["alive"] < 2000  # a few were deleted
    assert seed["conversations"] > 0 and seed["contacts"] > 0
    for measure in MEASURES:
        cell = figures[measure]
        assert cell["n"] == 5, measure
        assert 0 < cell["p50_ms"] <= cell["p95_ms"] <= cell["max_ms"], measure
        assert cell["statements_per_search"] >= 1, measure
    # a partial number of a customer's finds their conversations in one of 50 mailboxes
    assert figures["number_admin"]["hits_per_page"]["max"] > 0
    assert [a["what"] for a in search["aims"]] == [f"search {m} p95 / 100 ms" for m in MEASURES]
    assert all(a["limit"] == 1.0 and isinstance(a["passed"], bool) for a in search["aims"])
    if search_database.startswith("postgres"):
        plan = figures["slowest_plan"]["plan"]
        assert any(line.startswith("Execution Time") for line in plan)
        assert "Execution Time" in run.stderr  # the plan's summary, printed once
        assert figures["word_matches"]["max"] > 0

    again = subprocess.run(
        [sys.executable, "-m", "bench.search", "--messages", "2000", "--queries", "2",
         "--json", str(tmp_path / "again.json")],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert "re-using the seeded database" in again.stderr
    assert json.loads((tmp_path / "again.json").read_text())["figures"]["seed"]["reused"] is True
