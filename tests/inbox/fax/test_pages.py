"""The fax pages without a worker: the composer with RingCentral's cover pages, what it
refuses (and that nothing is queued then), safe file names, the 50 MB limit, CSRF, the fax
actions in the thread, and access (a stranger gets 404 everywhere)."""

from __future__ import annotations

import html
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from inbox.models import Send
from tests.emulator.factories import make_fax, make_sms, unique_number
from tests.inbox.conftest import extension_of, sign_in
from tests.inbox.fax.support import pdf_with_image
from tests.inbox.support import set_delivery_failure
from tests.support.emulator import RunningEmulator


@pytest.fixture(autouse=True)
def own_media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


FAX_ACCEPTED = "Your fax was accepted for sending; follow its status below."


def new_fax_url(running: RunningEmulator, which: str = "agent") -> str:
    return reverse("inbox:fax_new", args=[extension_of(running, which)])


def fax_form(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "to": "(650) 555-0101\n+1 650 555 0102",
        "cover_index": "2",
        "cover_page_text": "Contract <b>attached</b>",
        "resolution": "Low",
        "send_at": "",
        "timezone": "",
        "idempotency_key": str(uuid.uuid4()),
        "documents": SimpleUploadedFile("contract.pdf", pdf_with_image(3000)),
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_it_offers_ringcentrals_cover_pages(bob_client: Client, rc: RunningEmulator) -> None:
    page = bob_client.get(new_fax_url(rc))
    assert page.status_code == 200
    text = page.content.decode()
    for name in ("None", "Birthday", "Confidential", "Urgent"):
        assert f">{name}</option>" in text
    assert 'enctype="multipart/form-data"' in text
    assert 'name="idempotency_key"' in text


def test_it_links_new_fax_from_the_mailbox(bob_client: Client, rc: RunningEmulator) -> None:
    listing = bob_client.get(reverse("inbox:conversations", args=[extension_of(rc, "agent")]))
    assert f'href="{new_fax_url(rc)}"' in listing.content.decode()


def test_it_queues_a_fax_with_safe_file_names(bob_client: Client, rc: RunningEmulator) -> None:
    document = SimpleUploadedFile("Q3 & Q4 @#$%^* <script>.pdf", pdf_with_image(3000))
    answer = bob_client.post(new_fax_url(rc), fax_form(documents=document))

    assert answer.status_code == 302, answer.content.decode()[:3000]
    send = Send.objects.get()
    assert send.kind == Send.Kind.FAX
    assert send.recipients == ["+16505550101", "+16505550102"]
    assert (send.cover_index, send.cover_page_text, send.resolution) == (
        2,
        "Contract <b>attached</b>",
        "Low",
    )
    assert send.send_at is None
    (stored,) = send.documents.all()
    assert stored.name == "Q3 _ Q4 _ _script.pdf"
    assert not set("&@#$%^*<>") & set(stored.name)
    assert stored.content_type == "application/pdf"
    assert stored.file.read(5) == b"%PDF-"
    assert answer["Location"] == reverse(
        "inbox:fax_status", args=[extension_of(rc, "agent"), send.pk]
    )

    status = bob_client.get(answer["Location"]).content.decode()
    assert "(650) 555-0101" in status and "(650) 555-0102" in status
    assert "Contract &lt;b&gt;attached&lt;/b&gt;" in status
    assert "<b>attached</b>" not in status


def test_it_reads_the_scheduled_time_in_the_browsers_zone(
    bob_client: Client, rc: RunningEmulator
) -> None:
    form = fax_form(send_at="2031-07-01T09:30", timezone="America/New_York")
    assert bob_client.post(new_fax_url(rc), form).status_code == 302
    send = Send.objects.get()
    assert send.send_at is not None
    assert send.send_at.isoformat() == "2031-07-01T13:30:00+00:00"


def test_it_sends_the_same_form_once(bob_client: Client, rc: RunningEmulator) -> None:
    key = str(uuid.uuid4())
    first = bob_client.post(new_fax_url(rc), fax_form(idempotency_key=key))
    again = bob_client.post(new_fax_url(rc), fax_form(idempotency_key=key))
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    assert Send.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        (
            {"documents": SimpleUploadedFile("setup.exe", b"MZ\x90\x00")},
            "“.exe” files cannot be faxed",
        ),
        (
            {"documents": SimpleUploadedFile("report.pdf", b"<html>not a pdf</html>")},
            "“report.pdf” is not a PDF file",
        ),
        ({"documents": None}, "Choose at least one document to fax."),
        ({"to": "+1 555 12"}, "is not a valid phone number"),
        ({"to": "call me maybe"}, "is not a phone number"),
        ({"cover_index": "77"}, "Cover page 77 is not one RingCentral offers"),
        ({"cover_index": "0", "cover_page_text": "text"}, "Pick a cover page for this text"),
        ({"cover_page_text": "x" * 1025}, "at most 1024 characters"),
        ({"send_at": "2001-01-01T10:00"}, "The scheduled time has passed"),
        ({"send_at": "2031-01-01T10:00", "timezone": "Mars/Base"}, "not a time zone"),
        ({"resolution": "Ultra"}, "Select a valid choice"),
    ],
)
def test_it_refuses_what_cannot_be_faxed_and_queues_nothing(
    bob_client: Client, rc: RunningEmulator, changes: dict[str, Any], says: str
) -> None:
    answer = bob_client.post(new_fax_url(rc), fax_form(**changes))
    assert answer.status_code == 400
    assert says in html.unescape(answer.content.decode())
    assert Send.objects.count() == 0


def test_it_refuses_more_than_50_mb_and_keeps_nothing(
    bob_client: Client, rc: RunningEmulator, settings: Any, tmp_path: Path
) -> None:
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    big = SimpleUploadedFile("scan.pdf", pdf_with_image(30 * 1024 * 1024))
    bigger = SimpleUploadedFile("scan2.pdf", pdf_with_image(21 * 1024 * 1024))
    answer = bob_client.post(new_fax_url(rc), fax_form(documents=[big, bigger]))

    assert answer.status_code == 413
    assert "at most 50 MB of documents together" in html.unescape(answer.content.decode())
    assert Send.objects.count() == 0
    assert not any(p.is_file() for p in tmp_path.rglob("*.upload*"))


def test_it_accepts_50_mb_of_documents(bob_client: Client, rc: RunningEmulator) -> None:
    document = SimpleUploadedFile("big.pdf", pdf_with_image(50 * 1024 * 1024 - 20_000))
    answer = bob_client.post(new_fax_url(rc), fax_form(documents=document))
    assert answer.status_code == 302, html.unescape(answer.content.decode())[:2000]
    assert Send.objects.get().documents.get().size > 52_000_000


def test_it_checks_csrf(rc: RunningEmulator, db: None) -> None:
    browser = Client(enforce_csrf_checks=True)
    sign_in(browser, rc, "agent")
    answer = browser.post(new_fax_url(rc), fax_form())
    assert answer.status_code == 403
    assert Send.objects.count() == 0


# --------------------------------------------------------------------------- access


def test_it_hides_the_fax_pages_from_strangers(
    dave_client: Client, charlie_client: Client, alice_client: Client, rc: RunningEmulator
) -> None:
    url = new_fax_url(rc, "agent")
    assert dave_client.get(url).status_code == 404
    assert dave_client.post(url, fax_form()).status_code == 404
    assert charlie_client.get(url).status_code == 404
    # an admin may read bob's mailbox, but faxes go out from one's own extension only
    assert alice_client.get(url).status_code == 404
    assert alice_client.post(url, fax_form()).status_code == 404
    assert Send.objects.count() == 0


def test_it_hides_a_fax_send_from_everyone_but_its_sender(
    bob_client: Client, charlie_client: Client, dave_client: Client, rc: RunningEmulator
) -> None:
    assert bob_client.post(new_fax_url(rc), fax_form()).status_code == 302
    send = Send.objects.get()
    bob = extension_of(rc, "agent")
    charlie = extension_of(rc, "agent2")
    for name in ("inbox:fax_status", "inbox:fax_status_json"):
        assert bob_client.get(reverse(name, args=[bob, send.pk])).status_code == 200
        assert charlie_client.get(reverse(name, args=[bob, send.pk])).status_code == 404
        assert charlie_client.get(reverse(name, args=[charlie, send.pk])).status_code == 404
        assert dave_client.get(reverse(name, args=[bob, send.pk])).status_code == 404
    for name in ("inbox:fax_cancel", "inbox:fax_resend"):
        form = {"idempotency_key": str(uuid.uuid4())}
        assert charlie_client.post(reverse(name, args=[charlie, send.pk]), form).status_code == 404
        assert dave_client.post(reverse(name, args=[bob, send.pk]), form).status_code == 404
    send.refresh_from_db()
    assert send.status == Send.Status.QUEUED
    assert Send.objects.count() == 1


def test_it_shows_a_queued_fax_and_its_status_json(bob_client: Client, rc: RunningEmulator) -> None:
    bob_client.post(new_fax_url(rc), fax_form(to="+16505550101"))
    send = Send.objects.get()
    bob = extension_of(rc, "agent")
    data = bob_client.get(reverse("inbox:fax_status_json", args=[bob, send.pk])).json()
    assert data["id"] == str(send.pk)
    assert (data["status"], data["status_label"], data["final"]) == ("queued", "Queued", False)
    assert data["can_cancel"] is True and data["can_resend"] is False
    assert data["recipients"] == [
        {"number": "+16505550101", "status": "", "status_label": "Waiting", "reason": ""}
    ]


def test_it_names_the_cover_page_of_a_fax(bob_client: Client, rc: RunningEmulator) -> None:
    answer = bob_client.post(new_fax_url(rc), fax_form(cover_index="6"))

    page = bob_client.get(answer["Location"]).content.decode()
    assert answer.status_code == 302
    assert (
        "<dt>Cover page</dt><dd>Confidential: “Contract &lt;b&gt;attached&lt;/b&gt;”</dd>"
    ) in page
    assert "6: “" not in page


def test_it_names_the_cover_page_when_ringcentral_cannot_be_asked(
    bob_client: Client, rc: RunningEmulator, settings: Any
) -> None:
    bob_client.post(new_fax_url(rc), fax_form(cover_index="6"))
    send = Send.objects.get()
    cache.clear()  # the cover pages were cached when the fax was checked
    settings.RINGCENTRAL_SERVER_URL = "http://127.0.0.1:9"  # nothing listens there

    page = bob_client.get(reverse("inbox:fax_status", args=[send.extension_id, send.pk]))

    assert page.status_code == 200
    assert "<dt>Cover page</dt><dd>Cover page 6: “Contract" in page.content.decode()


def test_it_never_says_queued_once_the_fax_is_sent(bob_client: Client, rc: RunningEmulator) -> None:
    answer = bob_client.post(new_fax_url(rc), fax_form(to="+16505550101"))
    send = Send.objects.get()
    # the worker was quick: RingCentral has sent it before the browser follows the redirect
    Send.objects.filter(pk=send.pk).update(
        status=Send.Status.SUBMITTED,
        rc_status="Sent",
        rc_message_id=1,
        recipient_statuses={"+16505550101": "Sent"},
        submitted_at=timezone.now(),
        finished_at=timezone.now(),
    )

    page = bob_client.get(answer["Location"]).content.decode()

    assert "<title>Fax Sent · " in page
    assert "<strong data-fax-label>Sent</strong>" in page
    assert "queued" not in page.lower()
    assert FAX_ACCEPTED in page
    assert FAX_ACCEPTED not in bob_client.get(answer["Location"]).content.decode()  # once


def test_it_says_a_resent_fax_was_sent_again(bob_client: Client, rc: RunningEmulator) -> None:
    bob = extension_of(rc, "agent")
    failed = make_fax(rc.db_path, bob, direction="Outbound", other_number=unique_number())
    set_delivery_failure(rc, failed, "SendingFailed", "")
    again = reverse("inbox:fax_again", args=[bob, failed]) + "?mode=resend"

    answer = bob_client.post(again, {"to": "", "idempotency_key": str(uuid.uuid4())})

    page = bob_client.get(answer["Location"]).content.decode()
    assert answer.status_code == 302
    assert "Sent again as a new fax; nothing was uploaded a second time." in page
    assert "is queued" not in page


# --------------------------------------------------------------------------- in the thread


def test_it_offers_forward_on_a_received_fax_and_resend_on_a_failed_one(
    bob_client: Client, charlie_client: Client, alice_client: Client, rc: RunningEmulator
) -> None:
    bob = extension_of(rc, "agent")
    received = make_fax(rc.db_path, bob)
    failed = make_fax(rc.db_path, bob, direction="Outbound", other_number=unique_number())
    set_delivery_failure(rc, failed, "SendingFailed", "")
    page = bob_client.get(reverse("inbox:message", args=[bob, received])).content.decode()
    assert f'href="{reverse("inbox:fax_again", args=[bob, received])}"' in page
    assert "Resend…" not in page
    page = bob_client.get(reverse("inbox:message", args=[bob, failed])).content.decode()
    assert f"{reverse('inbox:fax_again', args=[bob, failed])}?mode=resend" in page

    # an admin reading bob's mailbox sees no fax actions: RingCentral sends from one's own
    page = alice_client.get(reverse("inbox:message", args=[bob, received])).content.decode()
    assert "Forward…" not in page
    # the forward page itself: bob's fax is a 404 for charlie and for alice
    again = reverse("inbox:fax_again", args=[bob, received])
    assert bob_client.get(again).status_code == 200
    assert charlie_client.get(again).status_code == 404
    assert alice_client.get(again).status_code == 404
    charlie = extension_of(rc, "agent2")
    assert (
        charlie_client.get(reverse("inbox:fax_again", args=[charlie, received])).status_code == 404
    )


def test_it_refuses_to_forward_a_text_message(bob_client: Client, rc: RunningEmulator) -> None:
    bob = extension_of(rc, "agent")
    sms = make_sms(rc.db_path, bob, other_number=unique_number(), text="hello")
    answer = bob_client.get(reverse("inbox:fax_again", args=[bob, sms]))
    assert answer.status_code == 400
    assert "Only a fax can be resent or forwarded" in answer.content.decode()


def test_it_asks_for_a_number_to_forward_a_received_fax(
    bob_client: Client, rc: RunningEmulator
) -> None:
    bob = extension_of(rc, "agent")
    received = make_fax(rc.db_path, bob)
    again = reverse("inbox:fax_again", args=[bob, received])
    answer = bob_client.post(again, {"to": "", "idempotency_key": str(uuid.uuid4())})
    assert answer.status_code == 400
    assert "Enter the number to forward this fax to." in answer.content.decode()
    answer = bob_client.post(again, {"to": "+16505550199", "idempotency_key": str(uuid.uuid4())})
    assert answer.status_code == 302
    send = Send.objects.get()
    assert (send.original_message_id, send.recipients) == (received, ["+16505550199"])
    assert send.documents.count() == 0
    assert User.objects.get(pk=send.owner_id).rc_extension_id == bob
