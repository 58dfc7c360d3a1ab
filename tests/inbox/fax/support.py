"""Documents for the fax tests: real PDFs of a chosen size (a page with an uncompressed image,
so the bytes are what a scanner's PDF holds, not random bytes named .pdf), and the first bytes
of pictures."""

from __future__ import annotations

PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8cfc0f01f0005000201a5e3b1f80000000049454e44ae426082"
)


def pdf_with_image(size: int) -> bytes:
    """A valid one-page PDF of about `size` bytes (at least ~1 KB): the page shows a grey
    gradient image stored uncompressed, with a correct cross-reference table."""
    overhead = 1200
    side = max(1, int(((max(size - overhead, 3)) / 3) ** 0.5))
    wanted = side * side * 3
    ramp = bytes(range(256))  # a repeating ramp: never spells a PDF keyword
    pixels = (ramp * (wanted // 256 + 1))[:wanted]
    content = b"q 540 0 0 540 36 126 cm /Im1 Do Q"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /XObject << /Im1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB "
        b"/BitsPerComponent 8 /Length %d >>\nstream\n"
        % (side, side, len(pixels))
        + pixels
        + b"\nendstream",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)
