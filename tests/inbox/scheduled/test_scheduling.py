"""Scheduling a reply with "Send later": what is refused and why, the person's time zone, the
held send (not handed to a worker), its audit entry, and how the thread shows it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django.test import Client
from django.urls import reverse

from inbox.models import AuditEntry, Send
from inbox.sending.tasks import rc_send_process
from tests.inbox.conftest import extension_of
from tests.inbox.scheduled.conftest import ahead, local, schedule, scheduled_one
from tests.inbox.support import found
from tests.support.emulator import RunningEmulator
from tests.support.sends import TaskRecorder


def thread_page(client: Client, rc: RunningEmulator, conversation_id: int) -> str:
    url = reverse("inbox:thread", args=[extension_of(rc, "agent"), conversation_id])
    return str(client.get(url).content.decode())


def test_it_holds_a_scheduled_reply_until_its_time_without_queueing_it(
    bob_client: Client, rc: RunningEmulator, sms_thread: tuple[int, str], sent_tasks: TaskRecorder
) -> None:
    conversation_id, customer = sms_thread
    when = ahead(hours=3)

    answer = schedule(bob_client, rc, conversation_id, send_at=local(when, "Europe/London"))

    assert answer.status_code == 302
    send = scheduled_one(conversation_id=conversation_id)
    assert (send.recipients, send.text, send.scheduled_for) == (
        [customer], "Your order is ready.", when,
    )  # fmt: skip
    assert (send.scheduled_zone, send.cancel_on_reply) == ("Europe/London", True)
    assert sent_tasks.of(rc_send_process.name) == []
    entry = AuditEntry.objects.get(action=AuditEntry.Action.SEND_SCHEDULE)
    assert entry.extension_id == extension_of(rc, "agent")
    assert entry.conversation_id == conversation_id
    assert "cancelled if the customer replies first" in entry.detail


def test_it_reads_the_time_in_the_persons_time_zone(
    bob_client: Client, rc: RunningEmulator, sms_thread: tuple[int, str]
) -> None:
    conversation_id, _ = sms_thread
    # the same wall-clock time in two zones is two moments, 5 or 6 hours apart in winter
    # and summer alike (London and New York change their clocks on different days, so
    # the difference is checked against the zones themselves)
    wall = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT09:00")
    schedule(bob_client, rc, conversation_id, send_at=wall, timezone="Europe/London")
    schedule(bob_client, rc, conversation_id, send_at=wall, timezone="America/New_York")

    london, new_york = Send.objects.filter(conversation_id=conversation_id).order_by("id")
    assert london.scheduled_for is not None and new_york.scheduled_for is not None
    assert local(london.scheduled_for, "Europe/London") == wall
    assert local(new_york.scheduled_for, "America/New_York") == wall
    assert new_york.scheduled_for - london.scheduled_for in (timedelta(hours=4),
                                                            timedelta(hours=5))  # fmt: skip


def test_without_a_browser_zone_it_reads_the_time_in_the_sites(
    bob_client: Client, rc: RunningEmulator, sms_thread: tuple[int, str], settings: object
) -> None:
    conversation_id, _ = sms_thread
    when = ahead(days=1)

    schedule(bob_client, rc, conversation_id, send_at=local(when, "UTC"), timezone="")

    send = scheduled_one(conversation_id=conversation_id)
    assert (send.scheduled_for, send.scheduled_zone) == (when, "UTC")


def refused(client: Client, rc: RunningEmulator, conversation_id: int, **fields: Any) -> str:
    answer = schedule(client, rc, conversation_id, **fields)
    assert answer.status_code == 400
    assert not Send.objects.filter(conversation_id=conversation_id).exists()
    page = answer.content.decode()
    # the error is on the time field, and "Send later" stays open with what was typed
    assert found(r'<details class="send-later disclosure" data-send-later( open)>', page) == " open"
    errors = r'<div class="field-errors" id="id_send_at_error"><p class="field-error">(.*?)</p>'
    return found(errors, page)


def test_it_refuses_a_time_in_the_past(
    bob_client: Client, rc: RunningEmulator, sms_thread: tuple[int, str]
) -> None:
    conversation_id, _ = sms_thread
    sentence = refused(bob_client, rc, conversation_id,
                       send_at=local(ahead(hours=-2), "Europe/London"))  # fmt: skip
    assert "has passed or is less than a minute away" in sentence
    assert "choose a later time" in sentence


def test_it_refuses_a_time_more_than_a_year_ahead(
    bob_client: Client, rc: RunningEmulator, sms_thread: tuple[int, str]
) -> None:
    conversation_id, _ = sms_thread
    sentence = refused(bob_client, rc, conversation_id,
                       send_at=local(ahead(days=400), "Europe/London"))  # fmt: skip
    assert sentence == "Schedule a message at most a year ahead: choose an earlier time."


def test_it_refuses_a_malformed_or_missing_time(
    bob_client: Client, rc: RunningEmulator, sms_thread: tuple[int, str]
) -> None:
    conversation_id, _ = sms_thread
    assert refused(bob_client, rc, conversation_id, send_at="next tuesday-ish") == (
        "Enter the day and time to send at, e.g. 2026-12-07 09:00."
    )
    assert refused(bob_client, rc, conversation_id, send_at="2026-02-30T09:00").startswith("Enter")
    assert refused(bob_client, rc, conversation_id, send_at="") == (
        "Choose the day and time to send it at."
    )


def test_it_refuses_a_time_zone_it_does_not_know(
    bob_client: Client, rc: RunningEmulator, sms_thread: tuple[int, str]
) -> None:
    conversation_id, _ = sms_thread
    when = local(ahead(days=1), "UTC")
    sentence = refused(bob_client, rc, conversation_id, send_at=when, timezone="Mars/Olympus_Mons")
    assert "“Mars/Olympus_Mons” is not a time zone this server knows" in sentence


def test_send_still_sends_now_whatever_the_time_field_holds(
    bob_client: Client, rc: RunningEmulator, sms_thread: tuple[int, str], sent_tasks: TaskRecorder
) -> None:
    conversation_id, _ = sms_thread

    schedule(bob_client, rc, conversation_id, when="", send_at=local(ahead(days=1), "UTC"))

    send = Send.objects.get(conversation_id=conversation_id)
    assert (send.status, send.scheduled_for) == (Send.Status.QUEUED, None)


def test_the_thread_shows_it_scheduled_with_edit_and_cancel_and_no_polling(
    bob_client: Client, rc: RunningEmulator, sms_thread: tuple[int, str]
) -> None:
    conversation_id, _ = sms_thread
    when = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=3)
    text = "<b>Ready</b> & waiting"
    schedule(bob_client, rc, conversation_id, send_at=local(when, "UTC"), timezone="UTC",
             text=text)  # fmt: skip
    send = scheduled_one(conversation_id=conversation_id)

    page = thread_page(bob_client, rc, conversation_id)

    start = f'<li class="bubble outbound send-bubble scheduled-bubble" id="send-{send.pk}">'
    bubble = found(rf"({start}.*?</li>)", page)
    label = (
        f"{when:%a} {when.day} {when:%b}"
        + (f" {when.year}" if when.year != datetime.now(UTC).year else "")
        + ", 09:00"
    )
    assert f"Scheduled for {label}" in bubble
    assert "&lt;b&gt;Ready&lt;/b&gt; &amp; waiting" in bubble
    assert "Cancelled if the customer replies first." in bubble
    edit = reverse("inbox:scheduled_edit", args=[extension_of(rc, "agent"), send.pk])
    assert f'href="{edit}?next=' in bubble and ">Edit</a>" in bubble
    assert ">Cancel</a>" in bubble
    assert "data-sends-status" not in page  # nothing to poll for until its time
    # the composer offers "Send later" in the site's zone until the browser says its own
    assert "(your time zone: <span data-zone-name>UTC</span>)" in page


def test_the_api_shows_a_scheduled_send(
    bob_client: Client, rc: RunningEmulator, sms_thread: tuple[int, str]
) -> None:
    conversation_id, _ = sms_thread
    when = ahead(hours=5)
    schedule(bob_client, rc, conversation_id, send_at=local(when, "UTC"), timezone="UTC")
    send = scheduled_one(conversation_id=conversation_id)

    answer = bob_client.get(f"/api/mailboxes/{extension_of(rc, 'agent')}/sends/{send.pk}/")

    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["status"], body["state"], body["final"]) == ("scheduled", "scheduled", False)
    assert datetime.fromisoformat(body["scheduled_for"]) == when
