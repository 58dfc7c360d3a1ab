"""The send pipeline in a real Celery worker process, against the emulator over HTTP, on
the real broker and database (PostgreSQL + Redis when DATABASE_URL/REDIS_URL are set, else
SQLite + kombu's filesystem transport): throughput inside the rate limit, a worker killed
in the middle of a batch, server errors and a hung request."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis
from django.conf import settings as django_settings
from django.db import transaction
from django.test import Client

from accounts.models import User
from inbox.models import Send
from tests.inbox.conftest import point_at, sign_in
from tests.support import emulator as emulator_support
from tests.support.celery_worker import Worker, celery_beat, celery_worker, sends_routed_to
from tests.support.emulator import RunningEmulator
from tests.support.sends import faults_set, outbound, request_count, sms_queue, wait_until

pytestmark = pytest.mark.integration

emulator_template = emulator_support.emulator_template
emulator_factory = emulator_support.emulator_factory

MEDIUM_LIMIT = 20
WINDOW = 2.0


@dataclass
class Pipeline:
    rc: RunningEmulator
    bob: User
    worker: Worker
    env: dict[str, str]
    tmp_path: Path
    committed_at: float = 0.0

    def queue(self, texts: list[str], **fields: Any) -> list[Send]:
        """Queue one SMS per text in one transaction: all are enqueued as it commits (when
        `committed_at` is set)."""
        with transaction.atomic():
            transaction.on_commit(self._mark_commit)  # runs first: registered first
            return [sms_queue(self.bob, text=text, **fields) for text in texts]

    def _mark_commit(self) -> None:
        self.committed_at = time.time()

    def sends(self, ids: list[int]) -> list[Send]:
        return list(Send.objects.filter(pk__in=ids).order_by("id"))

    def wait(self, ids: list[int], done: Callable[[Send], bool], *, seconds: float) -> None:
        def all_done() -> bool:
            assert self.worker.process.poll() is None, self.worker.output()
            return all(done(send) for send in self.sends(ids))

        wait_until(all_done, seconds=seconds, every=0.25, what=self.worker.output()[-2000:])


def forget_shared_state(extension_id: int) -> None:
    """Redis outlives tests: earlier tests' rate-budget logs and tracker tokens of the same
    demo extension must not steer this one."""
    if not django_settings.REDIS_URL:
        return
    client = redis.Redis.from_url(django_settings.REDIS_URL)
    for pattern in (f"rcapi:budget:{{ext:{extension_id}|*", "*inbox:sends:*"):
        for key in client.scan_iter(match=pattern):
            client.delete(key)
    client.close()


@pytest.fixture
def pipeline_start(
    transactional_db: None, tmp_path: Path, settings: Any, emulator_factory: Any
) -> Iterator[Callable[..., Pipeline]]:
    """Start the emulator with `flags`, sign bob in, start a worker (threads: one process,
    so one rate budget even without Redis) and route the pipeline's tasks to it."""
    stack = ExitStack()

    def start(*flags: str, rate_limits: bool = False, **env: str) -> Pipeline:
        rc = point_at(settings, emulator_factory(*flags, rate_limits=rate_limits))
        settings.MEDIA_ROOT = str(tmp_path / "media")
        sign_in(Client(), rc, "agent")
        bob = User.objects.get(rc_extension_id=rc.user("agent")["extension_id"])
        forget_shared_state(bob.rc_extension_id or 0)
        environment = {
            "RINGCENTRAL_SERVER_URL": rc.url,
            "MEDIA_ROOT": str(tmp_path / "media"),
            **env,
        }
        worker = stack.enter_context(
            celery_worker(
                tmp_path,
                name="sends",
                env=environment,
                pool="threads",
                concurrency=4,
                shared_broker=True,
            )
        )
        stack.enter_context(sends_routed_to(worker))
        return Pipeline(rc, bob, worker, environment, tmp_path)

    with stack:
        yield start


def stored_texts(pipeline: Pipeline) -> Counter[str]:
    return Counter(m.get("subject", "") for m in outbound(pipeline.rc, "agent"))


@pytest.mark.rate_timing
def test_it_sends_200_sms_exactly_once_inside_the_rate_limit(
    pipeline_start: Callable[..., Pipeline],
) -> None:
    pipeline = pipeline_start(
        *("--rate-limit", f"Medium={MEDIUM_LIMIT}", "--rate-window", str(int(WINDOW))),
        rate_limits=True,
    )
    texts = [f"Throughput {uuid.uuid4().hex[:8]} #{i}" for i in range(200)]

    ids = [send.pk for send in pipeline.queue(texts)]
    pipeline.wait(ids, lambda s: s.status == Send.Status.SUBMITTED, seconds=60)

    sends = pipeline.sends(ids)
    drained = (
        max(s.submitted_at.timestamp() for s in sends if s.submitted_at) - pipeline.committed_at
    )
    allowed = len(texts) / MEDIUM_LIMIT * WINDOW
    print(
        f"\n200 SMS drained in {drained:.2f} s; the Medium limit ({MEDIUM_LIMIT} per "
        f"{WINDOW:.0f} s) allows {allowed:.2f} s; ratio {drained / allowed:.3f}"
    )
    store = stored_texts(pipeline)
    assert all(store[text] == 1 for text in texts)
    assert sum(store[text] for text in texts) == 200
    assert len({s.rc_message_id for s in sends}) == 200
    assert request_count(pipeline.rc, operation="createSMSMessage") == 200
    assert request_count(pipeline.rc, status=429) == 0
    assert drained <= allowed * 1.10


def test_it_loses_and_duplicates_nothing_when_the_worker_is_killed(
    pipeline_start: Callable[..., Pipeline], tmp_path: Path
) -> None:
    # Without Redis the rate budget lives in the worker's memory: the restarted worker cannot
    # know what the killed one called in the current window, and its first call may meet one
    # 429. A penalty of one window (not the default minute) keeps that within the wait below.
    pipeline = pipeline_start(
        *("--rate-limit", "Medium=20", "--rate-window", "2", "--rate-penalty", "2"),
        *("--sms-step", "0.3"),
        rate_limits=True,
        SEND_LEASE_SECONDS="5",
        SEND_OVERDUE_SECONDS="3",
        SEND_RECOVER_EVERY="1",
    )
    texts = [f"Kill {uuid.uuid4().hex[:8]} #{i}" for i in range(60)]
    ids = [send.pk for send in pipeline.queue(texts)]
    wait_until(
        lambda: Send.objects.filter(pk__in=ids, status=Send.Status.SUBMITTED).count() >= 15,
        seconds=30,
        what="a first part of the batch",
    )

    pipeline.worker.kill()
    states = Counter(Send.objects.filter(pk__in=ids).values_list("status", flat=True))
    print(f"\nstates when the worker was killed: {dict(states)}")
    assert states[Send.Status.SUBMITTED] < 60

    with (
        celery_worker(
            tmp_path, env=pipeline.env, queue=pipeline.worker.queue, pool="threads",
            concurrency=4, shared_broker=True,
        ) as again,
        celery_beat(tmp_path, again, env=pipeline.env),
    ):  # fmt: skip
        pipeline.worker = again
        pipeline.wait(
            ids,
            lambda s: s.status in (Send.Status.SUBMITTED, Send.Status.NEEDS_REVIEW),
            seconds=45,
        )

    sends = pipeline.sends(ids)
    store = stored_texts(pipeline)
    submitted = [s for s in sends if s.status == Send.Status.SUBMITTED]
    in_doubt = [s for s in sends if s.status == Send.Status.NEEDS_REVIEW]
    print(f"submitted {len(submitted)}, needs review {len(in_doubt)}")
    assert all(store[s.text] == 1 for s in submitted)  # none duplicated
    assert all(store[s.text] == 0 for s in in_doubt)  # not found, so not sent
    assert len({s.rc_message_id for s in submitted}) == len(submitted)
    assert sum(store[text] for text in texts) == len(submitted)
    # with Redis the budget outlives the worker: not one 429; without, at most the one call
    # that taught the new worker's budget the window is full
    assert request_count(pipeline.rc, status=429) <= (0 if django_settings.REDIS_URL else 1)


def test_it_sends_everything_despite_server_errors(
    pipeline_start: Callable[..., Pipeline],
) -> None:
    pipeline = pipeline_start("--sms-step", "0.3")
    # every fourth call fails, counted by the emulator: the plan, not the timing, decides
    faults_set(pipeline.rc, error_every=4)  # after signing in
    texts = [f"Unlucky {uuid.uuid4().hex[:8]} #{i}" for i in range(20)]

    ids = [send.pk for send in pipeline.queue(texts)]
    # backoff after a run of 503s (2, 4, 8, 16 s) can take a send half a minute
    pipeline.wait(ids, lambda s: s.finished_at is not None, seconds=90)
    faults_set(pipeline.rc)  # so that reading the store cannot meet a 503 itself

    sends = pipeline.sends(ids)
    assert {(s.status, s.rc_status) for s in sends} == {(Send.Status.SUBMITTED, "Delivered")}
    store = stored_texts(pipeline)
    assert all(store[text] == 1 for text in texts)
    # 20 sends took at least 20 successful calls under the plan, so of the calls made then
    # (three of every four succeed) at least 6 were answered 503 and retried
    failed = request_count(pipeline.rc, status=503)
    assert failed >= 6
    tries = sum(s.attempts for s in sends)
    print(f"\n{failed} answers were 503; {tries} tries for {len(sends)} sends")


def test_it_finds_a_hung_send_in_the_store_instead_of_sending_it_again(
    pipeline_start: Callable[..., Pipeline],
) -> None:
    pipeline = pipeline_start("--sms-step", "0.3")
    faults_set(pipeline.rc, hang_rate=1.0, hang_seconds=45)
    (send,) = pipeline.queue(["Are you still there?"])

    wait_until(
        lambda: Send.objects.filter(pk=send.pk, call_started_at__isnull=False).exists(),
        seconds=15,
        what="the call",
    )
    time.sleep(1.5)  # the emulator has stored the message and holds the answer back
    faults_set(pipeline.rc)
    pipeline.wait([send.pk], lambda s: s.finished_at is not None, seconds=50)

    send.refresh_from_db()
    assert (send.status, send.rc_status) == (Send.Status.SUBMITTED, "Delivered")
    assert send.attempts == 1
    # the request was made once (the emulator logs it only once its answer is given)
    assert stored_texts(pipeline)["Are you still there?"] == 1
