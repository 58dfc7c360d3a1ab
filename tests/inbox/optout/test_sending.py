"""Sending to a customer who opted out is refused before any RingCentral call, with a sentence
that says why, on every path: the reply composer, a new conversation with several
recipients, the JSON API, and a send already queued or scheduled when the customer opted out
(the pipeline fails it). The emulator counts the calls it served."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from inbox.models import Send
from inbox.sending.pipeline import send_process
from tests.emulator.factories import unique_number
from tests.inbox.conftest import extension_of
from tests.inbox.optout.support import customer_texts
from tests.inbox.sending.test_composer import reply, sms_thread, thread_url  # noqa: F401
from tests.inbox.support import now, rc_calls
from tests.support.emulator import RunningEmulator
from tests.support.sends import sms_queue, tasks_record

pytestmark = pytest.mark.usefixtures("recorded_tasks")


@pytest.fixture
def recorded_tasks(monkeypatch: pytest.MonkeyPatch) -> None:
    tasks_record(monkeypatch)


def bob(rc: RunningEmulator) -> User:
    return User.objects.get(rc_extension_id=extension_of(rc, "agent"))


def stops(rc: RunningEmulator, customer: str, text: str = "STOP") -> None:
    """`customer` texts `text` to bob's first number, and the sync reads it."""
    user = bob(rc)
    assert user.rc_account_id is not None
    customer_texts(
        account_id=user.rc_account_id,
        extension_id=extension_of(rc, "agent"),
        customer=customer,
        our_number=rc.user("agent")["sms_numbers"][0],
        text=text,
    )


def sentence_for(customer: str) -> str:
    return f"(209) {customer[5:8]}-{customer[8:]} opted out of texts from"


def test_the_reply_composer_is_refused_with_the_sentence_and_no_call(
    bob_client: Client,
    rc: RunningEmulator,
    sms_thread: tuple[int, str],  # noqa: F811
) -> None:
    conversation_id, customer = sms_thread
    stops(rc, customer)
    page = bob_client.get(thread_url(rc, conversation_id)).content.decode()
    assert "This customer opted out on" in page and "(replied STOP)" in page
    since = now()

    answer = reply(bob_client, rc, conversation_id, text="Are you still there?")

    assert answer.status_code == 400
    text = answer.content.decode()
    assert sentence_for(customer) in text
    assert "They must text START before you can message them." in text
    # the page that comes back is the whole thread: the opt-out panel with it
    assert "This customer opted out on" in text and "Lift the opt-out of" in text
    assert not Send.objects.filter(owner=bob(rc)).exists()
    assert rc_calls(rc, since, "createSMSMessage") == 0


def test_a_new_conversation_names_every_opted_out_recipient_and_sends_nothing(
    bob_client: Client, rc: RunningEmulator
) -> None:
    first, second, fine = unique_number(), unique_number(), unique_number()
    stops(rc, first)
    stops(rc, second, text="Unsubscribe")
    since = now()

    answer = bob_client.post(
        reverse("inbox:sms_new", args=[extension_of(rc, "agent")]),
        {
            "idempotency_key": str(uuid.uuid4()),
            "from_number": rc.user("agent")["sms_numbers"][0],
            "to": f"{fine}, {first}, {second}",
            "text": "Our sale starts today",
        },
    )

    assert answer.status_code == 400
    text = answer.content.decode()
    assert sentence_for(first) in text and sentence_for(second) in text
    assert "(replied UNSUBSCRIBE)" in text
    assert "remove them from the recipients" in text
    assert not Send.objects.filter(owner=bob(rc)).exists()
    assert rc_calls(rc, since, "createSMSMessage") == 0


def test_the_api_answers_400_opted_out_with_the_sentence(
    bob_client: Client, rc: RunningEmulator
) -> None:
    customer = unique_number()
    stops(rc, customer, text="quit")
    since = now()

    answer = bob_client.post(
        reverse("api:sms_send", args=[extension_of(rc, "agent")]),
        {"from_number": rc.user("agent")["sms_numbers"][0], "to": [customer], "text": "Hi"},
        content_type="application/json",
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )

    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == "opted_out"
    assert body["message"].startswith(sentence_for(customer))
    assert body["fields"] == {"to": [body["message"]]}
    assert not Send.objects.filter(owner=bob(rc)).exists()
    assert rc_calls(rc, since, "createSMSMessage") == 0


def test_the_api_still_sends_once_the_customer_texts_start(
    bob_client: Client, rc: RunningEmulator
) -> None:
    customer = unique_number()
    stops(rc, customer, text="STOP")
    stops(rc, customer, text="START")  # sent later: it wins

    answer = bob_client.post(
        reverse("api:sms_send", args=[extension_of(rc, "agent")]),
        {"from_number": rc.user("agent")["sms_numbers"][0], "to": [customer], "text": "Hi"},
        content_type="application/json",
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )

    assert answer.status_code == 201, answer.content


def _customer_texts_stop_after(rc: RunningEmulator, customer: str) -> None:
    user = bob(rc)
    assert user.rc_account_id is not None
    customer_texts(
        account_id=user.rc_account_id,
        extension_id=extension_of(rc, "agent"),
        customer=customer,
        our_number=user.sms_numbers[0],
        text="STOP",
        ago=timedelta(0),
    )


def test_the_pipeline_fails_a_queued_send_whose_customer_opted_out_since(
    bob_client: Client, rc: RunningEmulator
) -> None:
    customer = unique_number()
    send = sms_queue(bob(rc), text="Your table is ready", to=customer)
    _customer_texts_stop_after(rc, customer)
    since = now()

    send_process(send_id=send.pk)

    send.refresh_from_db()
    assert send.status == Send.Status.FAILED
    assert send.last_error.startswith(sentence_for(customer))
    assert send.call_started_at is None
    assert rc_calls(rc, since, "createSMSMessage") == 0


def test_the_pipeline_fails_a_scheduled_send_released_after_the_customer_opted_out(
    bob_client: Client, rc: RunningEmulator
) -> None:
    customer = unique_number()
    send = sms_queue(
        bob(rc),
        text="Reminder: your appointment is tomorrow",
        to=customer,
        status=Send.Status.SCHEDULED,
        scheduled_for=timezone.now() + timedelta(hours=1),
    )
    _customer_texts_stop_after(rc, customer)
    # its time came: released into the queue, as scheduled sends are
    Send.objects.filter(pk=send.pk).update(status=Send.Status.QUEUED)
    since = now()

    send_process(send_id=send.pk)

    send.refresh_from_db()
    assert send.status == Send.Status.FAILED
    assert sentence_for(customer) in send.last_error
    assert rc_calls(rc, since, "createSMSMessage") == 0


def test_an_opt_out_from_another_number_does_not_hold_a_send_back(
    bob_client: Client, rc: RunningEmulator, settings: Any
) -> None:
    customer = unique_number()
    user = bob(rc)
    assert user.rc_account_id is not None
    customer_texts(
        account_id=user.rc_account_id,
        extension_id=extension_of(rc, "agent"),
        customer=customer,
        our_number="+16505550177",
        text="STOP",
    )
    send = sms_queue(user, text="Hello", to=customer)

    send_process(send_id=send.pk)

    send.refresh_from_db()
    assert send.status == Send.Status.SUBMITTED, send.last_error
