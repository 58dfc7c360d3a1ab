"""The delivery life of sent messages (`emulator.lifecycle`): statuses after the 200."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from emulator import clock, media
from emulator.config import Config
from emulator.lifecycle import advance_deliveries
from emulator.mailstore import insert_message
from emulator.store import Store
from tests.emulator.factories import unique_number
from tests.emulator.sending import (
    content_type,
    final,
    form_file,
    mailbox_rows,
    message_url,
    multipart,
    wait_for,
)
from tests.support.emulator import seeded_copy, start_emulator

ADMIN_NUMBER = "+16505550101"
AGENT_NUMBER = "+16505550102"
PDF = media.pdf_document(["one", "two", "three"])


@pytest.fixture(scope="module")
def fast(emulator_template, tmp_path_factory):
    """An emulator whose SMS and fax steps take 0.2 s."""
    directory = tmp_path_factory.mktemp("fast-delivery")
    running = start_emulator(
        seeded_copy(emulator_template, directory), args=("--sms-step", "0.2", "--fax-step", "0.2")
    )
    yield running
    running.stop()


def send_sms(emulator, to, text="status please"):
    response = emulator.session("admin").post(
        emulator.api("/account/~/extension/~/sms"),
        json={
            "from": {"phoneNumber": ADMIN_NUMBER},
            "to": [{"phoneNumber": n} for n in to],
            "text": text,
        },
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()


def send_fax(emulator, to, *, data=PDF, name="doc.pdf", **options):
    envelope = {"to": [{"phoneNumber": n} for n in to], **options}
    body = multipart(
        [
            form_file("json", "request.json", json.dumps(envelope).encode(), "application/json"),
            form_file("attachment", name, data, "application/pdf"),
        ]
    )
    response = emulator.session("admin").post(
        emulator.api("/account/~/extension/~/fax"),
        data=body,
        headers=content_type("form-data"),
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()


def updates(emulator, message_id):
    with Store(emulator.db_path).read() as db:
        rows = db.execute(
            "SELECT kind FROM change_log WHERE message_id = ? ORDER BY seq", (message_id,)
        ).fetchall()
    return [row["kind"] for row in rows]


def iso_in(seconds):
    return (datetime.now(UTC) + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.000Z")


# --------------------------------------------------------------------------- SMS


def test_an_sms_goes_from_queued_to_sent_to_delivered(fast):
    record = send_sms(fast, [unique_number()])
    http = fast.session("admin")
    done, seen = wait_for(http, message_url(fast, record["id"]), final)
    assert done["messageStatus"] == "Delivered"
    assert seen[0] == "Queued"
    assert [s for s in ("Queued", "Sent", "Delivered") if s in seen] == seen  # in order
    assert clock.parse_iso(done["smsDeliveryTime"]) >= clock.parse_iso(done["creationTime"])
    assert done["lastModifiedTime"] > record["lastModifiedTime"]
    assert "deliveryErrorCode" not in done
    assert updates(fast, record["id"]) == ["created", "updated", "updated"]


@pytest.mark.parametrize(
    ("number", "status", "code", "steps"),
    [
        ("+15005550001", "SendingFailed", "SMS-RC-413", 1),
        ("+15005550002", "DeliveryFailed", "SMS-CAR-411", 2),
        ("+15005550003", "SendingFailed", "SMS-UP-410", 1),
        ("+15005550004", "DeliveryFailed", "SMS-CAR-412", 2),
    ],
)
def test_a_reserved_number_makes_the_sms_fail(fast, number, status, code, steps):
    record = send_sms(fast, [number])
    done, _ = wait_for(fast.session("admin"), message_url(fast, record["id"]), final)
    assert done["messageStatus"] == status
    assert done["deliveryErrorCode"] == code
    assert "smsDeliveryTime" not in done
    assert updates(fast, record["id"]) == ["created", *["updated"] * steps]


def test_a_group_sms_fails_when_one_recipient_is_reserved_to_fail(fast):
    record = send_sms(fast, [unique_number(), "+15005550001"])
    done, _ = wait_for(fast.session("admin"), message_url(fast, record["id"]), final)
    assert done["messageStatus"] == "SendingFailed"


def test_an_sms_to_a_colleague_lands_in_their_mailbox_once_sent(fast):
    agent = fast.user("agent")
    record = send_sms(fast, [AGENT_NUMBER], text="are you in today?")
    wait_for(fast.session("admin"), message_url(fast, record["id"]), final)
    [copy] = mailbox_rows(
        fast.db_path,
        agent["extension_id"],
        "conversation_id = ? AND id > ?",
        record["conversationId"],
        record["id"],
    )
    seen = fast.session("agent").get(message_url(fast, copy["id"]), timeout=10).json()
    assert seen["direction"] == "Inbound"
    assert seen["messageStatus"] == "Received"
    assert seen["readStatus"] == "Unread"
    assert seen["subject"] == "are you in today?"
    assert seen["from"]["phoneNumber"] == ADMIN_NUMBER
    assert seen["from"]["name"] == "Alex Morgan"
    assert seen["conversationId"] == record["conversationId"]


def test_an_mms_to_a_colleague_carries_its_picture(fast):
    agent = fast.user("agent")
    picture = media.png_image(30, 20, seed=9)
    envelope = {
        "from": {"phoneNumber": ADMIN_NUMBER},
        "to": [{"phoneNumber": AGENT_NUMBER}],
        "text": "look",
    }
    response = fast.session("admin").post(
        fast.api("/account/~/extension/~/mms"),
        data=multipart(
            [
                form_file(
                    "json", "request.json", json.dumps(envelope).encode(), "application/json"
                ),
                form_file("attachment", "p.png", picture, "image/png"),
            ]
        ),
        headers=content_type("form-data"),
        timeout=10,
    )
    record = response.json()
    wait_for(fast.session("admin"), message_url(fast, record["id"]), final)
    [copy] = mailbox_rows(
        fast.db_path,
        agent["extension_id"],
        "conversation_id = ? AND id > ?",
        record["conversationId"],
        record["id"],
    )
    seen = fast.session("agent").get(message_url(fast, copy["id"]), timeout=10).json()
    mms = [a for a in seen["attachments"] if a["type"] == "MmsAttachment"]
    assert [(a["fileName"], a["width"], a["height"]) for a in mms] == [("p.png", 30, 20)]
    assert fast.session("agent").get(mms[0]["uri"], timeout=10).content == picture


# --------------------------------------------------------------------------- fax


def test_a_fax_is_sent_with_its_real_page_count(fast):
    record = send_fax(fast, [unique_number()])
    assert record["faxPageCount"] == 0
    done, _ = wait_for(fast.session("admin"), message_url(fast, record["id"]), final)
    assert done["messageStatus"] == "Sent"
    assert done["faxPageCount"] == 3
    assert [p["messageStatus"] for p in done["to"]] == ["Sent"]


def test_a_cover_page_adds_a_page(fast):
    record = send_fax(fast, [unique_number()], coverIndex=5, coverPageText="4 pages")
    done, _ = wait_for(fast.session("admin"), message_url(fast, record["id"]), final)
    assert done["faxPageCount"] == 4


def test_each_fax_recipient_has_its_own_outcome(fast):
    ok = unique_number()
    record = send_fax(fast, [ok, "+15005550001", "+15005550002"])
    done, seen = wait_for(fast.session("admin"), message_url(fast, record["id"]), final)
    assert seen[-1] == "SendingFailed"
    assert done["messageStatus"] == "SendingFailed"  # REFERENCE §2 aggregate
    assert done["to"] == [
        {"phoneNumber": ok, "messageStatus": "Sent"},
        {
            "phoneNumber": "+15005550001",
            "messageStatus": "SendingFailed",
            "faxErrorCode": "LineBusy",
        },
        {
            "phoneNumber": "+15005550002",
            "messageStatus": "SendingFailed",
            "faxErrorCode": "NoAnswer",
        },
    ]
    assert updates(fast, record["id"]) == ["created", "updated", "updated", "updated"]


def test_a_scheduled_fax_waits_for_its_send_time(fast):
    record = send_fax(fast, [unique_number()], sendTime=iso_in(1.6))
    time.sleep(0.9)
    waiting = fast.session("admin").get(message_url(fast, record["id"]), timeout=10).json()
    assert waiting["messageStatus"] == "Queued"
    assert waiting["faxPageCount"] == 0
    done, _ = wait_for(fast.session("admin"), message_url(fast, record["id"]), final)
    assert done["messageStatus"] == "Sent"


def test_deleting_a_scheduled_fax_cancels_it(fast):
    record = send_fax(fast, [unique_number()], sendTime=iso_in(0.6))
    http = fast.session("admin")
    assert http.delete(message_url(fast, record["id"]), timeout=10).status_code == 204
    time.sleep(1.5)
    after = http.get(message_url(fast, record["id"]), timeout=10).json()
    assert after["availability"] == "Deleted"
    assert after["messageStatus"] == "Queued"
    assert [p["messageStatus"] for p in after["to"]] == ["Queued"]
    with Store(fast.db_path).read() as db:
        row = db.execute("SELECT due_ts FROM message WHERE id = ?", (record["id"],)).fetchone()
    assert row["due_ts"] is None  # restoring it later does not send it


def test_a_fax_that_cannot_be_read_fails_with_rendering_failed(fast):
    record = send_fax(fast, [unique_number()], data=b"%PDF-1.4 nothing here", name="bad.pdf")
    done, _ = wait_for(fast.session("admin"), message_url(fast, record["id"]), final)
    assert done["messageStatus"] == "SendingFailed"
    assert done["to"][0]["faxErrorCode"] == "RenderingFailed"


def test_a_fax_to_a_colleague_lands_in_their_mailbox(fast):
    agent = fast.user("agent")
    record = send_fax(fast, [AGENT_NUMBER])
    wait_for(fast.session("admin"), message_url(fast, record["id"]), final)
    [received] = mailbox_rows(
        fast.db_path,
        agent["extension_id"],
        "type = 'Fax' AND direction = 'Inbound' AND id > ?",
        record["id"],
    )
    seen = fast.session("agent").get(message_url(fast, received["id"]), timeout=10).json()
    assert seen["from"]["phoneNumber"] == ADMIN_NUMBER
    assert seen["faxPageCount"] == 3
    document = fast.session("agent").get(seen["attachments"][0]["uri"], timeout=10)
    assert document.content == PDF


def test_a_failed_fax_can_be_resent(fast):
    failed = send_fax(fast, ["+15005550001"])
    wait_for(fast.session("admin"), message_url(fast, failed["id"]), final)
    response = fast.session("admin").post(
        fast.api("/account/~/extension/~/fax"),
        json={"originalMessageId": failed["id"]},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    again = response.json()
    assert again["messageStatus"] == "Queued"
    assert [p["phoneNumber"] for p in again["to"]] == ["+15005550001"]
    done, _ = wait_for(fast.session("admin"), message_url(fast, again["id"]), final)
    assert done["faxPageCount"] == 3
    assert done["to"][0]["faxErrorCode"] == "LineBusy"


# --------------------------------------------------------------------------- the job itself


def test_two_processes_never_apply_the_same_step_twice(emulator_template, tmp_path):
    path = seeded_copy(emulator_template, tmp_path)
    with Store(path).write() as db:
        account_id, extension_id = db.execute(
            "SELECT account_id, id FROM extension ORDER BY id LIMIT 1"
        ).fetchone()
        message_id = insert_message(
            db,
            account_id=account_id,
            extension_id=extension_id,
            type="SMS",
            direction="Outbound",
            read_status="Unread",
            message_status="Queued",
            body={
                "from": {"phoneNumber": ADMIN_NUMBER},
                "to": [{"phoneNumber": "+12095550000"}],
                "subject": "once",
            },
            due_ts=clock.now() - 1,
        )
    config = Config(sms_step_seconds=3600)  # one step only: Sent, then nothing due for an hour
    stores = [Store(path) for _ in range(4)]  # separate connections, as separate processes
    start = threading.Barrier(len(stores))

    def run(store):
        start.wait()
        advance_deliveries(store, config)

    threads = [threading.Thread(target=run, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with Store(path).read() as db:
        status = db.execute(
            "SELECT message_status FROM message WHERE id = ?", (message_id,)
        ).fetchone()[0]
        kinds = [
            r[0]
            for r in db.execute(
                "SELECT kind FROM change_log WHERE message_id = ? ORDER BY seq", (message_id,)
            )
        ]
    assert status == "Sent"
    assert kinds == ["created", "updated"]
