"""The dashboard's settings for a benchmark stack: the project's own, with the file cache and
the collected static files under var/bench/, so that a bench run shares no state with a
`make run` on the same machine (the database, broker and Redis come from the environment
`bench.stack` sets)."""

from __future__ import annotations

import os
from pathlib import Path

from config.settings import *  # noqa: F403
from config.settings import REDIS_URL, VAR_DIR

BENCH_DIR = Path(os.environ.get("BENCH_DIR") or VAR_DIR / "bench")

if not REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(BENCH_DIR / "cache"),
        }
    }

# DEBUG is off (as in production), so pages need the manifest `collectstatic` writes here;
# uncompressed, which saves each run the compression of every asset.
STATIC_ROOT = BENCH_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}
