"""Attachment downloads: streamed in chunks, byte ranges, and failures before and during the
body."""

from __future__ import annotations

import os

import pytest

from rcapi import AttachmentStream, Rejected, Unavailable
from tests.emulator.factories import attachment_ids, make_fax, make_voicemail
from tests.rcapi.support import client_for, set_faults


def test_it_streams_an_attachment_in_chunks(emulator):
    admin_id = int(emulator.user("admin")["extension_id"])
    content = b"%PDF-1.4\n" + os.urandom(600_000)
    fax = make_fax(emulator.db_path, admin_id, content=content)
    [attachment] = attachment_ids(emulator.db_path, fax)
    chunks: list[bytes] = []
    with (
        client_for(emulator, "admin") as admin,
        admin.download_attachment(message_id=fax, attachment_id=attachment) as stream,
    ):
        assert isinstance(stream, AttachmentStream)
        assert (stream.status, stream.content_type) == (200, "application/pdf")
        assert stream.content_length == len(content)
        chunks.extend(stream.iter_content(chunk_size=64 * 1024))
    assert len(chunks) > 1
    assert b"".join(chunks) == content


def test_it_downloads_a_byte_range(emulator):
    admin_id = int(emulator.user("admin")["extension_id"])
    voicemail = make_voicemail(emulator.db_path, admin_id, content=bytes(range(200)))
    [attachment] = attachment_ids(emulator.db_path, voicemail)
    with client_for(emulator, "admin") as admin:
        with admin.download_attachment(
            message_id=voicemail, attachment_id=attachment, byte_range=(10, 19)
        ) as part:
            body = b"".join(part.iter_content())
        with admin.download_attachment(
            message_id=voicemail, attachment_id=attachment, byte_range=(190, None)
        ) as tail:
            rest = b"".join(tail.iter_content())
    assert (part.status, part.content_range, part.content_length) == (206, "bytes 10-19/200", 10)
    assert body == bytes(range(10, 20))
    assert rest == bytes(range(190, 200))


def test_it_rejects_a_range_past_the_end(emulator):
    admin_id = int(emulator.user("admin")["extension_id"])
    voicemail = make_voicemail(emulator.db_path, admin_id, content=bytes(100))
    [attachment] = attachment_ids(emulator.db_path, voicemail)
    with client_for(emulator, "admin") as admin, pytest.raises(Rejected) as refused:
        admin.download_attachment(
            message_id=voicemail, attachment_id=attachment, byte_range=(500, None)
        )
    assert (refused.value.status, refused.value.error_code) == (416, "CMN-107")


def test_it_rejects_an_unknown_attachment(emulator):
    admin_id = int(emulator.user("admin")["extension_id"])
    fax = make_fax(emulator.db_path, admin_id)
    with client_for(emulator, "admin") as admin, pytest.raises(Rejected) as refused:
        admin.download_attachment(message_id=fax, attachment_id=999_999_999_999)
    assert (refused.value.status, refused.value.error_code) == (404, "CMN-102")


def test_it_reports_a_stream_cut_short_as_unavailable(fresh_emulator):
    admin_id = int(fresh_emulator.user("admin")["extension_id"])
    fax = make_fax(fresh_emulator.db_path, admin_id, content=b"%PDF" + bytes(200_000))
    [attachment] = attachment_ids(fresh_emulator.db_path, fax)
    set_faults(fresh_emulator, stream_cut_after_bytes=70_000)
    with client_for(fresh_emulator, "admin") as admin:
        stream = admin.download_attachment(message_id=fax, attachment_id=attachment)
        received = 0
        with pytest.raises(Unavailable) as cut:
            for chunk in stream.iter_content():
                received += len(chunk)
    assert received <= 70_000
    assert cut.value.transient
