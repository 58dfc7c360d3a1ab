"""The send pipeline's steps against the emulator over HTTP, driven one by one in this
process (the tests in tests/integration/test_send_*.py run them in a real worker).

The tasks the steps enqueue are recorded instead of going to a broker, so each test decides
what runs next."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from inbox.models import MailboxSubscription, Send
from inbox.sending.actions import send_cancel, send_decide, send_retry
from inbox.sending.errors import NEEDS_REVIEW, delivery_error_sentence, send_error_sentence
from inbox.sending.pipeline import send_process
from inbox.sending.recovery import sends_recover
from inbox.sending.requests import Document, send_create_once
from inbox.sending.rules import SendInvalid
from inbox.sending.selectors import (
    send_get_for_user,
    send_queue_position,
    sends_in_conversation,
    sends_waiting,
)
from inbox.sending.tracking import TRACK_WITH_WEBHOOK, sends_track, sends_track_start
from rcapi import Rejected
from tests.inbox.conftest import extension_of, point_at, signed_in
from tests.support.emulator import RunningEmulator
from tests.support.sends import (
    CUSTOMER,
    TaskRecorder,
    faults_set,
    fax_queue,
    outbound,
    request_count,
    sms_queue,
    tasks_record,
    wait_until,
)


@pytest.fixture
def rc(settings: Any, emulator_factory: Any, db: None, tmp_path: Any) -> RunningEmulator:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return point_at(settings, emulator_factory("--sms-step", "0.2", "--fax-step", "0.2"))


@pytest.fixture(autouse=True)
def recorded_tasks(monkeypatch: pytest.MonkeyPatch) -> TaskRecorder:
    return tasks_record(monkeypatch)


def user_of(rc: RunningEmulator, which: str) -> User:
    signed_in(rc, which)
    return User.objects.get(rc_extension_id=extension_of(rc, which))


@pytest.fixture
def bob(rc: RunningEmulator) -> User:
    return user_of(rc, "agent")


def track_until_final(send: Send, *, seconds: float = 15) -> Send:
    def final() -> bool:
        sends_track(extension_id=send.extension_id)
        send.refresh_from_db()
        return send.finished_at is not None

    wait_until(final, seconds=seconds, every=0.3, what=f"send {send.pk} final")
    return send


def test_it_sends_an_sms_once_and_tracks_it_to_delivered(
    rc: RunningEmulator, bob: User, recorded_tasks: TaskRecorder
) -> None:
    send = sms_queue(bob, text="Your order has shipped <b>today</b>")

    send_process(send_id=send.pk)
    send_process(send_id=send.pk)  # a duplicated task delivery

    send.refresh_from_db()
    assert send.status == Send.Status.SUBMITTED
    assert send.rc_message_id is not None
    assert send.call_started_at is not None and send.submitted_at is not None
    assert send.attempts == 1
    assert send.conversation_id is not None
    assert request_count(rc, operation="createSMSMessage") == 1
    store = [m for m in outbound(rc, "agent") if m["id"] == send.rc_message_id]
    assert [m["subject"] for m in store] == ["Your order has shipped <b>today</b>"]
    assert recorded_tasks.of("inbox.sending.tasks.rc_sends_track")[0].countdown == 1.0

    track_until_final(send)
    assert send.status == Send.Status.SUBMITTED
    assert send.rc_status == "Delivered"
    assert send.last_error == ""


def test_with_a_working_webhook_the_tracker_is_only_a_safety_net(
    rc: RunningEmulator, bob: User, recorded_tasks: TaskRecorder
) -> None:
    assert bob.rc_account_id is not None and bob.rc_extension_id is not None
    MailboxSubscription.objects.create(
        account_id=bob.rc_account_id,
        extension_id=bob.rc_extension_id,
        hook_id=uuid.uuid4(),
        token_digest="0" * 64,
        status=MailboxSubscription.Status.ACTIVE,
        expires_at=timezone.now() + timedelta(hours=1),
    )
    send = sms_queue(bob, text="Status changes come by webhook")

    send_process(send_id=send.pk)

    (tracker,) = recorded_tasks.of("inbox.sending.tasks.rc_sends_track")
    assert tracker.countdown == TRACK_WITH_WEBHOOK
    # a broken subscription makes it the tracker's job again
    MailboxSubscription.objects.update(last_error="RingCentral blacklisted it.")
    sends_track_start(extension_id=bob.rc_extension_id)
    assert recorded_tasks.of("inbox.sending.tasks.rc_sends_track")[-1].countdown == 1.0


@pytest.mark.parametrize(
    ("number", "rc_status", "code"),
    [
        ("+15005550002", "DeliveryFailed", "SMS-CAR-411"),
        ("+15005550001", "SendingFailed", "SMS-RC-413"),
    ],
)
def test_it_tracks_a_failed_delivery_with_a_sentence(
    rc: RunningEmulator,
    bob: User,
    recorded_tasks: TaskRecorder,
    number: str,
    rc_status: str,
    code: str,
) -> None:
    send = sms_queue(bob, text="Are you there?", to=number)
    send_process(send_id=send.pk)

    track_until_final(send)

    assert send.rc_status == rc_status
    assert send.error_code == code
    assert send.last_error == delivery_error_sentence(code)
    assert "SMS-" not in send.last_error  # a sentence, not a code


def test_it_tracks_every_send_of_a_mailbox_with_one_list_call(
    rc: RunningEmulator, bob: User, recorded_tasks: TaskRecorder
) -> None:
    sends = [sms_queue(bob, text=f"Batch {i}") for i in range(5)]
    for send in sends:
        send_process(send_id=send.pk)
    before = request_count(rc, operation="listMessages")

    sends_track(extension_id=bob.rc_extension_id or 0)

    assert request_count(rc, operation="listMessages") == before + 1


def test_it_fails_a_blocked_number_at_once_with_a_sentence(
    rc: RunningEmulator, bob: User, recorded_tasks: TaskRecorder
) -> None:
    send = sms_queue(bob, text="Hello", to="+15005550009")

    send_process(send_id=send.pk)

    send.refresh_from_db()
    assert send.status == Send.Status.FAILED
    assert send.error_code == "MSG-243"
    assert send.last_error.startswith("RingCentral refused the number +15005550009")
    assert "blocked" in send.last_error
    assert send.finished_at is not None
    assert request_count(rc, operation="createSMSMessage") == 1
    assert recorded_tasks.of("inbox.sending.tasks.rc_send_process") == []


def test_it_fails_a_number_that_is_not_the_users_at_once(
    rc: RunningEmulator, bob: User, recorded_tasks: TaskRecorder
) -> None:
    alice = user_of(rc, "admin")
    send = sms_queue(bob, text="Hello", from_number=alice.sms_numbers[0])

    send_process(send_id=send.pk)

    send.refresh_from_db()
    assert send.status == Send.Status.FAILED
    assert send.error_code == "MSG-245"
    assert "does not belong to you" in send.last_error


def test_it_retries_a_server_error_with_backoff_and_then_sends(
    rc: RunningEmulator, bob: User, recorded_tasks: TaskRecorder
) -> None:
    send = sms_queue(bob, text="Try, try again")
    faults_set(rc, error_rate=1.0)

    send_process(send_id=send.pk)

    send.refresh_from_db()
    assert send.status == Send.Status.RETRYING
    assert send.call_started_at is None
    assert send.next_attempt_at is not None
    assert [
        (c.args, c.countdown) for c in recorded_tasks.of("inbox.sending.tasks.rc_send_process")
    ] == [([send.pk], 2.0)]
    send_process(send_id=send.pk)  # early: not due yet, nothing happens
    assert request_count(rc, operation="createSMSMessage") == 1

    faults_set(rc)
    Send.objects.filter(pk=send.pk).update(next_attempt_at=timezone.now())
    send_process(send_id=send.pk)

    send.refresh_from_db()
    assert send.status == Send.Status.SUBMITTED
    assert send.attempts == 2
    assert [m["subject"] for m in outbound(rc, "agent")].count("Try, try again") == 1


def test_it_gives_up_after_the_last_try_with_a_sentence(
    rc: RunningEmulator, bob: User, recorded_tasks: TaskRecorder
) -> None:
    send = sms_queue(bob, text="Never")
    faults_set(rc, error_rate=1.0)
    Send.objects.filter(pk=send.pk).update(attempts=7)

    send_process(send_id=send.pk)

    send.refresh_from_db()
    assert send.status == Send.Status.FAILED
    assert "could not be reached after several tries" in send.last_error


def test_it_finds_a_send_whose_worker_died_after_the_call(
    rc: RunningEmulator, bob: User, recorded_tasks: TaskRecorder, settings: Any
) -> None:
    settings.SEND_LEASE_SECONDS = 0
    send = sms_queue(bob, text="Did it go?")
    other = sms_queue(bob, text="Did it go?")  # same text: must not take the same message
    started = timezone.now()
    # the dead worker's request, which did reach RingCentral
    answer = rc.session("agent").post(
        rc.api("/account/~/extension/~/sms"),
        json={"from": {"phoneNumber": bob.sms_numbers[0]}, "to": [{"phoneNumber": CUSTOMER}],
              "text": "Did it go?"},
        timeout=10,
    )  # fmt: skip
    answer.raise_for_status()
    for stuck in (send, other):
        Send.objects.filter(pk=stuck.pk).update(
            status=Send.Status.SENDING, attempts=1, claimed_at=started, call_started_at=started
        )

    sends_recover()

    send.refresh_from_db()
    other.refresh_from_db()
    found = [s for s in (send, other) if s.status == Send.Status.SUBMITTED]
    assert [s.rc_message_id for s in found] == [int(answer.json()["id"])]
    review = [s for s in (send, other) if s.status == Send.Status.NEEDS_REVIEW]
    assert len(review) == 1 and review[0].last_error == NEEDS_REVIEW
    assert request_count(rc, operation="createSMSMessage") == 1

    decided = send_decide(user=bob, send_id=review[0].pk, action="resend")
    assert decided.status == Send.Status.QUEUED


def test_it_puts_back_a_claimed_send_that_never_called(
    rc: RunningEmulator, bob: User, recorded_tasks: TaskRecorder, settings: Any
) -> None:
    settings.SEND_LEASE_SECONDS = 0
    send = sms_queue(bob, text="Still here")
    Send.objects.filter(pk=send.pk).update(
        status=Send.Status.SENDING, attempts=1, claimed_at=timezone.now()
    )

    sends_recover()

    send.refresh_from_db()
    assert send.status == Send.Status.RETRYING
    assert [c.args for c in recorded_tasks.of("inbox.sending.tasks.rc_send_process")] == [[send.pk]]
    send_process(send_id=send.pk)
    send.refresh_from_db()
    assert send.status == Send.Status.SUBMITTED


def test_it_enqueues_overdue_sends_again(
    rc: RunningEmulator, bob: User, recorded_tasks: TaskRecorder, settings: Any
) -> None:
    settings.SEND_OVERDUE_SECONDS = 30
    late = sms_queue(bob, text="Lost in the broker")
    fresh = sms_queue(bob, text="Just queued")
    Send.objects.filter(pk=late.pk).update(created_at=timezone.now() - timedelta(minutes=2))

    sends_recover()

    assert [c.args for c in recorded_tasks.of("inbox.sending.tasks.rc_send_process")] == [[late.pk]]
    assert fresh.pk != late.pk


def test_it_decides_about_a_send_in_doubt(
    rc: RunningEmulator, bob: User, recorded_tasks: TaskRecorder
) -> None:
    sent = sms_queue(bob, text="Maybe sent")
    dropped = sms_queue(bob, text="Maybe not")
    Send.objects.filter(pk__in=[sent.pk, dropped.pk]).update(status=Send.Status.NEEDS_REVIEW)

    assert send_decide(user=bob, send_id=sent.pk, action="mark_sent").status == "submitted"
    assert send_decide(user=bob, send_id=dropped.pk, action="drop").status == "cancelled"
    with pytest.raises(SendInvalid, match="no longer waits for a decision"):
        send_decide(user=bob, send_id=sent.pk, action="resend")


def test_it_retries_a_failed_send_as_a_new_linked_send(
    rc: RunningEmulator, bob: User, recorded_tasks: TaskRecorder, tmp_path: Any
) -> None:
    picture = Document(
        file=ContentFile(b"GIF89a" + b"\0" * 64), name="map.gif", content_type="image/gif",
        size=70,
    )  # fmt: skip
    failed, _ = send_create_once(
        user=bob,
        kind=Send.Kind.SMS,
        idempotency_key=uuid.uuid4(),
        fields={"from_number": bob.sms_numbers[0], "recipients": ["+15005550002"],
                "text": "Here is the map"},
        documents=[picture],
    )  # fmt: skip
    send_process(send_id=failed.pk)
    track_until_final(failed)
    assert failed.rc_status == "DeliveryFailed"
    key = uuid.uuid4()

    retry = send_retry(user=bob, send_id=failed.pk, idempotency_key=key)
    again = send_retry(user=bob, send_id=failed.pk, idempotency_key=key)

    assert again.pk == retry.pk
    assert retry.pk != failed.pk and retry.retry_of_id == failed.pk
    assert retry.status == Send.Status.QUEUED
    assert (retry.from_number, retry.recipients, retry.text) == (
        failed.from_number, failed.recipients, failed.text,
    )  # fmt: skip
    (copy,) = retry.documents.all()
    assert copy.file.name != failed.documents.get().file.name
    assert copy.file.read() == b"GIF89a" + b"\0" * 64
    send_process(send_id=retry.pk)
    retry.refresh_from_db()
    assert retry.status == Send.Status.SUBMITTED
    message = (
        rc.session("agent")
        .get(rc.api(f"/account/~/extension/~/message-store/{retry.rc_message_id}"), timeout=10)
        .json()
    )
    assert [a["contentType"] for a in message["attachments"] if a["type"] == "MmsAttachment"] == [
        "image/gif"
    ]
    with pytest.raises(SendInvalid, match="Only a message that failed"):
        send_retry(user=bob, send_id=retry.pk, idempotency_key=uuid.uuid4())


def test_it_cancels_a_queued_send_so_that_nothing_goes_out(
    rc: RunningEmulator, bob: User, recorded_tasks: TaskRecorder
) -> None:
    send = sms_queue(bob, text="Never mind")

    cancelled = send_cancel(user=bob, send_id=send.pk)
    send_process(send_id=send.pk)

    assert cancelled.status == Send.Status.CANCELLED
    assert request_count(rc, operation="createSMSMessage") == 0
    with pytest.raises(SendInvalid, match="cannot be cancelled"):
        send_cancel(user=bob, send_id=send.pk)


def test_it_cancels_a_scheduled_fax_at_ringcentral(
    rc: RunningEmulator, bob: User, recorded_tasks: TaskRecorder
) -> None:
    document = Document(
        file=ContentFile(b"Quarterly figures\n"), name="figures.txt",
        content_type="text/plain", size=18,
    )  # fmt: skip
    send = fax_queue(
        bob, to="+16505550123", documents=[document], send_at=timezone.now() + timedelta(hours=2)
    )
    send_process(send_id=send.pk)
    send.refresh_from_db()
    assert (send.status, send.rc_status) == (Send.Status.SUBMITTED, "Queued")

    cancelled = send_cancel(user=bob, send_id=send.pk)

    assert cancelled.status == Send.Status.CANCELLED
    answer = rc.session("agent").get(
        rc.api(f"/account/~/extension/~/message-store/{send.rc_message_id}"), timeout=10
    )
    assert answer.json()["availability"] != "Alive"


def test_it_sends_a_fax_and_follows_each_recipient(
    rc: RunningEmulator, bob: User, recorded_tasks: TaskRecorder
) -> None:
    document = Document(
        file=ContentFile(b"%PDF-1.4\n% a small document\n"), name="letter.txt",
        content_type="text/plain", size=30,
    )  # fmt: skip
    send, _ = send_create_once(
        user=bob,
        kind=Send.Kind.FAX,
        idempotency_key=uuid.uuid4(),
        fields={"recipients": ["+16505550123", "+15005550001"], "cover_index": 2,
                "cover_page_text": "For the attention of accounts"},
        documents=[document],
    )  # fmt: skip
    send_process(send_id=send.pk)

    track_until_final(send)

    assert send.rc_status == "SendingFailed"
    assert send.recipient_statuses == {"+16505550123": "Sent", "+15005550001": "SendingFailed"}
    assert send.error_code == "LineBusy"
    assert "+15005550001: The fax line was busy" in send.last_error

    resend = send_retry(user=bob, send_id=send.pk, idempotency_key=uuid.uuid4())
    assert resend.original_message_id == send.rc_message_id
    assert not resend.documents.exists()
    send_process(send_id=resend.pk)
    resend.refresh_from_db()
    assert resend.status == Send.Status.SUBMITTED


def test_it_shows_sends_only_to_their_owner_and_the_accounts_admins(
    rc: RunningEmulator, bob: User, recorded_tasks: TaskRecorder
) -> None:
    alice = user_of(rc, "admin")
    charlie = user_of(rc, "agent2")
    dave = User.objects.create_user("dave", password=uuid.uuid4().hex)
    send = sms_queue(bob, text="Mine", conversation_id=42)

    assert send_get_for_user(user=bob, send_id=send.pk) == send
    assert send_get_for_user(user=alice, send_id=send.pk) == send
    for stranger in (charlie, dave):
        with pytest.raises(Http404):
            send_get_for_user(user=stranger, send_id=send.pk)
        with pytest.raises(Http404):
            send_cancel(user=stranger, send_id=send.pk)
    with pytest.raises(Http404):
        send_get_for_user(user=bob, send_id=send.pk + 1000)
    assert sends_in_conversation(user=bob, extension_id=send.extension_id, conversation_id=42) == [
        send
    ]
    assert (
        sends_in_conversation(user=alice, extension_id=send.extension_id, conversation_id=42) == []
    )


def test_it_tells_each_send_its_place_in_the_queue(
    rc: RunningEmulator, bob: User, recorded_tasks: TaskRecorder
) -> None:
    first, second, third = (sms_queue(bob, text=f"Queued {i}") for i in range(3))
    extension_id = bob.rc_extension_id or 0

    assert [send_queue_position(send=s) for s in (first, second, third)] == [1, 2, 3]
    assert sends_waiting(extension_id=extension_id) == 3

    send_process(send_id=first.pk)
    first.refresh_from_db()
    assert send_queue_position(send=first) is None
    assert send_queue_position(send=third) == 2
    assert sends_waiting(extension_id=extension_id) == 2


def test_it_turns_unknown_codes_into_sentences_that_name_them() -> None:
    refused = Rejected("RingCentral answered 400 XYZ-999", status=400, error_code="XYZ-999")

    assert "error XYZ-999" in send_error_sentence(refused)
    assert "SMS-ZZ-999" in delivery_error_sentence("SMS-ZZ-999")
    assert delivery_error_sentence(None).startswith("The message could not be delivered")
