"""What RingCentral takes in an SMS, pager message or MMS, checked before anything is queued:
segment counting (GSM-7 with its extension table, UCS-2 with surrogate pairs), the text
limits in UTF-16 units, and the MMS file rules (count, size, type by name and by content)."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from inbox.sending.rules import (
    SendInvalid,
    mms_attachments_check,
    pager_text_check,
    sms_segments,
    sms_text_check,
    utf16_units,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PDF = b"%PDF-1.4\n%...\n"


def upload(
    name: str, content: bytes, content_type: str = "application/octet-stream"
) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_it_counts_plain_text_as_gsm7() -> None:
    counted = sms_segments("Hello, your order is ready!")
    assert (counted.encoding, counted.units, counted.segments) == ("GSM-7", 27, 1)


def test_it_fits_160_gsm7_characters_in_one_segment_and_splits_at_153() -> None:
    assert sms_segments("a" * 160).segments == 1
    assert sms_segments("a" * 161).segments == 2
    assert sms_segments("a" * 306).segments == 2
    assert sms_segments("a" * 307).segments == 3


def test_it_counts_gsm7_extension_characters_as_two_septets() -> None:
    counted = sms_segments("Price: 5€ [approx]")
    assert counted.encoding == "GSM-7"
    assert counted.units == len("Price: 5€ [approx]") + 3  # €, [ and ] take an escape each
    assert sms_segments("€" * 80).segments == 1  # 160 septets
    assert sms_segments("€" * 81).segments == 2


def test_it_never_splits_an_escape_pair_across_segments() -> None:
    # 152 septets, then a two-septet character: it does not fit the first segment's 153
    counted = sms_segments("a" * 152 + "{" + "b" * 10)
    assert counted.units == 164
    assert counted.segments == 2
    assert sms_segments("a" * 152 + "{" * 77).segments == 3


def test_it_switches_to_ucs2_for_other_characters() -> None:
    counted = sms_segments("Grüße, 你好")
    assert counted.encoding == "UCS-2"
    assert counted.units == len("Grüße, 你好")
    assert sms_segments("你" * 70).segments == 1
    assert sms_segments("你" * 71).segments == 2
    assert sms_segments("你" * 134).segments == 2
    assert sms_segments("你" * 135).segments == 3


def test_it_counts_an_emoji_as_two_units() -> None:
    counted = sms_segments("Thanks 👍")
    assert counted.encoding == "UCS-2"
    assert counted.units == 9
    assert utf16_units("👍") == 2
    assert sms_segments("👍" * 35).segments == 1
    assert sms_segments("👍" * 36).segments == 2


def test_it_counts_an_empty_text_as_no_segment() -> None:
    assert sms_segments("").segments == 0


def test_it_takes_1000_units_and_refuses_1001() -> None:
    assert sms_text_check("a" * 1000) == "a" * 1000
    with pytest.raises(SendInvalid) as refused:
        sms_text_check("a" * 1001)
    assert refused.value.field == "text"
    assert "at most 1,000" in refused.value.message
    assert "Shorten it by 1" in refused.value.message


def test_it_counts_emoji_twice_against_the_limit() -> None:
    sms_text_check("👍" * 500)
    with pytest.raises(SendInvalid):
        sms_text_check("👍" * 500 + "a")


def test_it_refuses_an_empty_text_without_files() -> None:
    with pytest.raises(SendInvalid, match="Write a message"):
        sms_text_check("   ")
    assert sms_text_check("", has_attachments=True) == ""


def test_it_limits_pager_text_to_1024_units() -> None:
    assert pager_text_check("a" * 1024)
    with pytest.raises(SendInvalid, match="at most 1,024"):
        pager_text_check("a" * 1025)
    with pytest.raises(SendInvalid, match="Write a message"):
        pager_text_check("")


def test_it_takes_allowed_files_and_names_their_types() -> None:
    files = [
        upload("a.png", PNG),
        upload("b.JPG", JPEG),
        upload("c.pdf", PDF),
        upload("notes.txt", b"plain words\n"),
    ]
    assert mms_attachments_check(files) == [
        "image/png",
        "image/jpeg",
        "application/pdf",
        "text/plain",
    ]


def test_it_refuses_a_type_ringcentral_does_not_take() -> None:
    with pytest.raises(SendInvalid) as refused:
        mms_attachments_check([upload("tool.exe", b"MZ\x90\x00")])
    assert refused.value.field == "attachments"
    assert "“tool.exe” cannot be sent" in refused.value.message


def test_it_refuses_a_file_whose_content_is_not_what_its_name_says() -> None:
    with pytest.raises(SendInvalid, match="is not the PNG file its name says"):
        mms_attachments_check([upload("photo.png", b"MZ\x90\x00 program", "image/png")])
    with pytest.raises(SendInvalid, match="not the TXT file"):
        mms_attachments_check([upload("readme.txt", b"MZ\x90\x00\x00\x00", "text/plain")])


def test_it_does_not_trust_the_browsers_content_type() -> None:
    with pytest.raises(SendInvalid, match="cannot be sent"):
        mms_attachments_check([upload("script.sh", b"#!/bin/sh\n", "image/png")])


def test_it_refuses_more_than_ten_files() -> None:
    with pytest.raises(SendInvalid, match="at most 10 files"):
        mms_attachments_check([upload(f"{i}.png", PNG) for i in range(11)])


def test_it_refuses_more_than_one_and_a_half_megabytes_together() -> None:
    big = PNG + b"\x00" * 800_000
    with pytest.raises(SendInvalid, match=r"1\.6 MB together"):
        mms_attachments_check([upload("a.png", big), upload("b.png", big)])
    mms_attachments_check([upload("a.png", big)])


def test_it_refuses_a_group_mms_to_more_than_ten_people() -> None:
    with pytest.raises(SendInvalid) as refused:
        mms_attachments_check([upload("a.png", PNG)], recipient_count=11)
    assert refused.value.field == "to"


def test_it_leaves_the_file_ready_to_read_from_the_start() -> None:
    file = upload("a.png", PNG)
    mms_attachments_check([file])
    assert file.read() == PNG
    assert isinstance(file.file, io.BytesIO)
