"""Redis killed and started again in the middle of a 200-SMS batch.

The worker, Celery beat and this process all use a Redis of the test's own (`redis_server`)
as broker, cache and rate budget. Once 60 sends are submitted, that Redis is SIGKILLed and,
a second later, started again on its port with nothing in it: the messages of the sends still
queued are gone, with the rate budget's log and every cache entry. The rows are the truth:
beat's `sends_recover` enqueues the overdue sends again once the broker is back, the worker
reconnects by itself, and the claim lets each send through once.

The emulator's Medium limit (40 per 2 s) paces the batch, so 140 sends are still to go when
Redis dies, whatever the machine's speed: the limit, not the timing, decides.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from inbox.models import Send
from tests.faults.conftest import RedisServer, celery_broker_at
from tests.inbox.conftest import point_at, sign_in
from tests.support.celery_worker import celery_beat, celery_worker, sends_routed_to
from tests.support.sends import outbound, request_count, sms_queue, wait_until

pytestmark = [pytest.mark.faults, pytest.mark.integration]

BATCH = 200
KILL_AFTER = 60  # submitted sends
LIMIT, WINDOW = 40, 2


def test_it_sends_every_sms_once_when_redis_restarts_mid_batch(
    transactional_db: None,
    tmp_path: Path,
    settings: Any,
    emulator_factory: Any,
    redis_server: RedisServer,
) -> None:
    rc = point_at(
        settings,
        emulator_factory(
            *("--rate-limit", f"Medium={LIMIT}", "--rate-window", str(WINDOW)),
            *("--rate-penalty", str(WINDOW), "--sms-step", "0.3"),
            rate_limits=True,
        ),
    )
    # the worker helpers give the worker and beat this Redis when REDIS_URL names one
    settings.REDIS_URL = redis_server.url
    settings.MEDIA_ROOT = str(tmp_path / "media")
    environment = {
        "RINGCENTRAL_SERVER_URL": rc.url,
        "MEDIA_ROOT": settings.MEDIA_ROOT,
        "REDIS_URL": redis_server.url,
        # recovery as soon as a send is 3 s overdue, looked for every second; a claim held
        # 10 s without an answer (the emulator answers in milliseconds) lost its worker
        "SEND_OVERDUE_SECONDS": "3",
        "SEND_RECOVER_EVERY": "1",
        "SEND_LEASE_SECONDS": "10",
    }
    with celery_broker_at(redis_server.url):
        # signed in before the tasks are routed to the worker: the subscription the sign-in
        # asks for is no part of this test
        bob = sign_in(Client(), rc, "agent")
        with (
            # the pool production runs (Procfile, docker-compose.yml): in it the consumer
            # acknowledges on its own thread; a thread pool acknowledging from its threads
            # races kombu closing the lost connection, and its worker can die of it
            celery_worker(
                tmp_path, name="redis-restart", env=environment, pool="prefork",
                concurrency=4, shared_broker=True,
            ) as worker,
            celery_beat(tmp_path, worker, env=environment) as beat_log,
            sends_routed_to(worker),
        ):  # fmt: skip
            texts = [f"Restart {uuid.uuid4().hex[:8]} #{n}" for n in range(BATCH)]
            with transaction.atomic():
                ids = [sms_queue(bob, text=text).pk for text in texts]
            started = time.monotonic()
            sends = Send.objects.filter(pk__in=ids)

            def submitted() -> int:
                assert worker.process.poll() is None, worker.output()
                return sends.filter(status=Send.Status.SUBMITTED).count()

            wait_until(lambda: submitted() >= KILL_AFTER, seconds=60, what=worker.output())
            redis_server.kill()
            killed = time.monotonic()
            at_kill = Counter(sends.values_list("status", flat=True))
            time.sleep(1.0)
            redis_server.start()
            back = time.monotonic()
            after_restart = submitted()
            wait_until(lambda: submitted() > after_restart, seconds=60, what=worker.output())
            resumed = time.monotonic()
            wait_until(
                lambda: submitted() == BATCH,
                seconds=90,
                every=0.25,
                what=f"{worker.output()}\n{beat_log.read_text(errors='replace')[-2000:]}",
            )
            drained = time.monotonic()

    store = Counter(m.get("subject", "") for m in outbound(rc, "agent"))
    rows = list(sends)
    retried = sum(1 for s in rows if s.attempts > 1)
    rate_limited = request_count(rc, status=429)
    print(
        f"\nRedis restart mid-batch: {BATCH} SMS, Redis killed after "
        f"{killed - started:.1f} s with {dict(at_kill)}; down {back - killed:.1f} s; "
        f"sending resumed {resumed - back:.1f} s after it was back; all {BATCH} submitted "
        f"{drained - started:.1f} s after the batch was queued ({drained - back:.1f} s after "
        f"the restart); {retried} sends took more than one try; {rate_limited} answers 429; "
        f"the limit allows {BATCH / LIMIT * WINDOW:.0f} s for the batch"
    )
    assert at_kill[Send.Status.SUBMITTED] < BATCH  # the kill came mid-batch
    assert all(s.status == Send.Status.SUBMITTED for s in rows)
    assert all(store[text] == 1 for text in texts)  # each sent, none twice
    assert len({s.rc_message_id for s in rows}) == BATCH
    assert request_count(rc, operation="createSMSMessage", status=200) == BATCH
