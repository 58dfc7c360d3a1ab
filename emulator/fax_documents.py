"""The documents of an outbound fax: which files are accepted, and the PDF that gets sent.

Accepted documents (docs/messaging/fax/sending-faxes.md, REFERENCE §10.1): pdf, psd,
doc/docx/dot/mcw, xls/xlsx/xlsb, ppt/pptx, vsd/vdx, pub, wps, wri, awd, tif/tiff/gif/jpg/jpeg/bmp/
png/pcx/tga, rtf, txt/log/h/cpp/c/err/hpp, wk1/wk3/wk4, wq1, xml, html/htm, csv. A file name with
one of those extensions is accepted; a file name with another extension is not; a part without a
file name extension (the [SPEC21] form-data sample sends `filename="1"`) is judged by its
Content-Type. File names must not contain `& @ # $ % ^ *`.

Rendering (the `RenderedDocument`, `application/pdf`, REFERENCE §2.1): a single PDF is stored
as it came; otherwise one PDF is written with `media.pdf_document`: text documents as text
pages, each page of a PDF among several as a page naming it (so the rendered page count is the
faxed one), any other document as one page naming it. A fax made only of a cover page stores
the cover page. `faxPageCount` = document pages + 1 when a cover page is attached.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from emulator import media

FORBIDDEN_NAME_CHARACTERS = frozenset("&@#$%^*")

EXTENSIONS = frozenset(
    {
        "pdf", "psd", "doc", "docx", "dot", "mcw", "xls", "xlsx", "xlsb", "ppt", "pptx", "vsd",
        "vdx", "pub", "wps", "wri", "awd", "tif", "tiff", "gif", "jpg", "jpeg", "bmp", "png",
        "pcx", "tga", "rtf", "txt", "log", "h", "cpp", "c", "err", "hpp", "wk1", "wk3", "wk4",
        "wq1", "xml", "html", "htm", "csv",
    }
)  # fmt: skip
TEXT_EXTENSIONS = frozenset(
    {"txt", "log", "h", "cpp", "c", "err", "hpp", "csv", "xml", "html", "htm"}
)

CONTENT_TYPES = frozenset(
    {
        "application/pdf", "image/vnd.adobe.photoshop", "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.ms-excel.sheet.binary.macroenabled.12",
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.visio", "application/vnd.ms-publisher", "application/vnd.ms-works",
        "image/tiff", "image/gif", "image/jpeg", "image/png", "image/bmp", "image/x-pcx",
        "image/x-tga", "application/rtf", "text/rtf", "application/xml", "text/xml",
        "text/html", "text/csv", "text/plain",
    }
)  # fmt: skip

# Pagination of text documents: what fits a Letter page in `media.pdf_document`'s layout.
WRAP_COLUMNS = 85
LINES_PER_PAGE = 45

# REFERENCE §10.2, the en-US list: ids 0-13
COVER_PAGES = (
    "None", "Ancient", "Birthday", "Blank", "Clasmod", "Classic", "Confidential", "Contempo",
    "Elegant", "Express", "Formal", "Jazzy", "Modern", "Urgent",
)  # fmt: skip


@dataclass(frozen=True)
class Document:
    file_name: str | None
    content_type: str
    data: bytes

    @property
    def extension(self) -> str:
        name = self.file_name or ""
        _, dot, extension = name.rpartition(".")
        return extension.lower() if dot and extension.isalnum() else ""

    @property
    def is_pdf(self) -> bool:
        return self.extension == "pdf" or self.content_type == "application/pdf"

    @property
    def is_text(self) -> bool:
        if self.extension:
            return self.extension in TEXT_EXTENSIONS
        return self.content_type.startswith("text/") and self.content_type != "text/rtf"

    @property
    def label(self) -> str:
        return self.file_name or "document"


def accepted(document: Document) -> bool:
    if document.extension:
        return document.extension in EXTENSIONS
    return document.content_type in CONTENT_TYPES or document.content_type.startswith("text/")


def name_allowed(file_name: str | None) -> bool:
    return not (file_name and FORBIDDEN_NAME_CHARACTERS.intersection(file_name))


def text_pages(text: str) -> list[str]:
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        lines.extend(textwrap.wrap(paragraph, WRAP_COLUMNS) or [""])
    return [
        "\n".join(lines[start : start + LINES_PER_PAGE])
        for start in range(0, max(len(lines), 1), LINES_PER_PAGE)
    ]


def document_pages(document: Document) -> list[str]:
    """The pages `document` becomes in a rendered fax."""
    if document.is_pdf:
        count = media.pdf_page_count(document.data)
        return [f"{document.label}\n\nPage {page} of {count}" for page in range(1, count + 1)]
    if document.is_text:
        return text_pages(document.data.decode("utf-8", "replace"))
    return [
        f"{document.label}\n\n{document.content_type}, {len(document.data)} bytes\n\n"
        "(rendered for faxing)"
    ]


@dataclass(frozen=True)
class Rendered:
    pdf: bytes
    document_pages: int
    failed: bool  # a PDF that could not be read: the fax fails with RenderingFailed


def render(documents: Sequence[Document], *, cover_page: str | None) -> Rendered:
    """The `RenderedDocument` of a fax and its page count (without the cover page)."""
    if len(documents) == 1 and documents[0].is_pdf:
        count = media.pdf_page_count(documents[0].data)
        return Rendered(documents[0].data, count, failed=count == 0)
    if not documents:
        text = cover_page or ""
        return Rendered(media.pdf_document([text], title="Fax cover page"), 0, failed=False)
    pages: list[str] = []
    failed = False
    for document in documents:
        made = document_pages(document)
        failed = failed or (document.is_pdf and not made)
        pages.extend(made)
    return Rendered(media.pdf_document(pages, title="Fax"), len(pages), failed=failed)


def cover_page_text(index: int, *, sender: str, recipients: Sequence[str], note: str) -> str:
    lines = [
        f"FAX - {COVER_PAGES[index]} cover page",
        "",
        f"From: {sender}",
        f"To: {', '.join(recipients)}",
    ]
    if note:
        lines += ["", note]
    return "\n".join(lines)
