"""Generated attachments are real files: PDFs with correct cross-references, WAVs the `wave`
module reads, PNGs with valid chunks; and the readers understand files made elsewhere."""

from __future__ import annotations

import io
import re
import struct
import wave
import zlib

import pytest

from emulator import media


def xref_offsets(pdf: bytes) -> dict[int, int]:
    """Object number → offset, from the classic cross-reference table `startxref` points at."""
    found = re.search(rb"startxref\s+(\d+)\s+%%EOF\s*$", pdf)
    assert found is not None
    start = int(found.group(1))
    assert pdf[start:].startswith(b"xref")
    lines = pdf[start:].split(b"\n")
    first, count = (int(part) for part in lines[1].split())
    entries = lines[2 : 2 + count]
    offsets = {}
    for number, entry in enumerate(entries, start=first):
        assert len(entry) == 19, entry  # 20 bytes with the newline, as the format demands
        offset, _, kind = entry.split()
        if kind == b"n":
            offsets[number] = int(offset)
    return offsets


@pytest.mark.parametrize("pages", [1, 3, 12])
def test_it_writes_pdfs_whose_xref_points_at_every_object(pages):
    pdf = media.pdf_document([f"Page {n}" for n in range(pages)], title="Invoice")

    assert pdf.startswith(b"%PDF-1.4\n")
    assert pdf.rstrip().endswith(b"%%EOF")
    offsets = xref_offsets(pdf)
    assert len(offsets) == 3 + 2 * pages + 1  # catalog, pages, font, page+content each, info
    for number, offset in offsets.items():
        assert pdf[offset:].startswith(f"{number} 0 obj\n".encode())
    assert media.pdf_page_count(pdf) == pages
    assert pdf.count(b"/Type /Page ") == pages


def test_it_gives_stream_lengths_that_match_their_content():
    pdf = media.pdf_document(["one", "two\nlines"])

    for match in re.finditer(rb"<< /Length (\d+) >>\nstream\n", pdf):
        length = int(match.group(1))
        assert pdf[match.end() + length :].startswith(b"endstream")


def test_it_escapes_pdf_strings_and_replaces_what_helvetica_cannot_show():
    pdf = media.pdf_document(["a (b) c\\d", "Привет ü 日本"], title="T (x)")

    assert rb"(a \(b\) c\\d) Tj" in pdf
    assert b"(?????? \xfc ??) Tj" in pdf  # ü is WinAnsi; Cyrillic and CJK are not
    assert rb"/Title (T \(x\))" in pdf


def test_it_wraps_long_lines_and_keeps_one_page_per_string():
    pdf = media.pdf_document(["word " * 200, "short"])

    first_page = pdf.split(b"stream\n")[1].split(b"endstream")[0]
    shown = re.findall(rb"\((.*?)\) (?:Tj|')", first_page)
    assert len(shown) > 5
    assert all(len(line) <= 90 for line in shown)
    assert media.pdf_page_count(pdf) == 2


def test_it_counts_pages_after_an_incremental_update():
    pdf = media.pdf_document(["a", "b"])
    update = (
        b"\n9 0 obj\n<< /Type /Catalog /Pages 10 0 R >>\nendobj\n"
        b"10 0 obj\n<< /Type /Pages /Kids [6 0 R] /Count 1 >>\nendobj\n"
        b"trailer\n<< /Size 11 /Root 9 0 R /Prev 0 >>\nstartxref\n0\n%%EOF\n"
    )

    assert media.pdf_page_count(pdf + update) == 1  # the last catalog's tree, not the largest


def test_it_counts_pages_kept_in_compressed_object_streams():
    tree = b"<< /Type /Pages /Kids [4 0 R 5 0 R] /Count 7 >>"
    objects = f"2 0 4 {len(tree)} ".encode()
    first = len(objects)
    inner = objects + tree + b"<< /Type /Page /Parent 2 0 R >>"
    compressed = zlib.compress(inner)
    pdf = (
        b"%PDF-1.5\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        b"3 0 obj\n<< /Type /ObjStm /N 2 /First " + str(first).encode()
        + b" /Filter /FlateDecode /Length " + str(len(compressed)).encode() + b" >>\nstream\n"
        + compressed + b"\nendstream\nendobj\n"
        b"6 0 obj\n<< /Type /XRef /Root 1 0 R >>\nstream\n\nendstream\nendobj\n%%EOF\n"
    )  # fmt: skip

    assert media.pdf_page_count(pdf) == 7


def test_it_counts_page_objects_when_no_page_tree_has_a_count():
    pdf = (
        b"%PDF-1.3\n1 0 obj\n<< /Type /Page >>\nendobj\n2 0 obj\n<</Type/Page/Rotate 0>>\nendobj\n"
        b"3 0 obj\n<< /Type /Pages /Kids [1 0 R 2 0 R] >>\nendobj\n%%EOF\n"
    )

    assert media.pdf_page_count(pdf) == 2


def test_it_counts_no_pages_in_something_that_is_not_a_pdf():
    assert media.pdf_page_count(b"") == 0
    assert media.pdf_page_count(b"\x89PNG\r\n\x1a\n" + b"/Type /Page " * 3) == 0


@pytest.mark.parametrize("seconds", [0.5, 2, 7.25])
def test_it_writes_mono_16_bit_wavs_of_the_asked_duration(seconds):
    data = media.wav_tone(seconds, frequency=300)

    with wave.open(io.BytesIO(data)) as audio:
        assert audio.getnchannels() == 1
        assert audio.getsampwidth() == 2
        assert audio.getframerate() == 8000
        assert audio.getnframes() == round(seconds * 8000)
        frames = audio.readframes(audio.getnframes())
    assert media.wav_duration(data) == pytest.approx(seconds)
    samples = struct.unpack(f"<{len(frames) // 2}h", frames)
    assert max(samples) > 5000  # audible, not silence
    assert media.wav_tone(seconds, frequency=300) == data  # deterministic


def test_it_reads_no_duration_from_a_file_that_is_not_a_wav():
    assert media.wav_duration(b"RIFF\x00\x00") == 0.0
    assert media.wav_duration(media.pdf_document(["x"])) == 0.0


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    chunks, position = [], 8
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        payload = data[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length : position + 12 + length])
        assert crc == zlib.crc32(kind + payload) & 0xFFFFFFFF, kind
        chunks.append((kind, payload))
        position += 12 + length
    return chunks


@pytest.mark.parametrize(("width", "height"), [(1, 1), (64, 48), (240, 320)])
def test_it_writes_pngs_with_valid_chunks_and_pixels(width, height):
    data = media.png_image(width, height, seed=5)

    chunks = png_chunks(data)
    assert [kind for kind, _ in chunks] == [b"IHDR", b"IDAT", b"IEND"]
    assert struct.unpack(">IIBBBBB", chunks[0][1]) == (width, height, 8, 2, 0, 0, 0)
    pixels = zlib.decompress(chunks[1][1])
    assert len(pixels) == height * (1 + 3 * width)
    assert all(pixels[row * (1 + 3 * width)] == 0 for row in range(height))  # filter bytes
    assert media.image_size(data) == (width, height)


def test_it_draws_different_pictures_for_different_seeds():
    assert media.png_image(32, 32, seed=1) == media.png_image(32, 32, seed=1)
    assert media.png_image(32, 32, seed=1) != media.png_image(32, 32, seed=2)
    with pytest.raises(ValueError):
        media.png_image(0, 10, seed=1)


def test_it_reads_sizes_of_gif_jpeg_and_bmp_headers():
    gif = b"GIF89a" + struct.pack("<HH", 320, 200) + b"\x00" * 10
    jpeg = (
        b"\xff\xd8"
        + b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00" + b"\x00" * 9
        + b"\xff\xc0" + struct.pack(">HBHH", 17, 8, 480, 640) + b"\x03" + b"\x00" * 9
    )  # fmt: skip
    bmp = b"BM" + b"\x00" * 16 + struct.pack("<ii", 100, -50) + b"\x00" * 30

    assert media.image_size(gif) == (320, 200)
    assert media.image_size(jpeg) == (640, 480)
    assert media.image_size(bmp) == (100, 50)
    assert media.image_size(b"not an image") is None
    assert media.image_size(b"\xff\xd8\xff") is None


def test_it_guesses_media_types_within_the_mms_allow_list():
    assert media.guess_content_type("photo.JPG") == "image/jpeg"
    assert media.guess_content_type("memo.wav") == "audio/wav"
    assert media.guess_content_type("card.vcf") == "text/vcard"
    assert media.guess_content_type("show.smil") is None
    assert media.guess_content_type("README") is None
    known = {media.guess_content_type(f"x.{ext}") for ext in ("png", "mp4", "pdf", "ics", "gz")}
    assert known <= media.MMS_CONTENT_TYPES
