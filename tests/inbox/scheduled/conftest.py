"""Fixtures of the scheduled-SMS tests: a conversation of Sam's (agent) with a customer, Support
Line (a team mailbox with Sam as its member), and helpers that schedule through the composer."""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from inbox.models import Send
from tests.emulator.factories import conversation_of, make_sms
from tests.inbox.conftest import extension_of
from tests.inbox.support import own_day
from tests.inbox.team.conftest import support_line  # noqa: F401  (a fixture)
from tests.support.emulator import RunningEmulator
from tests.support.sends import TaskRecorder, tasks_record


def customer_number() -> str:
    """A number phonenumbers takes as valid (its exchange does not start with 0 or 1)."""
    return f"+1209{random.SystemRandom().randrange(2_000_000, 8_000_000)}"


@pytest.fixture(autouse=True)
def sent_tasks(monkeypatch: pytest.MonkeyPatch) -> TaskRecorder:
    """What the pipeline would be handed, recorded instead of enqueued."""
    return tasks_record(monkeypatch)


@pytest.fixture
def sms_thread(rc: RunningEmulator) -> tuple[int, str]:
    """A conversation of Sam's with a customer: (conversation id, the customer's number)."""
    day, _ = own_day()
    customer = customer_number()
    first = make_sms(rc.db_path, extension_of(rc, "agent"), other_number=customer,
                     text="Is it ready?", created_ts=day + 10)  # fmt: skip
    return conversation_of(rc.db_path, first), customer


def local(when: datetime, zone: str) -> str:
    """`when` as a `datetime-local` value in `zone`."""
    return when.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M")


def ahead(**delta: float) -> datetime:
    return (timezone.now() + timedelta(**delta)).replace(second=0, microsecond=0)


def schedule(
    client: Client,
    rc: RunningEmulator,
    conversation_id: int,
    *,
    which: str = "agent",
    extension_id: int | None = None,
    from_number: str | None = None,
    **fields: Any,
) -> Any:
    """Press "Schedule" in the reply composer with `fields` (send_at, timezone, …)."""
    extension_id = extension_id or extension_of(rc, which)
    data: dict[str, object] = {
        "idempotency_key": str(uuid.uuid4()),
        "from_number": from_number or rc.user(which)["sms_numbers"][0],
        "text": "Your order is ready.",
        "timezone": "Europe/London",
        "cancel_on_reply": "on",
        "when": "later",
        **fields,
    }
    return client.post(reverse("inbox:sms_reply", args=[extension_id, conversation_id]), data)


def scheduled_one(**filters: Any) -> Send:
    return Send.objects.get(status=Send.Status.SCHEDULED, **filters)
