"""Hypothesis settings for the property tests.

By default every run tries the same examples (`derandomize`), so a property that passes once
passes every time and a failure is reproduced by running the test again; nothing is written to
an example database. `HYPOTHESIS_PROFILE=explore` draws new examples on each run, many more of
them, and remembers failing ones in var/hypothesis/ for bug hunting on one's own machine.
"""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis.configuration import set_hypothesis_home_dir
from hypothesis.database import DirectoryBasedExampleDatabase

ROOT = Path(__file__).resolve().parents[2]
HYPOTHESIS_HOME = ROOT / "var" / "hypothesis"

# Hypothesis caches Unicode tables and the constants it finds in the code under its home
# folder, `.hypothesis/` in the working directory by default: keep them in the ignored var/
if not os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
    set_hypothesis_home_dir(HYPOTHESIS_HOME)

settings.register_profile(
    "deterministic",
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=200,
    print_blob=False,
    # generation cost depends on the machine's load, not on the code: never fail for it
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "explore",
    derandomize=False,
    database=DirectoryBasedExampleDatabase(HYPOTHESIS_HOME / "examples"),
    deadline=None,
    max_examples=5_000,
    print_blob=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))
