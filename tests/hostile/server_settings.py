"""The settings of the gunicorn that `test_server.py` starts: the project's own (DEBUG off, as in
production), with two changes a test needs.

- Static files by plain name: production serves the manifest `collectstatic` writes, which a
  test run does not make; pages render the same otherwise.
- Celery's broker is a folder of the test's own (`HOSTILE_BROKER_DIR`), whatever `REDIS_URL`
  says, so "nothing was queued" is a count of the message files the server wrote there. The
  cache stays where the environment puts it (Redis with `REDIS_URL`).
"""

from __future__ import annotations

import os
from pathlib import Path

from config.settings import *  # noqa: F403

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

BROKER_DIR = Path(os.environ["HOSTILE_BROKER_DIR"])
CELERY_BROKER_URL = "filesystem://localhost/"
CELERY_BROKER_TRANSPORT = "config.broker:Transport"
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "data_folder_in": str(BROKER_DIR / "messages"),
    "data_folder_out": str(BROKER_DIR / "messages"),
    "control_folder": str(BROKER_DIR / "control"),
}
