"""Send later beyond a thread's composer: on the new conversation page (its fields, what is
refused, the audit entry, where the person lands) and through the JSON API (`scheduled_for`
with its offset, `cancel_on_reply`, refusals, idempotency, a stranger's mailbox). A new
conversation has no conversation yet: a text from a recipient to the sending number cancels
it. Its time releases it, and it is sent once."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from inbox.live.sync import mailbox_sync
from inbox.models import AuditEntry, IndexedMessage, Send
from inbox.scheduled.services import scheduled_sends_release
from inbox.sending import pipeline
from inbox.sending.scheduling import send_scheduled_label
from inbox.sending.tasks import rc_send_process
from tests.emulator.factories import make_sms, unique_number
from tests.inbox.conftest import extension_of
from tests.inbox.live.support import live_tasks_record
from tests.inbox.scheduled.conftest import ahead, local, scheduled_one
from tests.support.emulator import RunningEmulator
from tests.support.sends import TaskRecorder, outbound


@pytest.fixture(autouse=True)
def no_live_tasks(monkeypatch: pytest.MonkeyPatch) -> None:
    """The syncs run here, in the test: what they would enqueue is only recorded."""
    live_tasks_record(monkeypatch)


def new_page(rc: RunningEmulator, which: str = "agent") -> str:
    return reverse("inbox:sms_new", args=[extension_of(rc, which)])


def schedule_new(client: Client, rc: RunningEmulator, **fields: Any) -> Any:
    """Press "Schedule" on the new conversation page with `fields` (to, send_at, …)."""
    data: dict[str, object] = {
        "idempotency_key": str(uuid.uuid4()),
        "from_number": rc.user("agent")["sms_numbers"][0],
        "to": unique_number(),
        "text": "Your table is booked.",
        "timezone": "Europe/London",
        "cancel_on_reply": "on",
        "when": "later",
        **fields,
    }
    return client.post(new_page(rc), data)


def make_due(send: Send) -> None:
    Send.objects.filter(pk=send.pk).update(scheduled_for=ahead(minutes=-3))


# --------------------------------------------------------------------------- the new page


def test_the_new_page_offers_send_later(bob_client: Client, rc: RunningEmulator) -> None:
    page = bob_client.get(new_page(rc)).content.decode()

    assert "<summary>Send later</summary>" in page
    assert 'type="datetime-local" name="send_at"' in page
    assert "Cancel if they write first" in page
    assert "Any text from one of the recipients to the number it is sent from cancels it." in page
    assert 'name="when" value="later"' in page


def test_it_schedules_a_new_conversation_and_lands_on_the_send(
    bob_client: Client, rc: RunningEmulator, sent_tasks: TaskRecorder
) -> None:
    customer = unique_number()
    when = ahead(hours=5)

    answer = schedule_new(bob_client, rc, to=customer, send_at=local(when, "Europe/London"))

    send = scheduled_one(recipients=[customer])
    assert answer.status_code == 302
    assert answer["Location"] == reverse("inbox:send", args=[extension_of(rc, "agent"), send.pk])
    assert (send.conversation_id, send.scheduled_for, send.scheduled_zone) == (
        None, when, "Europe/London",
    )  # fmt: skip
    assert send.cancel_on_reply is True
    assert sent_tasks.of(rc_send_process.name) == []
    landed = bob_client.get(answer["Location"]).content.decode()
    assert f"Scheduled for {send_scheduled_label(send)}." in landed  # the notice
    assert f"<span data-scheduled-label>Scheduled for {send_scheduled_label(send)}</span>" in (
        landed
    )  # the bubble, with Edit and Cancel
    assert reverse("inbox:scheduled_cancel", args=[send.extension_id, send.pk]) in landed
    entry = AuditEntry.objects.get(action=AuditEntry.Action.SEND_SCHEDULE)
    assert (entry.extension_id, entry.conversation_id) == (extension_of(rc, "agent"), None)
    assert entry.actor is not None and entry.actor.rc_extension_id == extension_of(rc, "agent")
    assert entry.detail.startswith("For ")
    assert "(Europe/London); cancelled if the customer replies first" in entry.detail
    assert entry.ip_address == "127.0.0.1"


def test_unticked_it_is_not_cancelled_by_a_reply(bob_client: Client, rc: RunningEmulator) -> None:
    schedule_new(bob_client, rc, send_at=local(ahead(hours=1), "UTC"), cancel_on_reply="")

    assert scheduled_one().cancel_on_reply is False
    assert "cancelled if" not in AuditEntry.objects.get().detail


@pytest.mark.parametrize(
    ("fields", "sentence"),
    [
        ({"send_at": ""}, "Choose the day and time to send it at."),
        ({"send_at": "next tuesday"}, "Enter the day and time to send at, e.g. 2026-12-07 09:00."),
        ({"send_at": "past"}, "has passed or is less than a minute away"),
        ({"send_at": "far"}, "Schedule a message at most a year ahead: choose an earlier time."),
        ({"timezone": "Mars/Olympus"}, "“Mars/Olympus” is not a time zone this server knows"),
    ],
)
def test_it_refuses_what_cannot_be_scheduled_saying_why(
    bob_client: Client, rc: RunningEmulator, fields: dict[str, str], sentence: str
) -> None:
    times = {"past": ahead(minutes=-5), "far": ahead(days=400)}
    given = {"send_at": local(ahead(hours=2), "UTC"), "timezone": "UTC", **fields}
    if given["send_at"] in times:
        given["send_at"] = local(times[given["send_at"]], "UTC")

    answer = schedule_new(bob_client, rc, text="Kept as typed", **given)

    page = answer.content.decode()
    assert answer.status_code == 400
    assert sentence in page
    assert "Kept as typed" in page
    assert '<details class="send-later disclosure" data-send-later open>' in page
    assert not Send.objects.exists()
    assert not AuditEntry.objects.exists()


def test_send_still_sends_now(bob_client: Client, rc: RunningEmulator) -> None:
    answer = schedule_new(bob_client, rc, when="", send_at=local(ahead(hours=1), "UTC"))

    assert answer.status_code == 302
    send = Send.objects.get()
    assert (send.status, send.scheduled_for) == (Send.Status.QUEUED, None)


def test_a_strangers_mailbox_is_a_404(
    bob_client: Client, charlie_client: Client, rc: RunningEmulator
) -> None:
    answer = charlie_client.post(
        new_page(rc),
        {"idempotency_key": str(uuid.uuid4()), "from_number": rc.user("agent")["sms_numbers"][0],
         "to": unique_number(), "text": "Hi", "when": "later",
         "send_at": local(ahead(hours=1), "UTC")},
    )  # fmt: skip

    assert answer.status_code == 404
    assert charlie_client.get(new_page(rc)).status_code == 404
    assert not Send.objects.exists()


# --------------------------------------------------------------------------- cancel on reply


class OwnMailbox:
    """Sam's own mailbox, synced into the index as the message sync does it."""

    def __init__(self, rc: RunningEmulator) -> None:
        self.rc = rc
        self.user = User.objects.get(rc_extension_id=extension_of(rc, "agent"))
        self.number = rc.user("agent")["sms_numbers"][0]

    def sync(self, capture: Callable[..., Any]) -> None:
        # the index tells of new messages once its transaction commits
        with capture(execute=True):
            mailbox_sync(
                account_id=int(self.user.rc_account_id or 0),
                extension_id=int(self.user.rc_extension_id or 0),
            )

    def customer_writes(self, customer: str, *, to: str | None = None) -> None:
        make_sms(self.rc.db_path, extension_of(self.rc, "agent"), other_number=customer,
                 own_number=to or self.number, text="Actually, make it Friday")  # fmt: skip


@pytest.fixture
def mailbox(
    rc: RunningEmulator, bob_client: Client, django_capture_on_commit_callbacks: Any
) -> OwnMailbox:
    box = OwnMailbox(rc)
    box.sync(django_capture_on_commit_callbacks)  # the first sync fills the index
    return box


def test_a_recipients_text_cancels_a_new_conversation_naming_them(
    bob_client: Client, rc: RunningEmulator, mailbox: OwnMailbox,
    django_capture_on_commit_callbacks: Any, sent_tasks: TaskRecorder,
) -> None:  # fmt: skip
    first, second = unique_number(), unique_number()
    schedule_new(bob_client, rc, to=f"{first}, {second}", send_at=local(ahead(hours=1), "UTC"))
    send = scheduled_one()

    mailbox.customer_writes(second)
    mailbox.sync(django_capture_on_commit_callbacks)

    send.refresh_from_db()
    assert send.status == Send.Status.CANCELLED
    digits = second
    assert send.last_error == (
        f"Cancelled: ({digits[2:5]}) {digits[5:8]}-{digits[8:]} replied first"
    )
    entry = AuditEntry.objects.get(action=AuditEntry.Action.SCHEDULED_CANCEL)
    assert (entry.actor, entry.detail) == (None, f"Send {send.pk}: {send.last_error}")
    make_due(send)
    assert scheduled_sends_release() == []
    assert sent_tasks.of(rc_send_process.name) == []


def test_texts_from_others_or_to_another_number_leave_it_alone(
    bob_client: Client, rc: RunningEmulator, mailbox: OwnMailbox,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    customer = unique_number()
    schedule_new(bob_client, rc, to=customer, send_at=local(ahead(hours=1), "UTC"))
    send = scheduled_one()

    mailbox.customer_writes(unique_number())  # someone else
    mailbox.customer_writes(customer, to="+16505550999")  # not the number it goes from
    mailbox.sync(django_capture_on_commit_callbacks)

    send.refresh_from_db()
    assert send.status == Send.Status.SCHEDULED


def test_unticked_a_recipients_text_leaves_it_alone(
    bob_client: Client, rc: RunningEmulator, mailbox: OwnMailbox,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    customer = unique_number()
    schedule_new(bob_client, rc, to=customer, send_at=local(ahead(hours=1), "UTC"),
                 cancel_on_reply="")  # fmt: skip

    mailbox.customer_writes(customer)
    mailbox.sync(django_capture_on_commit_callbacks)

    assert scheduled_one().cancel_on_reply is False


def test_a_text_the_index_holds_but_no_signal_told_of_cancels_it_at_release(
    bob_client: Client, rc: RunningEmulator, sent_tasks: TaskRecorder
) -> None:
    customer = unique_number()
    schedule_new(bob_client, rc, to=customer, send_at=local(ahead(hours=1), "UTC"))
    send = scheduled_one()
    # set ten minutes ago, due a minute ago: the customer wrote in between
    Send.objects.filter(pk=send.pk).update(
        updated_at=timezone.now() - timedelta(minutes=10),
        scheduled_for=timezone.now() - timedelta(minutes=1),
    )
    # e.g. the index was rebuilt while no process listened
    IndexedMessage.objects.create(
        account_id=send.account_id, extension_id=send.extension_id, message_id=987654321,
        thread_kind="conversation", thread_id=123456789, type="SMS", direction="Inbound",
        created_at=timezone.now() - timedelta(minutes=5),
        numbers=f" {customer} {send.from_number} ",
        record={"from": {"phoneNumber": customer}, "to": [{"phoneNumber": send.from_number}]},
    )  # fmt: skip

    assert scheduled_sends_release() == []

    send.refresh_from_db()
    assert send.status == Send.Status.CANCELLED
    assert send.last_error.endswith("replied first")
    assert sent_tasks.of(rc_send_process.name) == []


# --------------------------------------------------------------------------- the JSON API


def api_url(rc: RunningEmulator, which: str = "agent") -> str:
    return reverse("api:sms_send", args=[extension_of(rc, which)])


def api_schedule(client: Client, rc: RunningEmulator, *, key: str | None = None,
                 **fields: Any) -> Any:  # fmt: skip
    body = {"from_number": rc.user("agent")["sms_numbers"][0], "to": [unique_number()],
            "text": "Your parcel comes tomorrow.", **fields}  # fmt: skip
    return client.post(api_url(rc), body, content_type="application/json",
                       headers={"Idempotency-Key": key or str(uuid.uuid4())})  # fmt: skip


def test_the_api_schedules_an_sms(
    bob_client: Client, rc: RunningEmulator, sent_tasks: TaskRecorder
) -> None:
    when = ahead(days=2)
    given = when.astimezone(timezone.get_fixed_timezone(120)).isoformat()  # +02:00

    answer = api_schedule(bob_client, rc, scheduled_for=given)

    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert (body["status"], body["state"]) == ("scheduled", "scheduled")
    assert body["scheduled_for"] == when.isoformat().replace("+00:00", "Z")
    send = Send.objects.get(pk=int(body["id"]))
    assert (send.scheduled_for, send.cancel_on_reply) == (when, True)
    assert sent_tasks.of(rc_send_process.name) == []
    entry = AuditEntry.objects.get(action=AuditEntry.Action.SEND_SCHEDULE)
    assert entry.detail.endswith("; cancelled if the customer replies first")
    read = bob_client.get(reverse("api:send", args=[extension_of(rc, "agent"), send.pk])).json()
    assert (read["state"], read["scheduled_for"]) == ("scheduled", body["scheduled_for"])


def test_the_api_takes_z_and_cancel_on_reply_off(bob_client: Client, rc: RunningEmulator) -> None:
    when = ahead(hours=3)

    answer = api_schedule(bob_client, rc, scheduled_for=when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                          cancel_on_reply=False)  # fmt: skip

    assert answer.status_code == 201
    send = Send.objects.get(pk=int(answer.json()["id"]))
    assert (send.status, send.scheduled_for, send.cancel_on_reply) == (
        Send.Status.SCHEDULED, when, False,
    )  # fmt: skip


def test_without_scheduled_for_the_api_sends_now(bob_client: Client, rc: RunningEmulator) -> None:
    answer = api_schedule(bob_client, rc, cancel_on_reply=False)

    assert (answer.status_code, answer.json()["status"]) == (201, "queued")
    assert answer.json()["scheduled_for"] is None


@pytest.mark.parametrize(
    ("value", "sentence"),
    [
        ("2030-12-07T09:00:00", "Add the time's offset from UTC"),
        ("2030-12-07", "Add the time's offset from UTC"),
        ("tomorrow at nine", "Give the time as ISO 8601 with its offset"),
        ("2030-13-07T09:00:00Z", "Give the time as ISO 8601 with its offset"),
        ("0001-01-01T00:00:00+05:00", "Give the time as ISO 8601 with its offset"),
        (1893456000, "Give the time as ISO 8601 with its offset"),
    ],
)
def test_the_api_refuses_a_time_without_an_offset_or_malformed(
    bob_client: Client, rc: RunningEmulator, value: Any, sentence: str
) -> None:
    answer = api_schedule(bob_client, rc, scheduled_for=value)

    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == "invalid"
    assert body["message"]
    assert sentence in body["fields"]["scheduled_for"][0]
    assert not Send.objects.exists()


@pytest.mark.parametrize(
    ("delta", "sentence"),
    [
        (timedelta(minutes=-10), "has passed or is less than a minute away"),
        (timedelta(seconds=20), "has passed or is less than a minute away"),
        (timedelta(days=366), "Schedule a message at most a year ahead"),
    ],
)
def test_the_api_refuses_a_time_past_too_close_or_too_far(
    bob_client: Client, rc: RunningEmulator, delta: timedelta, sentence: str
) -> None:
    answer = api_schedule(bob_client, rc, scheduled_for=(timezone.now() + delta).isoformat())

    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == "invalid"
    assert sentence in body["message"]
    assert sentence in body["fields"]["scheduled_for"][0]
    assert not Send.objects.exists()
    assert not AuditEntry.objects.exists()


def test_the_api_refuses_a_cancel_on_reply_that_is_not_a_boolean(
    bob_client: Client, rc: RunningEmulator
) -> None:
    answer = api_schedule(bob_client, rc, scheduled_for=ahead(hours=1).isoformat(),
                          cancel_on_reply="no")  # fmt: skip

    assert answer.status_code == 400
    assert "cancel_on_reply" in answer.json()["fields"]


def test_the_same_idempotency_key_twice_schedules_once(
    bob_client: Client, rc: RunningEmulator
) -> None:
    key = str(uuid.uuid4())
    when = ahead(hours=4).isoformat()

    first = api_schedule(bob_client, rc, key=key, scheduled_for=when)
    second = api_schedule(bob_client, rc, key=key, scheduled_for=when, text="Changed my mind")

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert Send.objects.count() == 1
    assert AuditEntry.objects.filter(action=AuditEntry.Action.SEND_SCHEDULE).count() == 1


def test_the_api_answers_a_stranger_404(
    bob_client: Client, charlie_client: Client, rc: RunningEmulator
) -> None:
    answer = charlie_client.post(
        api_url(rc), {"from_number": rc.user("agent")["sms_numbers"][0],
                      "to": [unique_number()], "text": "Hi",
                      "scheduled_for": ahead(hours=1).isoformat()},
        content_type="application/json", headers={"Idempotency-Key": str(uuid.uuid4())},
    )  # fmt: skip

    assert (answer.status_code, answer.json()["code"]) == (404, "not_found")
    assert not Send.objects.exists()


def test_the_api_cancels_a_scheduled_sms(bob_client: Client, rc: RunningEmulator) -> None:
    scheduled = api_schedule(bob_client, rc, scheduled_for=ahead(hours=1).isoformat())
    send_id = int(scheduled.json()["id"])

    answer = bob_client.post(reverse("api:send_cancel", args=[extension_of(rc, "agent"), send_id]))

    assert (answer.status_code, answer.json()["status"]) == (200, "cancelled")
    assert scheduled_sends_release(now=timezone.now() + timedelta(days=1)) == []


def test_the_schema_documents_scheduling(bob_client: Client) -> None:
    schema = bob_client.get(reverse("api:schema"), {"format": "json"}).json()
    given = schema["components"]["schemas"]["SmsSendInputRequest"]["properties"]

    assert given["scheduled_for"]["type"] == "string"
    assert given["scheduled_for"]["format"] == "date-time"
    assert given["scheduled_for"]["nullable"] is True
    assert "offset" in given["scheduled_for"]["description"]
    assert (given["cancel_on_reply"]["type"], given["cancel_on_reply"]["default"]) == (
        "boolean", True,
    )  # fmt: skip


# --------------------------------------------------------------------------- release


def test_at_its_time_it_is_sent_once(
    bob_client: Client, rc: RunningEmulator, sent_tasks: TaskRecorder,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:  # fmt: skip
    customer = unique_number()
    text = f"Released for {customer}"
    answer = api_schedule(bob_client, rc, to=[customer], text=text,
                          scheduled_for=ahead(hours=1).isoformat())  # fmt: skip
    send = Send.objects.get(pk=int(answer.json()["id"]))
    assert scheduled_sends_release() == []  # not yet

    make_due(send)
    with django_capture_on_commit_callbacks(execute=True):
        assert scheduled_sends_release() == [send.pk]
        assert scheduled_sends_release() == []

    assert [call.args for call in sent_tasks.of(rc_send_process.name)] == [[send.pk]]
    pipeline.send_process(send_id=send.pk)
    pipeline.send_process(send_id=send.pk)  # its task again: still once
    send.refresh_from_db()
    assert send.status == Send.Status.SUBMITTED
    texts = Counter(m.get("subject") for m in outbound(rc, "agent"))
    assert texts[text] == 1
    stored = next(m for m in outbound(rc, "agent") if m.get("subject") == text)
    assert stored["to"][0]["phoneNumber"] == customer
