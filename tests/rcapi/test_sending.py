"""Sending: SMS, MMS, company pager, fax (new and resent), and the fax cover pages — each
with a refusal the dashboard must be able to show."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from rcapi import Rejected, UploadFile
from tests.emulator.factories import make_fax, unique_number
from tests.rcapi.support import client_for

PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def admin(emulator):
    with client_for(emulator, "admin") as client:
        yield client


@pytest.fixture
def admin_user(emulator):
    return emulator.user("admin")


# --------------------------------------------------------------------------- SMS / MMS


def test_it_sends_an_sms(admin, admin_user):
    to = unique_number()
    sent = admin.send_sms(from_number=admin_user["sms_numbers"][0], to_numbers=[to], text="Hi!")
    assert (sent.type, sent.direction, sent.subject) == ("SMS", "Outbound", "Hi!")
    assert sent.message_status in ("Queued", "Sent")
    assert [p.phone_number for p in sent.to] == [to]
    assert isinstance(sent.conversation_id, int)
    assert admin.get_message(message_id=sent.id).subject == "Hi!"


def test_it_rejects_an_sms_from_a_number_that_is_not_the_users(admin):
    with pytest.raises(Rejected) as refused:
        admin.send_sms(from_number="+16505550102", to_numbers=[unique_number()], text="Hi")
    assert (refused.value.status, refused.value.error_code) == (400, "MSG-245")


def test_it_sends_an_mms_with_its_files_and_they_come_back(admin, admin_user):
    picture = UploadFile("photo.png", PNG, "image/png")
    sent = admin.send_sms(
        from_number=admin_user["sms_numbers"][0], to_numbers=[unique_number()],
        text="See attached", attachments=[picture],
    )  # fmt: skip
    [media] = [a for a in sent.attachments if a.type == "MmsAttachment"]
    assert (media.content_type, media.file_name, media.size) == ("image/png", "photo.png", len(PNG))
    with admin.download_attachment(message_id=sent.id, attachment_id=media.id) as stream:
        assert b"".join(stream.iter_content()) == PNG


def test_it_rejects_an_mms_from_a_number_without_mms(emulator, admin):
    toll_free = emulator.user("admin")["sms_numbers"][-1]
    assert toll_free.startswith("+1888")
    with pytest.raises(Rejected) as refused:
        admin.send_sms(from_number=toll_free, to_numbers=[unique_number()], text="",
                       attachments=[UploadFile("p.png", PNG, "image/png")])  # fmt: skip
    assert (refused.value.status, refused.value.error_code) == (403, "MSG-380")


# --------------------------------------------------------------------------- pager


def test_it_sends_a_pager_message_and_replies_in_its_thread(emulator, admin):
    agent = emulator.user("agent")
    first = admin.send_pager(text="Lunch?", to_extension_ids=[agent["extension_id"]])
    assert (first.type, first.message_status) == ("Pager", "Sent")
    assert agent["extension_id"] in [p.extension_id for p in first.to]
    reply = admin.send_pager(text="At noon", reply_on=first.id)
    assert reply.conversation_id == first.conversation_id
    by_number = admin.send_pager(text="Hi", to_extension_numbers=[agent["extension_number"]])
    assert agent["extension_number"] in [p.extension_number for p in by_number.to]


def test_it_refuses_a_pager_message_without_recipients(admin):
    with pytest.raises(ValueError, match="recipients"):
        admin.send_pager(text="to nobody")


def test_it_rejects_a_pager_message_to_an_unknown_extension(admin):
    with pytest.raises(Rejected) as refused:
        admin.send_pager(text="Hello?", to_extension_numbers=["999"])
    assert refused.value.status == 400
    assert refused.value.error_code == "MSG-316"


# --------------------------------------------------------------------------- fax


def test_it_sends_a_fax_with_a_document_and_a_cover_page(admin):
    to = unique_number()
    fax = admin.send_fax(
        to_numbers=[to], documents=[UploadFile("report.pdf", PDF, "application/pdf")],
        cover_index=2, cover_page_text="Quarterly report", resolution="Low",
        send_time=datetime.now(UTC) + timedelta(hours=1),
    )  # fmt: skip
    assert (fax.type, fax.direction, fax.message_status) == ("Fax", "Outbound", "Queued")
    assert (fax.cover_index, fax.cover_page_text, fax.fax_resolution) == (
        2, "Quarterly report", "Low",
    )  # fmt: skip
    assert [(p.phone_number, p.message_status) for p in fax.to] == [(to, "Queued")]
    assert fax.attachments and fax.attachments[0].content_type == "application/pdf"


def test_it_rejects_a_fax_with_nothing_to_send(admin):
    with pytest.raises(Rejected) as refused:
        admin.send_fax(to_numbers=[unique_number()])
    assert (refused.value.error_code, refused.value.parameter_name) == ("CMN-101", "attachment")


def test_it_resends_a_fax_that_left_the_queue(emulator, admin):
    admin_id = int(emulator.user("admin")["extension_id"])
    original = make_fax(emulator.db_path, admin_id, direction="Outbound")
    again = admin.resend_fax(original_message_id=original)
    assert again.id != original and again.type == "Fax"
    forwarded_to = unique_number()
    received = make_fax(emulator.db_path, admin_id)
    forwarded = admin.resend_fax(original_message_id=received, to_numbers=[forwarded_to])
    assert [p.phone_number for p in forwarded.to] == [forwarded_to]


def test_it_rejects_resending_a_fax_still_queued(admin):
    queued = admin.send_fax(
        to_numbers=[unique_number()], documents=[UploadFile("a.pdf", PDF, "application/pdf")],
        send_time=datetime.now(UTC) + timedelta(days=1),
    )  # fmt: skip
    with pytest.raises(Rejected) as refused:
        admin.resend_fax(original_message_id=queued.id)
    assert (refused.value.status, refused.value.error_code) == (406, "MSG-343")


def test_it_lists_the_fax_cover_pages(admin):
    pages = admin.fax_cover_pages()
    assert (pages[0].id, pages[0].name) == (0, "None")
    assert {page.id for page in pages} >= set(range(14))
    assert [p.id for p in admin.fax_cover_pages(page=2, per_page=5)] == [5, 6, 7, 8, 9]


def test_it_rejects_an_invalid_cover_page_request(admin):
    with pytest.raises(Rejected) as refused:
        admin.fax_cover_pages(per_page=0)
    assert refused.value.error_code == "CMN-101"
