"""readMessageContent: `GET …/message-store/{messageId}/content/{attachmentId}` (REFERENCE §7)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
import requests

from emulator.mailstore import NewAttachment
from tests.emulator.factories import (
    attachment_ids,
    make_fax,
    make_sms,
    make_voicemail,
)

CONTENT = bytes(range(256)) * 40  # 10,240 bytes, every byte value


@pytest.fixture(scope="module")
def admin_id(emulator):
    return emulator.user("admin")["extension_id"]


@pytest.fixture(scope="module")
def fax(emulator, admin_id):
    """(message id, attachment uri) of a fax with CONTENT as its document."""
    message_id = make_fax(emulator.db_path, admin_id, content=CONTENT)
    record = (
        emulator.session("admin")
        .get(emulator.api(f"/account/~/extension/~/message-store/{message_id}"), timeout=10)
        .json()
    )
    return message_id, record["attachments"][0]["uri"]


def download(emulator, uri, which="admin", **headers):
    return emulator.session(which).get(uri, headers=headers, timeout=30)


def test_it_sends_the_whole_attachment_with_its_headers(emulator, fax):
    message_id, uri = fax
    attachment_id = attachment_ids(emulator.db_path, message_id)[0]

    response = download(emulator, uri)

    assert response.status_code == 200
    assert response.content == CONTENT
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Length"] == str(len(CONTENT))
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.headers["Content-Disposition"] == f"inline;filename={attachment_id}.pdf"
    assert "Content-Range" not in response.headers


def test_it_names_the_file_as_asked(emulator, admin_id):
    voicemail = make_voicemail(emulator.db_path, admin_id)
    attachment_id = attachment_ids(emulator.db_path, voicemail)[0]
    uri = emulator.api(f"/account/~/extension/~/message-store/{voicemail}/content/{attachment_id}")

    as_file = download(emulator, f"{uri}?contentDisposition=Attachment")
    assert as_file.headers["Content-Type"] == "audio/x-wav"
    assert as_file.headers["Content-Disposition"] == f"attachment;filename={attachment_id}.wav"
    named = download(emulator, f"{uri}?contentDispositionFilename=greeting.wav")
    assert named.headers["Content-Disposition"] == "inline;filename=greeting.wav"
    spaced = download(emulator, f"{uri}?contentDispositionFilename=my%20message.wav")
    assert spaced.headers["Content-Disposition"] == (
        "inline;filename=\"my message.wav\";filename*=UTF-8''my%20message.wav"
    )
    refused = download(emulator, f"{uri}?contentDisposition=Download")
    assert refused.status_code == 400
    assert refused.json()["message"] == "Parameter [contentDisposition] value is invalid."


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        ("bytes=0-3", 0, 3),
        ("bytes=100-199", 100, 199),
        ("bytes=10000-", 10000, 10239),
        ("bytes=-5", 10235, 10239),
        ("bytes=10230-99999", 10230, 10239),  # the end is clamped to the content
        ("bytes=-99999", 0, 10239),
    ],
)
def test_it_answers_a_single_range_with_206(emulator, fax, header, first, last):
    response = download(emulator, fax[1], Range=header)

    assert response.status_code == 206
    assert response.content == CONTENT[first : last + 1]
    assert response.headers["Content-Range"] == f"bytes {first}-{last}/{len(CONTENT)}"
    assert response.headers["Content-Length"] == str(last - first + 1)


@pytest.mark.parametrize("header", ["bytes=10240-", "bytes=20000-20010", "bytes=-0"])
def test_it_answers_an_unsatisfiable_range_with_416_cmn_107(emulator, fax, header):
    response = download(emulator, fax[1], Range=header)

    assert response.status_code == 416
    assert response.headers["Content-Range"] == f"bytes */{len(CONTENT)}"
    assert response.json()["errorCode"] == "CMN-107"
    assert response.json()["message"] == "Requested Range Not Satisfiable"


@pytest.mark.parametrize("header", ["bytes=0-1,5-6", "items=0-3", "bytes=9-2", "bytes=x-"])
def test_it_ignores_ranges_it_does_not_serve_and_sends_everything(emulator, fax, header):
    response = download(emulator, fax[1], Range=header)
    assert response.status_code == 200 and response.content == CONTENT


def test_it_takes_the_access_token_from_the_query_string(emulator, fax):
    token = emulator.token("admin")["access_token"]
    response = requests.get(f"{fax[1]}?access_token={token}", timeout=10)
    assert response.status_code == 200 and response.content == CONTENT
    assert requests.get(fax[1], timeout=10).status_code == 401


def test_it_serves_the_text_of_an_sms(emulator, admin_id):
    sms = make_sms(emulator.db_path, admin_id, text="Grüße, see you at 5")
    text_id = attachment_ids(emulator.db_path, sms)[0]
    uri = emulator.api(f"/account/~/extension/~/message-store/{sms}/content/{text_id}")
    response = download(emulator, uri)
    assert response.headers["Content-Type"].startswith("text/plain")
    assert response.content.decode() == "Grüße, see you at 5"


def test_it_answers_404_for_unknown_attachments_and_messages(emulator, fax, admin_id):
    message_id, uri = fax
    base = uri.rsplit("/content/", 1)[0]
    other = make_sms(emulator.db_path, admin_id)
    foreign = attachment_ids(emulator.db_path, other)[0]

    for wrong, name in [
        (f"{base}/content/123456", "attachmentId"),
        (f"{base}/content/{foreign}", "attachmentId"),  # belongs to another message
        (f"{base}/content/abc", "attachmentId"),
        (uri.replace(f"/message-store/{message_id}/", "/message-store/987654321/"), "messageId"),
    ]:
        response = download(emulator, wrong)
        assert response.status_code == 404, wrong
        assert response.json()["errorCode"] == "CMN-102"
        assert response.json()["errors"][0]["parameterName"] == name


def test_it_answers_404_for_the_attachment_of_a_purged_message(emulator, admin_id):
    purged = make_fax(emulator.db_path, admin_id, availability="Purged")
    attachment_id = attachment_ids(emulator.db_path, purged)[0]  # not erased by the factory
    uri = emulator.api(f"/account/~/extension/~/message-store/{purged}/content/{attachment_id}")
    response = download(emulator, uri)
    assert response.status_code == 404
    assert response.json()["message"] == "Resource for parameter [attachmentId] is not found"


def test_it_lets_only_admins_download_from_another_mailbox(emulator):
    agent = emulator.user("agent")
    fax_id = make_fax(emulator.db_path, agent["extension_id"], content=b"%PDF-agent")
    attachment_id = attachment_ids(emulator.db_path, fax_id)[0]
    path = f"/message-store/{fax_id}/content/{attachment_id}"
    theirs = emulator.api(f"/account/~/extension/{agent['extension_id']}{path}")
    assert download(emulator, theirs, "admin").content == b"%PDF-agent"
    admin_id = emulator.user("admin")["extension_id"]
    refused = download(emulator, emulator.api(f"/account/~/extension/{admin_id}{path}"), "agent")
    assert refused.status_code == 403 and refused.json()["errorCode"] == "CMN-419"


def resident_peak_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    assert match, status
    return int(match.group(1))


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_it_streams_a_30_mb_attachment_without_holding_it_in_memory(fresh_emulator):
    admin_id = fresh_emulator.user("admin")["extension_id"]
    size = 30 * 1024 * 1024
    big = (hashlib.sha256(b"seed").digest() * (size // 32 + 1))[:size]
    video = NewAttachment("MmsAttachment", "video/mp4", big, "clip.mp4")
    sms = make_sms(fresh_emulator.db_path, admin_id, attachments=[video])
    small, large = attachment_ids(fresh_emulator.db_path, sms)
    base = fresh_emulator.api(f"/account/~/extension/~/message-store/{sms}/content")
    http = fresh_emulator.session("admin")
    assert http.get(f"{base}/{small}", timeout=10).status_code == 200  # warm the code paths
    before = resident_peak_kib(fresh_emulator.process.pid)

    digest, received = hashlib.sha256(), 0
    with http.get(f"{base}/{large}", stream=True, timeout=60) as response:
        assert response.status_code == 200
        assert response.headers["Content-Length"] == str(size)
        for chunk in response.iter_content(chunk_size=1 << 20):
            digest.update(chunk)
            received += len(chunk)
    growth_kib = resident_peak_kib(fresh_emulator.process.pid) - before

    assert received == size
    assert digest.digest() == hashlib.sha256(big).digest()
    assert growth_kib < 8 * 1024, f"the server's peak memory grew by {growth_kib} KiB"
    tail = http.get(f"{base}/{large}", headers={"Range": f"bytes={size - 10}-"}, timeout=10)
    assert tail.status_code == 206 and tail.content == big[-10:]
