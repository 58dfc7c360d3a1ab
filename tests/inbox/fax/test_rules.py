"""The fax rules on their own: documents by name and content, sizes, file names, cover pages,
resolution and scheduled times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from inbox.fax.rules import (
    MAX_TOTAL_BYTES,
    cover_page_check,
    fax_documents_check,
    fax_recipients_check,
    file_name_safe,
    resolution_check,
    send_at_check,
    zone_check,
)
from inbox.fax.selectors import CoverPageChoice
from inbox.sending.rules import SendInvalid
from tests.inbox.fax.support import PNG_1PX, pdf_with_image

OFFERED = [
    CoverPageChoice(0, "None"),
    CoverPageChoice(2, "Birthday"),
    CoverPageChoice(13, "Urgent"),
]


def upload(
    name: str, content: bytes, content_type: str = "application/octet-stream"
) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_it_accepts_a_pdf_and_names_its_type_itself() -> None:
    (document,) = fax_documents_check([upload("Contract.PDF", pdf_with_image(2000), "text/html")])
    assert document.name == "Contract.pdf"
    assert document.content_type == "application/pdf"
    assert document.size > 1000


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("scan.png", PNG_1PX, "image/png"),
        ("scan.tif", b"II*\x00" + b"\x00" * 100, "image/tiff"),
        ("scan.tiff", b"MM\x00*" + b"\x00" * 100, "image/tiff"),
        ("photo.jpeg", b"\xff\xd8\xff\xe0" + b"\x00" * 100, "image/jpeg"),
        ("anim.gif", b"GIF89a" + b"\x00" * 20, "image/gif"),
        ("notes.txt", "Grüße, the invoice\n".encode(), "text/plain"),
        ("table.csv", b"a,b\n1,2\n", "text/csv"),
        (
            "letter.docx",
            b"PK\x03\x04rest",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    ],
)
def test_it_accepts_allowed_types(name: str, content: bytes, content_type: str) -> None:
    (document,) = fax_documents_check([upload(name, content)])
    assert document.content_type == content_type


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("report.pdf", b"just some text, not a PDF", "is not a PDF file"),
        ("picture.png", b"\xff\xd8\xff\xe0 a jpeg", "is not a PNG file"),
        ("scan.tiff", b"%PDF-1.4", "is not a TIFF file"),
        ("photo.jpg", b"GIF89a", "is not a JPEG file"),
        ("anim.gif", PNG_1PX, "is not a GIF file"),
        ("notes.txt", b"MZ\x90\x00\x03\x00\x00\x00", "is not a text file"),
    ],
)
def test_it_refuses_files_whose_content_is_not_what_their_name_says(
    name: str, content: bytes, says: str
) -> None:
    with pytest.raises(SendInvalid) as caught:
        fax_documents_check([upload(name, content)])
    assert says in caught.value.message
    assert caught.value.field == "documents"


@pytest.mark.parametrize("name", ["setup.exe", "movie.mp4", "archive.zip", "README"])
def test_it_refuses_types_ringcentral_cannot_fax(name: str) -> None:
    with pytest.raises(SendInvalid) as caught:
        fax_documents_check([upload(name, b"MZ\x00\x00")])
    assert "cannot be faxed" in caught.value.message
    assert "PDF" in caught.value.message


def test_it_refuses_no_documents_and_empty_ones() -> None:
    with pytest.raises(SendInvalid, match="at least one document"):
        fax_documents_check([])
    with pytest.raises(SendInvalid, match="is empty"):
        fax_documents_check([upload("blank.pdf", b"")])


def test_it_refuses_more_than_50_mb_together_without_reading_the_files() -> None:
    class Huge(SimpleUploadedFile):
        def read(self, *args: object) -> bytes:
            raise AssertionError("a file over the limit must not be read")

    half = Huge("a.pdf", b"", content_type="application/pdf")
    half.size = MAX_TOTAL_BYTES // 2 + 1
    other = Huge("b.pdf", b"", content_type="application/pdf")
    other.size = MAX_TOTAL_BYTES // 2 + 1
    with pytest.raises(SendInvalid) as caught:
        fax_documents_check([half, other])
    assert "at most 50 MB" in caught.value.message


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("Q3 & Q4 @home #1 $5 %off ^up *star.pdf", "Q3 _ Q4 _home _1 _5 _off _up _star.pdf"),
        ("../../etc/passwd.txt", "passwd.txt"),
        ("C:\\Users\\ann\\Scan 01.TIFF", "Scan 01.tiff"),
        ("Résumé.docx", "Resume.docx"),
        ("bell\x07\x1b[31m.txt", "bell[31m.txt"),  # control characters dropped
        ("&&&.pdf", "document.pdf"),
        ("a" * 300 + ".pdf", "a" * 96 + ".pdf"),
        ('quote"semi;colon.pdf', "quote_semi_colon.pdf"),
    ],
)
def test_it_makes_file_names_safe(raw: str, safe: str) -> None:
    assert file_name_safe(raw) == safe
    assert not set("&@#$%^*/\\") & set(file_name_safe(raw))


def test_it_normalises_recipients_and_refuses_bad_numbers() -> None:
    assert fax_recipients_check(["(650) 555-0101, +1 650 555 0102", "6505550101"]) == [
        "+16505550101",
        "+16505550102",
    ]
    with pytest.raises(SendInvalid, match=r"not a (valid )?phone number"):
        fax_recipients_check(["+1 555"])
    with pytest.raises(SendInvalid, match="at least one recipient"):
        fax_recipients_check([" , "])


def test_it_checks_the_cover_page_against_those_offered() -> None:
    assert cover_page_check(cover_index=2, cover_page_text=" Hi ", offered=OFFERED) == (2, "Hi")
    assert cover_page_check(cover_index=0, cover_page_text="", offered=OFFERED) == (None, "")
    with pytest.raises(SendInvalid, match="not one RingCentral offers") as caught:
        cover_page_check(cover_index=7, cover_page_text="", offered=OFFERED)
    assert caught.value.field == "cover_index"
    with pytest.raises(SendInvalid, match="Pick a cover page"):
        cover_page_check(cover_index=0, cover_page_text="text without a page", offered=OFFERED)


def test_it_limits_cover_page_text_to_1024_utf16_units() -> None:
    assert cover_page_check(cover_index=2, cover_page_text="x" * 1024, offered=OFFERED)[1]
    with pytest.raises(SendInvalid, match="at most 1024"):
        cover_page_check(cover_index=2, cover_page_text="😀" * 513, offered=OFFERED)


def test_it_takes_high_or_low_resolution() -> None:
    assert resolution_check("Low") == "Low"
    assert resolution_check("") == ""
    with pytest.raises(SendInvalid, match="High or Low"):
        resolution_check("Ultra")


def test_it_reads_scheduled_times_in_the_browsers_zone_and_refuses_the_past() -> None:
    now = datetime(2030, 3, 19, 12, 0, tzinfo=UTC)
    paris = zone_check("Europe/Paris")
    assert paris == ZoneInfo("Europe/Paris")
    local = datetime(2030, 3, 19, 15, 0)  # 15:00 in Paris is 14:00 UTC in March
    assert send_at_check(local, zone=paris, now=now) == datetime(2030, 3, 19, 14, 0, tzinfo=UTC)
    assert send_at_check(local, now=now) == datetime(2030, 3, 19, 15, 0, tzinfo=UTC)
    assert send_at_check(None, now=now) is None
    with pytest.raises(SendInvalid, match="has passed"):
        send_at_check(now + timedelta(seconds=20), now=now)
    with pytest.raises(SendInvalid, match="not a time zone"):
        zone_check("Mars/Olympus_Mons")
