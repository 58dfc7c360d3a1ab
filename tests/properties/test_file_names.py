"""Properties of the file-name cleaners: the fax document names RingCentral is sent
(`file_name_safe`), the stored names of MMS files (`inbox.sending.requests.safe_file_name`) and
the download names of attachments (`inbox.conversations.proxy.safe_file_name`)."""

from __future__ import annotations

import unicodedata

from django.http import HttpResponse
from hypothesis import example, given
from hypothesis import strategies as st

from inbox.conversations import proxy
from inbox.fax.rules import MAX_NAME_CHARS, file_name_safe
from inbox.sending import requests

CONTROL = ("Cc", "Cf", "Zl", "Zp")

# names as browsers and phones send them: any character (accents, emoji, controls, bidi
# marks, full-width slashes), with folder parts from Windows or Unix, and long ones
name_chars = st.characters(exclude_categories=["Cs"])
plain_names = st.text(name_chars, max_size=80).filter(lambda name: not set(name) & {"/", "\\"})
extensions = st.one_of(
    st.sampled_from(["pdf", "PDF", "Docx", "tiff", "txt", "jpg", "", "tar.gz"]),
    st.text(name_chars, max_size=14),
)
folders = st.lists(st.text(name_chars, max_size=12), min_size=1, max_size=3)
names = st.one_of(
    st.text(name_chars, max_size=300),
    st.builds(lambda stem, extension: f"{stem}.{extension}", plain_names, extensions),
    st.builds(
        lambda folder, separator, name: separator.join([*folder, name]),
        folders,
        st.sampled_from(["/", "\\"]),
        plain_names,
    ),
    st.builds(lambda stem: stem * 40 + ".pdf", st.text(name_chars, min_size=1, max_size=8)),
    # several dots, and last parts that are not (or too long for) an extension
    st.lists(st.text(alphabet="aB9é.$ _-", max_size=14), min_size=2, max_size=4).map(".".join),
    # long names whose cut falls next to a space, dot or underscore
    st.builds(
        lambda length, middle, rest: "a" * length + middle + rest,
        st.integers(88, 125),
        st.sampled_from([" ", ".", "_", "-", ":", " .", "._", "é"]),
        st.text(name_chars, max_size=10),
    ),
)


def controls(name: str) -> set[str]:
    return {char for char in name if unicodedata.category(char) in CONTROL}


@given(names)
@example("scan.PDF.")
@example("A.B.$")
def test_a_fax_file_name_is_safe_for_ringcentral_and_any_disk(raw: str) -> None:
    name = file_name_safe(raw)

    assert name
    assert len(name) <= MAX_NAME_CHARS
    assert name.isascii()
    assert not set(name) & set('/\\&@#$%^*"<>:?|')
    assert not controls(name)
    assert not name.startswith((".", " ", "-", "_"))
    assert file_name_safe(name) == name


@given(
    st.text(
        st.characters(min_codepoint=0x20, max_codepoint=0x7E, exclude_characters="."), max_size=40
    ),
    st.text(alphabet="abcXYZ019éÜ -$~", max_size=14),
)
def test_a_fax_file_name_keeps_its_extension_lower_cased(stem: str, extension: str) -> None:
    name = file_name_safe(f"{stem}.{extension}")
    ascii_extension = unicodedata.normalize("NFKD", extension).encode("ascii", "ignore").decode()
    cleaned = "".join(char for char in ascii_extension if char.isalnum()).lower()[:10]

    if cleaned:
        assert name.endswith("." + cleaned)
    else:
        assert "." not in name  # no extension, and nothing a second look would take for one


@given(folders, st.sampled_from(["/", "\\"]), plain_names)
def test_a_fax_file_name_drops_its_folders(folder: list[str], separator: str, name: str) -> None:
    assert file_name_safe(separator.join([*folder, name])) == file_name_safe(name)


@given(names)
def test_an_mms_file_name_needs_no_quoting(raw: str) -> None:
    name = requests.safe_file_name(raw)

    assert name
    assert len(name) <= 100 + 1 + 10
    assert set(name) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-")
    assert not name.startswith((".", "_"))
    assert requests.safe_file_name(name) == name


@given(folders, st.sampled_from(["/", "\\"]), plain_names)
def test_an_mms_file_name_drops_its_folders(folder: list[str], separator: str, name: str) -> None:
    assert requests.safe_file_name(separator.join([*folder, name])) == requests.safe_file_name(name)


@given(names)
def test_a_download_name_fits_in_a_content_disposition_header(raw: str) -> None:
    name = proxy.safe_file_name(raw)

    assert name
    assert len(name) <= 120
    assert not set(name) & set("\"'/\\;\r\n")
    assert not controls(name)
    assert name == name.strip(" .")
    assert proxy.safe_file_name(name) == name
    response = HttpResponse()
    response["Content-Disposition"] = f'attachment; filename="{name}"'  # BadHeaderError if not


@given(
    st.text(st.characters(exclude_categories=["Cs"], exclude_characters="./\\"), max_size=40),
    st.text(alphabet="abcXYZ019", min_size=1, max_size=14),
)
def test_an_mms_file_name_keeps_its_extension(stem: str, extension: str) -> None:
    assert requests.safe_file_name(f"{stem}.{extension}").endswith("." + extension[:10])
