"""Faxes end to end with a REAL Celery worker process and the emulator (a fax step of half a
second): a 10 MB PDF with a cover page reaches Sent; a fax to a number reserved to fail ends
SendingFailed with a sentence and is resent by its id, uploading nothing; a received fax is
forwarded; a scheduled fax is cancelled before it goes."""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from emulator.store import loads
from inbox.models import Send
from tests.emulator.factories import make_fax
from tests.inbox.conftest import extension_of, point_at, signed_in
from tests.inbox.fax.support import pdf_with_image
from tests.support.celery_worker import Worker, sending_worker
from tests.support.emulator import RunningEmulator

pytestmark = pytest.mark.integration

WAIT_SECONDS = 60
LINE_BUSY = "+15005550001"


@pytest.fixture
def running(settings: Any, emulator_factory: Any, transactional_db: None) -> RunningEmulator:
    return point_at(settings, emulator_factory("--fax-step", "0.5"))


@pytest.fixture
def worker(running: RunningEmulator, tmp_path: Path) -> Iterator[Worker]:
    with sending_worker(tmp_path, running, name="fax") as started:
        yield started


@pytest.fixture
def bob(running: RunningEmulator) -> Client:
    return signed_in(running, "agent")


def wait_for(send: Send, worker: Worker, done: Any, what: str) -> Send:
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        send.refresh_from_db()
        if done(send):
            return send
        assert worker.process.poll() is None, f"the worker stopped:\n{worker.output()}"
        assert time.monotonic() < deadline, (
            f"{what}: not within {WAIT_SECONDS} s; send is {send.status}/{send.rc_status} "
            f"{send.last_error!r}\n{worker.output()}"
        )
        time.sleep(0.2)


def finished(send: Send) -> bool:
    return send.finished_at is not None


def stored(running: RunningEmulator, message_id: int) -> dict[str, Any]:
    with sqlite3.connect(running.db_path) as db:
        db.row_factory = sqlite3.Row
        row = db.execute("SELECT * FROM message WHERE id = ?", (message_id,)).fetchone()
        document = db.execute(
            "SELECT content FROM attachment WHERE message_id = ? ORDER BY position LIMIT 1",
            (message_id,),
        ).fetchone()
    assert row is not None
    body: dict[str, Any] = loads(row["body"])
    return {
        "status": row["message_status"],
        "availability": row["availability"],
        "body": body,
        "document": bytes(document[0]) if document else b"",
    }


def fax_form(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "to": "+16505550101",
        "cover_index": "2",
        "cover_page_text": "Ten megabytes of scan",
        "resolution": "High",
        "send_at": "",
        "timezone": "UTC",
        "idempotency_key": str(uuid.uuid4()),
        "documents": SimpleUploadedFile("scan.pdf", pdf_with_image(2000)),
    }
    data.update(changes)
    return data


def post_fax(bob: Client, running: RunningEmulator, **changes: Any) -> Send:
    answer = bob.post(
        reverse("inbox:fax_new", args=[extension_of(running, "agent")]), fax_form(**changes)
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    return Send.objects.order_by("-id").first()  # type: ignore[return-value]


def test_it_sends_a_10_mb_pdf_with_a_cover_page_until_sent(
    bob: Client, running: RunningEmulator, worker: Worker
) -> None:
    pdf = pdf_with_image(10 * 1024 * 1024)
    assert len(pdf) > 10_000_000
    send = post_fax(bob, running, documents=SimpleUploadedFile("Big scan.pdf", pdf))

    send = wait_for(send, worker, finished, "the fax reaches Sent")

    assert (send.status, send.rc_status, send.last_error) == ("submitted", "Sent", "")
    assert send.recipient_statuses == {"+16505550101": "Sent"}
    assert send.rc_message_id is not None
    record = stored(running, send.rc_message_id)
    assert record["status"] == "Sent"
    assert record["body"]["coverIndex"] == 2
    assert record["body"]["coverPageText"] == "Ten megabytes of scan"
    assert record["body"]["faxPageCount"] == 2  # the page and its cover page
    assert record["document"] == pdf  # every byte arrived
    status = bob.get(reverse("inbox:fax_status_json", args=[send.extension_id, send.pk])).json()
    assert (status["status_label"], status["final"]) == ("Sent", True)
    assert status["recipients"][0]["status_label"] == "Sent"


def test_it_fails_a_busy_line_with_a_sentence_and_resends_without_uploading(
    bob: Client, running: RunningEmulator, worker: Worker
) -> None:
    send = post_fax(bob, running, to=f"{LINE_BUSY}\n+16505550102")
    send = wait_for(send, worker, finished, "the fax fails")

    assert (send.status, send.rc_status) == ("submitted", "SendingFailed")
    assert send.recipient_statuses == {LINE_BUSY: "SendingFailed", "+16505550102": "Sent"}
    assert send.error_code == "LineBusy"
    assert "busy" in send.last_error.lower() and send.last_error.endswith(".")
    page = bob.get(reverse("inbox:fax_status", args=[send.extension_id, send.pk]))
    assert "Resend to the failed recipients" in page.content.decode()
    status = bob.get(reverse("inbox:fax_status_json", args=[send.extension_id, send.pk])).json()
    assert status["can_resend"] is True
    assert status["recipients"][0]["reason"] == "The fax line was busy. Resend the fax later."
    assert status["recipients"][1]["reason"] == ""

    answer = bob.post(
        reverse("inbox:fax_resend", args=[send.extension_id, send.pk]),
        {"idempotency_key": str(uuid.uuid4())},
    )
    assert answer.status_code == 302
    again = Send.objects.exclude(pk=send.pk).get()
    assert again.original_message_id == send.rc_message_id
    assert again.retry_of_id == send.pk
    assert again.recipients == [LINE_BUSY]  # only the recipient that failed
    assert again.documents.count() == 0  # nothing to upload: RingCentral has the fax
    again = wait_for(again, worker, finished, "the resend is answered")
    assert again.rc_message_id is not None and send.rc_message_id is not None
    assert again.rc_message_id != send.rc_message_id
    assert again.rc_status == "SendingFailed"  # the line is still busy, and it was tried
    assert again.recipient_statuses == {LINE_BUSY: "SendingFailed"}
    # a fax without documents and without a cover page would have been refused (CMN-101):
    # RingCentral took the original's rendered document, i.e. a JSON resend
    assert stored(running, again.rc_message_id)["document"] == stored(
        running, send.rc_message_id
    )["document"]  # fmt: skip


def test_it_forwards_a_received_fax_to_another_number(
    bob: Client, running: RunningEmulator, worker: Worker
) -> None:
    received = make_fax(running.db_path, extension_of(running, "agent"))
    answer = bob.post(
        reverse("inbox:fax_again", args=[extension_of(running, "agent"), received]),
        {"to": "+1 650 555 0177", "idempotency_key": str(uuid.uuid4())},
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    send = wait_for(Send.objects.get(), worker, finished, "the forward is sent")
    assert (send.original_message_id, send.rc_status) == (received, "Sent")
    assert send.recipient_statuses == {"+16505550177": "Sent"}
    assert send.rc_message_id is not None
    assert stored(running, send.rc_message_id)["document"] == stored(running, received)["document"]


def test_it_cancels_a_scheduled_fax_before_it_goes(
    bob: Client, running: RunningEmulator, worker: Worker
) -> None:
    later = (datetime.now(UTC) + timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M")
    send = post_fax(bob, running, send_at=later)
    send = wait_for(send, worker, lambda s: s.rc_message_id is not None, "RingCentral has it")
    assert (send.status, send.rc_status) == ("submitted", "Queued")
    status = bob.get(reverse("inbox:fax_status_json", args=[send.extension_id, send.pk])).json()
    assert (status["status_label"], status["can_cancel"]) == ("Scheduled", True)

    answer = bob.post(reverse("inbox:fax_cancel", args=[send.extension_id, send.pk]))
    assert answer.status_code == 302
    send.refresh_from_db()
    assert send.status == Send.Status.CANCELLED
    assert send.rc_message_id is not None
    time.sleep(1.5)  # three fax steps: a fax still alive would have been dialled by now
    record = stored(running, send.rc_message_id)
    assert record["availability"] != "Alive"
    assert record["status"] == "Queued"
    assert [party["messageStatus"] for party in record["body"]["to"]] == ["Queued"]
