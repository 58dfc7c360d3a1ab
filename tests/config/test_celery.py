from __future__ import annotations

from config import celery_app


def _queue_for(task_name: str) -> str:
    name: str = celery_app.amqp.router.route({}, task_name)["queue"].name
    return name


def test_it_routes_ringcentral_tasks_to_their_own_queue() -> None:
    assert _queue_for("inbox.sending.tasks.rc_sms_send") == "ringcentral"


def test_it_routes_other_tasks_to_the_default_queue() -> None:
    assert _queue_for("inbox.ops.tasks.healthcheck_ping") == "default"


def test_it_gives_each_queue_a_direct_exchange_of_its_own_name() -> None:
    for task_name in ("inbox.sending.tasks.rc_sms_send", "inbox.ops.tasks.healthcheck_ping"):
        queue = celery_app.amqp.router.route({}, task_name)["queue"]

        assert queue.exchange.type == "direct"
        assert queue.exchange.name == queue.routing_key == queue.name


def test_it_declares_the_default_ringcentral_and_history_queues() -> None:
    assert sorted(celery_app.conf.task_queues) == ["default", "history", "ringcentral"]


def test_it_speaks_only_json() -> None:
    conf = celery_app.conf

    assert (conf.task_serializer, conf.result_serializer) == ("json", "json")
    assert conf.accept_content == ["json"]
    assert conf.result_accept_content == ["json"]


def test_it_acknowledges_a_task_only_after_it_ran() -> None:
    conf = celery_app.conf

    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert 0 < conf.task_soft_time_limit < conf.task_time_limit


def test_it_finds_the_inbox_tasks() -> None:
    celery_app.loader.import_default_modules()

    assert "inbox.ops.tasks.healthcheck_ping" in celery_app.tasks


def test_it_registers_every_task_the_services_enqueue_and_beat_schedules() -> None:
    from inbox.bulk.services import BULK_JOB_RUN_TASK
    from inbox.conversations.services import READ_ON_OPEN_TASK
    from inbox.live.subscriptions import SUBSCRIPTION_ENSURE_TASK
    from inbox.live.sync import MAILBOX_SYNC_TASK
    from inbox.ops.tasks import PROBE_TASK
    from inbox.sending.queue import SEND_PROCESS_TASK
    from inbox.sending.recovery import SENDS_RECOVER_TASK
    from inbox.sending.tracking import SENDS_TRACK_TASK

    celery_app.loader.import_default_modules()
    enqueued = [
        BULK_JOB_RUN_TASK, READ_ON_OPEN_TASK, SUBSCRIPTION_ENSURE_TASK, MAILBOX_SYNC_TASK,
        PROBE_TASK, SEND_PROCESS_TASK, SENDS_RECOVER_TASK, SENDS_TRACK_TASK,
    ]  # fmt: skip
    scheduled = [entry["task"] for entry in celery_app.conf.beat_schedule.values()]

    assert [name for name in enqueued + scheduled if name not in celery_app.tasks] == []


def test_it_routes_exactly_the_tasks_that_call_ringcentral_to_their_queue() -> None:
    celery_app.loader.import_default_modules()
    ours = [name for name in celery_app.tasks if not name.startswith("celery.")]
    calling = [name for name in ours if name.rsplit(".", 1)[1].startswith("rc_")]

    history = [name for name in ours if name.startswith("inbox.history.")]

    assert len(calling) >= 8
    assert history  # the back-fill's tasks: on their own queue, behind nothing urgent
    for name in ours:
        if name in history:
            assert _queue_for(name) == "history", name
            continue
        assert _queue_for(name) == ("ringcentral" if name in calling else "default"), name
