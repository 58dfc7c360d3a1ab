"""1,000 webhook notifications for one mailbox within 10 seconds, POSTed at once to the dashboard
under gunicorn, with a real worker: the syncs they ask for are folded into a handful, and the
conversation list keeps answering meanwhile.

How many syncs may run follows from the design (inbox/live/sync.py): a worker starts a
mailbox's syncs at least `SPACING` seconds apart, so from the storm's first notification until
the count is read, T seconds later, at most T / SPACING + 1 syncs can have started, and one
more may have been on its way as the storm began, however fast or slow the machine. The worker
runs one task at a time, as the bound assumes of the spacing check (two threads would meet on
the embedded file cache, whose `add` is not atomic across processes).

The subscription is the real one, made by the worker at sign-in through the emulator (whose
validation handshake reaches gunicorn); the notifications carry its verification token. A few
real inbound SMS arrive during the storm (their own notifications come from the emulator), so
the syncs find changes and drop the cached list, and the page is fetched from RingCentral again.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from emulator.store import Store
from inbox.live.sync import SPACING
from inbox.models import MailboxSubscription, MailboxSync
from tests.inbox.conftest import extension_of, point_at, sign_in
from tests.inbox.live.support import inject_sms
from tests.support.celery_worker import (
    cache_shared_with_workers,
    sending_worker,
)
from tests.support.emulator import RunningEmulator
from tests.support.gunicorn import web_server
from tests.support.sends import wait_until

pytestmark = [pytest.mark.faults, pytest.mark.integration]

NOTIFICATIONS = 1000
STORM_SECONDS = 10.0
SENDERS = 16  # connections POSTing at once
INBOUND = 5  # real SMS arriving during the storm


@pytest.fixture
def storm_stack(
    transactional_db: None, tmp_path: Path, settings: Any, emulator_factory: Any
) -> Iterator[tuple[RunningEmulator, str, Any]]:
    """The emulator, gunicorn and a worker sharing one cache (a prefix of the test's own) and
    the worker's queue: (emulator, dashboard URL, worker)."""
    rc = point_at(settings, emulator_factory())
    with cache_shared_with_workers() as prefix:
        queue = f"storm-{prefix[-12:]}"
        env = {"CACHE_KEY_PREFIX": prefix, "LIVE_TASK_QUEUE": queue}
        server_env = {
            **env,
            # DEBUG on: the pages name their static files without a collected manifest
            "DJANGO_DEBUG": "true",
            "CELERY_FILESYSTEM_DIR": str(django_settings.CELERY_FILESYSTEM_DIR),
        }
        with web_server(rc, tmp_path, env=server_env, workers=2) as web:
            settings.WEBHOOK_BASE_URL = web.url
            with sending_worker(
                tmp_path, rc, name="storm", queue=queue, env={"CACHE_KEY_PREFIX": prefix},
                pool="threads", concurrency=1,
            ) as worker:  # fmt: skip
                yield rc, web.url, worker


def verification_token(rc: RunningEmulator, subscription_id: str) -> str:
    """The token RingCentral sends with each notification, as the emulator keeps it."""
    with Store(rc.db_path).read() as db:
        row = db.execute(
            "SELECT verification_token FROM subscription WHERE id = ?", (subscription_id,)
        ).fetchone()
    return str(row["verification_token"])


def syncs_since(rc: RunningEmulator, moment: float) -> int:
    """The message syncs the emulator served since `moment` (unix time)."""
    body = requests.get(f"{rc.url}/_emulator/requests", params={"since": moment}, timeout=10)
    return sum(r["count"] for r in body.json()["records"] if r["operation"] == "syncMessages")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def test_it_folds_a_storm_of_notifications_into_a_few_syncs(
    storm_stack: tuple[RunningEmulator, str, Any],
) -> None:
    rc, url, worker = storm_stack
    browser = Client()
    bob = sign_in(browser, rc, "agent")  # asks the worker for the subscription
    wait_until(
        lambda: MailboxSubscription.objects.filter(
            owner=bob, status=MailboxSubscription.Status.ACTIVE
        ).exists(),
        seconds=30,
        what=worker.output(),
    )
    subscription = MailboxSubscription.objects.get(
        owner=bob, status=MailboxSubscription.Status.ACTIVE
    )
    token = verification_token(rc, subscription.rc_subscription_id)
    hook = f"{url}{reverse('inbox:webhook', args=[subscription.hook_id])}"
    extension = extension_of(rc, "agent")
    notification = {
        "uuid": "0",
        "event": "/restapi/v1.0/account/~/extension/~/message-store",
        "timestamp": "2026-04-18T20:25:24.611Z",
        "subscriptionId": subscription.rc_subscription_id,
        "ownerId": str(extension),
        "body": {"extensionId": str(extension), "changes": [{"type": "SMS", "newCount": 1}]},
    }
    page = f"{url}{reverse('inbox:conversations', args=[extension])}"
    viewer = requests.Session()
    viewer.cookies.set(
        django_settings.SESSION_COOKIE_NAME,
        browser.cookies[django_settings.SESSION_COOKIE_NAME].value,
    )
    assert viewer.get(page, timeout=30).status_code == 200  # warm: imports, connections

    started = time.time()
    storm_over = threading.Event()
    page_times: list[float] = []
    page_statuses: list[int] = []

    def view_the_list() -> None:
        while not storm_over.is_set():
            began = time.monotonic()
            answer = viewer.get(page, timeout=60)
            page_times.append(time.monotonic() - began)
            page_statuses.append(answer.status_code)

    inbound: list[int] = []

    def customers_write() -> None:
        for n in range(INBOUND):
            time.sleep(STORM_SECONDS / (INBOUND + 1))
            inbound.append(
                inject_sms(rc, to_extension="102", sender="+14155550177", text=f"Storm #{n}")
            )

    sessions = threading.local()

    def notify(n: int) -> int:
        time.sleep(max(0.0, started + n * STORM_SECONDS / NOTIFICATIONS - time.time()))
        if not hasattr(sessions, "http"):
            sessions.http = requests.Session()
        answer = sessions.http.post(
            hook, json={**notification, "uuid": str(n)},
            headers={"Verification-Token": token}, timeout=60,
        )  # fmt: skip
        status: int = answer.status_code
        return status

    with ThreadPoolExecutor(max_workers=2) as side:
        viewing = side.submit(view_the_list)
        writing = side.submit(customers_write)
        with ThreadPoolExecutor(max_workers=SENDERS) as senders:
            statuses = list(senders.map(notify, range(NOTIFICATIONS)))
        delivered = time.time() - started
        writing.result()
        storm_over.set()
        viewing.result()

    # the last change of the storm is synced (nothing is lost by folding events together)
    def seen_last() -> bool:
        state = MailboxSync.objects.filter(extension_id=extension).first()
        return state is not None and str(inbound[-1]) in (state.recent_versions or {})

    wait_until(seen_last, seconds=30, every=0.3, what=worker.output())
    syncs = syncs_since(rc, started)
    # syncs start SPACING apart: over T seconds, T / SPACING + 1 of them, and one more that
    # may have been on its way when the storm began
    bound = int((time.time() - started) / SPACING) + 2
    subscription.refresh_from_db()
    print(
        f"\nwebhook storm: {NOTIFICATIONS} notifications from {SENDERS} connections in "
        f"{delivered:.1f} s ({NOTIFICATIONS / delivered:.0f}/s), {INBOUND} real SMS among them; "
        f"{syncs} syncs (the spacing of {SPACING:.0f} s allows at most {bound}); "
        f"the conversation list, viewed {len(page_times)} times meanwhile: p50 "
        f"{statistics.median(page_times) * 1000:.0f} ms, p95 "
        f"{percentile(page_times, 0.95) * 1000:.0f} ms, max {max(page_times) * 1000:.0f} ms"
    )
    assert statuses == [200] * NOTIFICATIONS
    assert subscription.events >= NOTIFICATIONS
    assert page_statuses and set(page_statuses) == {200}
    assert syncs <= bound
