"""Customers' opt-outs (`emulator.optout`): a received STOP makes later SMS from that number to
the customer end `SendingFailed` with `SMS-RC-413`; START lifts it."""

from __future__ import annotations

from typing import Any

import pytest

from emulator import clock
from emulator.inbound import inbound_sms
from emulator.optout import keyword_state
from tests.emulator.factories import store, unique_number
from tests.emulator.sending import final, message_url, wait_for
from tests.support.emulator import seeded_copy, start_emulator

ADMIN_NUMBER = "+16505550101"


@pytest.fixture(scope="module")
def fast(emulator_template, tmp_path_factory):
    """An emulator whose SMS steps take 0.2 s."""
    directory = tmp_path_factory.mktemp("fast-optout")
    running = start_emulator(seeded_copy(emulator_template, directory), args=("--sms-step", "0.2"))
    yield running
    running.stop()


def customer_writes(running, customer: str, text: str, *, at: float | None = None) -> None:
    with store(running.db_path).write() as db:
        inbound_sms(db, to_number=ADMIN_NUMBER, from_number=customer, text=text, created_ts=at)


def send_and_finish(running, to: list[str], sender: str = ADMIN_NUMBER) -> dict[str, Any]:
    http = running.session("admin")
    response = http.post(
        running.api("/account/~/extension/~/sms"),
        json={
            "from": {"phoneNumber": sender},
            "to": [{"phoneNumber": n} for n in to],
            "text": "Your order is ready",
        },
        timeout=10,
    )
    assert response.status_code == 200, response.text  # accepted: the failure comes later
    assert response.json()["messageStatus"] == "Queued"
    record, _ = wait_for(http, message_url(running, response.json()["id"]), final)
    return record


def test_it_fails_an_sms_to_a_customer_who_texted_stop(fast) -> None:
    customer = unique_number()
    customer_writes(fast, customer, "  Stop\n")

    record = send_and_finish(fast, [customer])

    assert record["messageStatus"] == "SendingFailed"
    assert record["deliveryErrorCode"] == "SMS-RC-413"


def test_it_delivers_again_once_the_customer_texts_start(fast) -> None:
    customer = unique_number()
    customer_writes(fast, customer, "STOP")
    customer_writes(fast, customer, "start")

    record = send_and_finish(fast, [customer])

    assert record["messageStatus"] == "Delivered"
    assert "deliveryErrorCode" not in record


def test_it_keeps_the_newest_keyword_whatever_order_they_arrive_in(fast) -> None:
    customer = unique_number()
    now = clock.now()
    customer_writes(fast, customer, "STOP", at=now - 10)
    customer_writes(fast, customer, "YES", at=now - 60)  # older: changes nothing

    assert send_and_finish(fast, [customer])["deliveryErrorCode"] == "SMS-RC-413"


def test_it_ignores_a_stop_within_a_sentence_or_to_another_number(fast) -> None:
    talker, elsewhere = unique_number(), unique_number()
    customer_writes(fast, talker, "Please stop by the shop")
    with store(fast.db_path).write() as db:
        agent_number = fast.user("agent")["sms_numbers"][0]
        inbound_sms(db, to_number=agent_number, from_number=elsewhere, text="STOP")

    assert send_and_finish(fast, [talker])["messageStatus"] == "Delivered"
    # the opt-out is from the agent's number only: the admin's reaches them
    assert send_and_finish(fast, [elsewhere])["messageStatus"] == "Delivered"


def test_it_fails_a_group_sms_when_one_recipient_opted_out(fast) -> None:
    out, fine = unique_number(), unique_number()
    customer_writes(fast, out, "UNSUBSCRIBE")

    record = send_and_finish(fast, [fine, out])

    assert record["messageStatus"] == "SendingFailed"
    assert record["deliveryErrorCode"] == "SMS-RC-413"


@pytest.mark.parametrize(
    ("text", "state"),
    [
        ("STOP", True), ("stopall", True), (" Unsubscribe ", True), ("cancel", True),
        ("END", True), ("quit\n", True), ("START", False), ("unstop", False), ("Yes", False),
        ("stop please", None), ("STOP!", None), ("", None), ("\u017ftop", None),
    ],
)  # fmt: skip
def test_it_reads_whole_message_keywords_only(text: str, state: bool | None) -> None:
    assert keyword_state(text) is state
