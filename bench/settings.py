"""The dashboard's settings for a benchmark stack: the project's own, with the file cache and
the collected static files under var/bench/, so that a bench run shares no state with a
`make run` on the same machine (the database, broker and Redis come from the environment
`bench.stack` sets). With `BENCH_RC_CALL_LOG`, every RingCentral call is also written there
with the task or page that made it (`bench.calllog`)."""

from __future__ import annotations

import os
from pathlib import Path

from bench.calllog import CALL_LOG_ENV, logging_config
from config.settings import *  # noqa: F403
from config.settings import LOGGING, REDIS_URL, VAR_DIR

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

_call_log = os.environ.get(CALL_LOG_ENV, "")
if _call_log:
    for _section, _entries in logging_config(Path(_call_log)).items():
        _current = LOGGING.setdefault(_section, {})
        assert isinstance(_current, dict)  # every section of LOGGING is a dict
        _current.update(_entries)
