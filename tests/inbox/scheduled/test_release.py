"""Releasing scheduled sends: at their time (or later, when nothing ran at their time) they
become QUEUED and are handed to the pipeline once, which sends each once; two releases at the
same moment release each send once."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client

from accounts.models import User
from inbox.models import Send
from inbox.scheduled.services import scheduled_sends_release
from inbox.scheduled.tasks import SCHEDULED_RELEASE_TASK
from inbox.sending import pipeline
from inbox.sending.recovery import sends_recover
from inbox.sending.tasks import rc_send_process
from tests.inbox.conftest import sign_in
from tests.inbox.scheduled.conftest import ahead, local, schedule, scheduled_one
from tests.support.emulator import RunningEmulator
from tests.support.sends import TaskRecorder, outbound, sms_queue


def make_due(send: Send) -> None:
    """Move the clock past its time (the test hook the browser test uses too)."""
    Send.objects.filter(pk=send.pk).update(scheduled_for=ahead(minutes=-3))


def test_a_due_send_is_queued_and_sent_once(
    bob_client: Client, rc: RunningEmulator, sms_thread: tuple[int, str],
    sent_tasks: TaskRecorder, django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:  # fmt: skip
    conversation_id, customer = sms_thread
    schedule(bob_client, rc, conversation_id, send_at=local(ahead(hours=1), "UTC"),
             text=f"Released {conversation_id}")  # fmt: skip
    send = scheduled_one(conversation_id=conversation_id)
    assert scheduled_sends_release() == []  # not yet

    make_due(send)
    with django_capture_on_commit_callbacks(execute=True):
        assert scheduled_sends_release() == [send.pk]
        assert scheduled_sends_release() == []  # once

    send.refresh_from_db()
    assert send.status == Send.Status.QUEUED
    assert [call.args for call in sent_tasks.of(rc_send_process.name)] == [[send.pk]]
    # the recovery of stuck sends does not take it for a lost one straight away
    assert sends_recover() == 0
    # the pipeline sends it, once however often its task comes
    pipeline.send_process(send_id=send.pk)
    pipeline.send_process(send_id=send.pk)
    send.refresh_from_db()
    assert send.status == Send.Status.SUBMITTED
    texts = Counter(m.get("subject") for m in outbound(rc, "agent"))
    assert texts[f"Released {conversation_id}"] == 1
    stored = [m for m in outbound(rc, "agent") if m.get("subject") == send.text]
    assert stored[0]["to"][0]["phoneNumber"] == customer


def test_it_leaves_other_sends_alone(bob_client: Client, rc: RunningEmulator) -> None:
    user = User.objects.get(rc_extension_id=rc.user("agent")["extension_id"])
    queued = sms_queue(user, text="now")
    cancelled = sms_queue(user, text="not at all", status=Send.Status.CANCELLED,
                          scheduled_for=ahead(minutes=-5))  # fmt: skip
    assert scheduled_sends_release() == []
    assert {s.pk: s.status for s in Send.objects.filter(pk__in=[queued.pk, cancelled.pk])} == {
        queued.pk: Send.Status.QUEUED, cancelled.pk: Send.Status.CANCELLED,
    }  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_two_releases_at_once_release_each_send_once(
    rc: RunningEmulator, sent_tasks: TaskRecorder
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises them)")
    user = sign_in(Client(), rc, "agent")
    sends = [
        sms_queue(
            user, text=f"Race {n}", status=Send.Status.SCHEDULED, scheduled_for=ahead(minutes=-1)
        )
        for n in range(40)
    ]
    start = threading.Barrier(2)
    results: list[list[int]] = []

    def release() -> None:
        try:
            start.wait()
            results.append(scheduled_sends_release())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=release) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    released = sorted(results[0] + results[1])
    assert released == sorted(s.pk for s in sends)
    enqueued = [call.args[0] for call in sent_tasks.of(rc_send_process.name)]
    assert sorted(enqueued) == released
    assert set(Send.objects.filter(pk__in=released).values_list("status", flat=True)) == {
        Send.Status.QUEUED
    }


def test_the_release_runs_from_beat_and_from_every_worker_that_starts() -> None:
    from config.celery import app

    entry = app.conf.beat_schedule["scheduled-sends-release"]
    assert entry["task"] == SCHEDULED_RELEASE_TASK
    assert entry["schedule"] <= 15.0
    assert SCHEDULED_RELEASE_TASK in app.tasks
