from __future__ import annotations

import pytest

from inbox.models import TaskProbe
from inbox.ops.probe import task_probe_answer
from inbox.ops.tasks import healthcheck_ping


@pytest.mark.django_db
def test_it_answers_a_probe_once() -> None:
    probe = TaskProbe.objects.create()

    first = task_probe_answer(probe_id=probe.id, worker="celery@one")
    second = task_probe_answer(probe_id=probe.id, worker="celery@two")

    probe.refresh_from_db()
    assert (first, second) == (True, False)
    assert probe.answered_by == "celery@one"
    assert probe.answered_at is not None


@pytest.mark.django_db
def test_it_ignores_a_probe_that_does_not_exist() -> None:
    assert task_probe_answer(probe_id=12345, worker="celery@one") is False


@pytest.mark.django_db
def test_it_answers_the_probe_from_the_task() -> None:
    probe = TaskProbe.objects.create()

    healthcheck_ping.apply(args=[probe.id])

    probe.refresh_from_db()
    assert probe.answered_at is not None
