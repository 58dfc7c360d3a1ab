"""The platform's background jobs: each advances its own state (delivery statuses, scheduled
faxes, webhook deliveries, ...), taking the store and the config and doing whatever is due now.
Modules register theirs with `@background_job`; the server runs them all on its clock."""

from __future__ import annotations

from collections.abc import Callable

from emulator.config import Config
from emulator.store import Store

BackgroundJob = Callable[[Store, Config], None]
BACKGROUND_JOBS: list[BackgroundJob] = []


def background_job(job: BackgroundJob) -> BackgroundJob:
    BACKGROUND_JOBS.append(job)
    return job
