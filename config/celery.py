"""The Celery app: JSON messages, late acknowledgement, two queues.

The broker comes from the settings (Redis when `REDIS_URL` is set, else kombu's filesystem
transport under `var/celery/`). Tasks named `inbox.<feature>.tasks.rc_*` and `accounts.tasks.rc_*`
call RingCentral and go to the `ringcentral` queue; everything else goes to `default`.
"""

from __future__ import annotations

import os

from celery import Celery
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    result_accept_content=["json"],
    task_ignore_result=True,
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_soft_time_limit=120,
    task_time_limit=150,
    task_default_queue="default",
    task_default_exchange="default",
    task_default_routing_key="default",
    # Each queue has a direct exchange of its own name.
    task_queues={
        "default": {"exchange": "default", "routing_key": "default"},
        "ringcentral": {"exchange": "ringcentral", "routing_key": "ringcentral"},
    },
    # Tasks that call RingCentral are named `….tasks.rc_*`, wherever they live.
    task_routes={
        pattern: {"queue": "ringcentral", "exchange": "ringcentral", "routing_key": "ringcentral"}
        for pattern in ("inbox.*.tasks.rc_*", "accounts.tasks.rc_*")
    },
    # Logging goes through Django's LOGGING, whose handler redacts credentials.
    worker_hijack_root_logger=False,
    broker_connection_retry_on_startup=True,
)
# Celery beat: the recovery of stuck sends (see inbox.sending.recovery.sends_recover).
_send_queue = settings.SEND_TASK_QUEUE
app.conf.beat_schedule = {
    "sends-recover": {
        "task": "inbox.sending.tasks.sends_recover",
        "schedule": float(settings.SEND_RECOVER_EVERY),
        "options": (
            {"queue": _send_queue, "exchange": _send_queue, "routing_key": _send_queue}
            if _send_queue
            else {}
        ),
    },
}
# Celery beat: the live inbox's periodic sync and subscription check (see inbox.live.sync,
# inbox.live.subscriptions).
_live_queue = settings.LIVE_TASK_QUEUE
_live_options = (
    {"queue": _live_queue, "exchange": _live_queue, "routing_key": _live_queue}
    if _live_queue
    else {}
)
app.conf.beat_schedule["live-sync-due"] = {
    "task": "inbox.live.tasks.mailboxes_sync_due",
    "schedule": float(settings.LIVE_SYNC_EVERY),
    "options": _live_options,
}
app.conf.beat_schedule["live-subscriptions-maintain"] = {
    "task": "inbox.live.tasks.rc_subscriptions_maintain",
    "schedule": float(settings.LIVE_SUBSCRIPTION_CHECK_EVERY),
    "options": _live_options,
}
# Celery beat: snoozed conversations wake when their time comes (see inbox.ownership.services).
app.conf.beat_schedule["ownership-snoozes-wake"] = {
    "task": "inbox.ownership.tasks.snoozes_wake_due",
    "schedule": 60.0,
}
# Celery beat: scheduled SMS go out at their time, or as soon as beat is back after missing it
# (see inbox.scheduled.services). On the send pipeline's queue, as its tasks are.
app.conf.beat_schedule["scheduled-sends-release"] = {
    "task": "inbox.scheduled.tasks.scheduled_sends_release",
    "schedule": 15.0,
    "options": app.conf.beat_schedule["sends-recover"]["options"],
}
# The history back-fill (inbox.history) calls RingCentral at a low priority: its tasks go to a
# queue of their own, where they never wait in front of a send or a sync (exact names win over
# the `rc_*` pattern above), and beat starts or continues the back-fills that are due.
_history_queue = settings.HISTORY_TASK_QUEUE or "history"
_history_options = {
    "queue": _history_queue,
    "exchange": _history_queue,
    "routing_key": _history_queue,
}
app.conf.task_queues["history"] = {"exchange": "history", "routing_key": "history"}
app.conf.task_routes = {
    "inbox.history.tasks.rc_history_step": _history_options,
    "inbox.history.tasks.mailboxes_history_due": _history_options,
    **app.conf.task_routes,
}
app.conf.beat_schedule["history-due"] = {
    "task": "inbox.history.tasks.mailboxes_history_due",
    "schedule": float(settings.HISTORY_EVERY),
    "options": _history_options,
}
# Each feature of the inbox keeps its tasks in its own `tasks` module.
app.autodiscover_tasks()
app.autodiscover_tasks(
    [
        "inbox.conversations",
        "inbox.sending",
        "inbox.bulk",
        "inbox.live",
        "inbox.ops",
        "inbox.ownership",
        "inbox.scheduled",
        "inbox.history",
    ],
    related_name="tasks",
)
