"""Sending MMS: multipart `POST …/sms` and its alias `POST …/mms` (REFERENCE §8.1)."""

from __future__ import annotations

import json

import pytest

from emulator import media
from tests.emulator.factories import unique_number
from tests.emulator.openapi import assert_matches_operation, assert_matches_schema
from tests.emulator.sending import (
    assert_error,
    content_type,
    form_file,
    multipart,
    sdk_send,
)

ADMIN_NUMBER = "+16505550101"
PICTURE = media.png_image(64, 48, seed=3)


def envelope(to=None, text="Look at this", sender=ADMIN_NUMBER):
    body = {
        "from": {"phoneNumber": sender},
        "to": [{"phoneNumber": n} for n in (to or [unique_number()])],
    }
    if text is not None:
        body["text"] = text
    return body


def post(emulator, path, files, body=None):
    """A form-data MMS with the JSON part first, as the JavaScript SDK sends it."""
    parts = [
        form_file(
            "request.json",
            "request.json",
            json.dumps(body or envelope()).encode(),
            "application/json",
        )
    ]
    parts += [form_file("attachments", name, data, kind) for name, data, kind in files]
    return emulator.session("admin").post(
        emulator.api(f"/account/~/extension/~{path}"),
        data=multipart(parts),
        headers=content_type("form-data"),
        timeout=30,
    )


def test_it_sends_an_mms_built_by_the_official_sdk(emulator):
    response = sdk_send(emulator, "/mms", envelope(), [("photo.png", PICTURE, "image/png")])
    assert response.status_code == 200, response.text
    record = response.json()
    assert_matches_schema(record, "GetSMSMessageInfoResponse")
    assert_matches_operation(record, "createMMS", 200)
    assert record["type"] == "SMS"
    assert record["messageStatus"] == "Queued"
    assert record["subject"] == "Look at this"
    assert "segmentCount" not in record
    text, picture = record["attachments"]
    assert text["type"] == "Text"
    assert picture["type"] == "MmsAttachment"
    assert picture["contentType"] == "image/png"
    assert picture["fileName"] == "photo.png"
    assert picture["size"] == len(PICTURE)
    assert (picture["width"], picture["height"]) == (64, 48)
    content = emulator.session("admin").get(picture["uri"], timeout=10)
    assert content.content == PICTURE


def test_it_sends_an_mms_through_sms_as_multipart_mixed_from_the_sdk(emulator):
    response = sdk_send(
        emulator, "/sms", envelope(), [("photo.png", PICTURE, "image/png")], mixed=True
    )
    assert response.status_code == 200, response.text
    assert [a["type"] for a in response.json()["attachments"]] == ["Text", "MmsAttachment"]


def test_it_reads_the_multipart_mixed_sample_of_the_reference(emulator):
    """[SPEC21] "Send MMS": JSON part with charset and transfer encoding, then the picture."""
    to = [unique_number(), unique_number()]
    body = multipart(
        [
            (
                {
                    "Content-Type": "application/json; charset=UTF-8",
                    "Content-Transfer-Encoding": "8bit",
                },
                json.dumps(envelope(to, text="hello")).encode(),
            ),
            (
                {
                    "Content-Type": "image/png",
                    "Content-Disposition": 'attachment; filename="filename.png"',
                },
                PICTURE,
            ),
        ]
    )
    response = emulator.session("admin").post(
        emulator.api("/account/~/extension/~/sms"),
        data=body,
        headers=content_type("mixed"),
        timeout=10,
    )
    assert response.status_code == 200, response.text
    record = response.json()
    assert [party["phoneNumber"] for party in record["to"]] == to
    assert record["attachments"][1]["fileName"] == "filename.png"
    stored = emulator.session("admin").get(record["attachments"][1]["uri"], timeout=10)
    assert stored.content == PICTURE  # binary parts come through byte for byte


def test_it_sends_an_mms_without_text(emulator):
    response = post(
        emulator,
        "/mms",
        [("card.vcf", b"BEGIN:VCARD\r\nEND:VCARD\r\n", "text/vcard")],
        envelope(text=None),
    )
    assert response.status_code == 200, response.text
    record = response.json()
    assert "subject" not in record
    assert [a["type"] for a in record["attachments"]] == ["MmsAttachment"]


def test_it_names_a_file_sent_as_octet_stream_by_its_extension(emulator):
    response = post(
        emulator, "/mms", [("photo.jpg", b"\xff\xd8\xff\xe0jpeg", "application/octet-stream")]
    )
    assert response.status_code == 200, response.text
    assert response.json()["attachments"][1]["contentType"] == "image/jpeg"


def test_it_requires_attachments_on_the_mms_endpoint(emulator):
    assert_error(
        post(emulator, "/mms", []), 400, "CMN-101", "Parameter [attachments] value is invalid."
    )
    as_json = emulator.session("admin").post(
        emulator.api("/account/~/extension/~/mms"), json=envelope(), timeout=10
    )
    assert_error(as_json, 415, "CMN-104")


def test_it_refuses_more_than_ten_files_with_msg_379(emulator):
    files = [(f"p{n}.png", PICTURE, "image/png") for n in range(11)]
    assert_error(post(emulator, "/sms", files), 400, "MSG-379", "Too many attachments")
    assert post(emulator, "/sms", files[:10]).status_code == 200


def test_it_refuses_more_than_1500000_bytes_together_with_msg_376(emulator):
    half = b"\0" * 750_001
    files = [("a.png", half, "image/png"), ("b.png", half, "image/png")]
    assert_error(post(emulator, "/mms", files), 400, "MSG-376", "Attachment size limit exceeded")
    fits = [("a.png", half[:-1], "image/png"), ("b.png", half[:-1], "image/png")]
    assert post(emulator, "/mms", fits).status_code == 200


def test_it_refuses_an_unsupported_media_type_with_msg_348(emulator):
    files = [
        ("a.png", PICTURE, "image/png"),
        ("b.gif", b"GIF89a\x01\x00\x01\x00", "image/gif"),
        ("stuff.smil", b"<smil/>", "application/smil"),
    ]
    assert_error(
        post(emulator, "/mms", files),
        415,
        "MSG-348",
        "Unsupported attachment media type, attachment [3]: [stuff.smil]",
    )


def test_it_refuses_an_empty_file_with_msg_347(emulator):
    response = post(emulator, "/mms", [("empty.png", b"", "image/png")])
    assert_error(response, 400, "MSG-347", "Attachment body is empty")


def test_it_limits_a_group_mms_to_ten_recipients_with_msg_381(emulator):
    body = envelope([unique_number() for _ in range(11)])
    assert_error(
        post(emulator, "/mms", [("a.png", PICTURE, "image/png")], body),
        400,
        "MSG-381",
        "Exceeded maximum number of recipients for a Group MMS: [10]",
    )
    ten = envelope([unique_number() for _ in range(10)])
    assert post(emulator, "/mms", [("a.png", PICTURE, "image/png")], ten).status_code == 200


def test_it_refuses_mms_from_a_number_without_mms_sender_with_msg_380(emulator):
    body = envelope(sender="+18885550101")  # toll-free: SmsSender but no MmsSender
    response = post(emulator, "/mms", [("a.png", PICTURE, "image/png")], body)
    assert_error(response, 403, "MSG-380", "The MMS feature is not available")
    as_sms = emulator.session("admin").post(
        emulator.api("/account/~/extension/~/sms"), json=body, timeout=10
    )
    assert as_sms.status_code == 200, as_sms.text


@pytest.mark.parametrize("kind", ["video/mp4", "audio/mpeg", "application/pdf", "text/calendar"])
def test_it_accepts_the_documented_media_types(emulator, kind):
    response = post(emulator, "/mms", [("file", b"some bytes", kind)])
    assert response.status_code == 200, response.text
    assert response.json()["attachments"][1]["contentType"] == kind
