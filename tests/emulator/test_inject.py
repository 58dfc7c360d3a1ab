"""`python -m emulator inject`: traffic injected into the store of a running emulator shows up
over HTTP at once; bad input is refused with exit code 2 and one line of explanation."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from emulator import media
from emulator.store import Store
from tests.emulator.openapi import assert_matches_schema
from tests.support.emulator import REPO_ROOT, RunningEmulator

CUSTOMER = "+14155550177"


def inject(db_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "emulator", "inject", *args, "--db", str(db_path)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def injected(db_path: Path, *args: str) -> dict[str, Any]:
    result = inject(db_path, *args)
    assert result.returncode == 0, result.stderr
    created: dict[str, Any] = json.loads(result.stdout)
    return created


def read(emulator: RunningEmulator, who: str, message_id: int) -> dict[str, Any]:
    response = emulator.session(who).get(
        emulator.api(f"/account/~/extension/~/message-store/{message_id}"), timeout=10
    )
    assert response.status_code == 200, response.text
    # The plain record: the emulator leaves out `vmSideRecipients` (REFERENCE §17.8).
    assert_matches_schema(response.json(), "GetMessageInfoResponse")
    body: dict[str, Any] = response.json()
    return body


def test_it_delivers_an_injected_sms_to_a_running_emulator(fresh_emulator):
    agent = fresh_emulator.user("agent")
    http = fresh_emulator.session("agent")

    created = injected(
        fresh_emulator.db_path, "sms", "--to-extension", agent["extension_number"],
        "--from", CUSTOMER, "--text", "<b>Is my order</b> ready? 📦",
    )  # fmt: skip

    assert created["type"] == "SMS" and created["extensionId"] == agent["extension_id"]
    [message_id] = created["ids"]
    record = read(fresh_emulator, "agent", message_id)
    assert record["direction"] == "Inbound" and record["type"] == "SMS"
    assert record["messageStatus"] == "Received" and record["readStatus"] == "Unread"
    assert record["subject"] == "<b>Is my order</b> ready? 📦"
    assert record["from"] == {"phoneNumber": CUSTOMER, "location": "San Francisco, CA"}
    assert record["to"][0]["phoneNumber"] == agent["sms_numbers"][0]
    assert record["to"][0]["target"] is True
    assert [a["type"] for a in record["attachments"]] == ["Text"]
    listed = http.get(
        fresh_emulator.api("/account/~/extension/~/message-store"),
        params={"readStatus": "Unread", "phoneNumber": CUSTOMER}, timeout=10,
    ).json()  # fmt: skip
    assert [r["id"] for r in listed["records"]] == [message_id]
    text = http.get(record["attachments"][0]["uri"], timeout=10)
    assert text.content.decode() == "<b>Is my order</b> ready? 📦"


def test_it_delivers_an_injected_mms_with_its_pictures(fresh_emulator, tmp_path):
    picture = tmp_path / "damage.png"
    picture.write_bytes(media.png_image(120, 90, seed=9))
    card = tmp_path / "contact.vcf"
    card.write_text("BEGIN:VCARD\nFN:Pat\nEND:VCARD\n")

    created = injected(
        fresh_emulator.db_path, "mms", "--to-extension", "103", "--from", CUSTOMER,
        "--file", str(picture), "--file", str(card), "--text", "see attached",
    )  # fmt: skip

    record = read(fresh_emulator, "agent2", created["ids"][0])
    text, image, vcard = record["attachments"]
    assert text["type"] == "Text" and record["subject"] == "see attached"
    assert image["type"] == "MmsAttachment" and image["contentType"] == "image/png"
    assert (image["width"], image["height"], image["fileName"]) == (120, 90, "damage.png")
    assert vcard["contentType"] == "text/vcard" and "width" not in vcard
    download = fresh_emulator.session("agent2").get(image["uri"], timeout=10)
    assert download.content == picture.read_bytes()


def test_it_injects_a_fax_with_a_generated_or_given_pdf(fresh_emulator, tmp_path):
    document = tmp_path / "contract.pdf"
    document.write_bytes(media.pdf_document(["one", "two", "three", "four"]))

    generated = injected(fresh_emulator.db_path, "fax", "--to-extension", "101",
                         "--from", "+12125550148")  # fmt: skip
    given = injected(fresh_emulator.db_path, "fax", "--to-extension", "101",
                     "--from", "+12125550148", "--file", str(document))  # fmt: skip

    first = read(fresh_emulator, "admin", generated["ids"][0])
    second = read(fresh_emulator, "admin", given["ids"][0])
    assert (first["type"], first["faxPageCount"], second["faxPageCount"]) == ("Fax", 2, 4)
    assert second["faxResolution"] == "High" and second["subject"] == "+12125550148"
    assert "to" not in second
    pdf = fresh_emulator.session("admin").get(second["attachments"][0]["uri"], timeout=10)
    assert pdf.headers["Content-Type"].startswith("application/pdf")
    assert pdf.content == document.read_bytes()


def test_it_injects_a_voicemail_by_extension_id(fresh_emulator, tmp_path):
    agent = fresh_emulator.user("agent")
    recording = tmp_path / "message.wav"
    recording.write_bytes(media.wav_tone(4.4))

    generated = injected(fresh_emulator.db_path, "voicemail", "--to-extension",
                         str(agent["extension_id"]), "--from", CUSTOMER)  # fmt: skip
    given = injected(fresh_emulator.db_path, "voicemail", "--to-extension", "102", "--from",
                     CUSTOMER, "--file", str(recording), "--from-name", "Pat Lee")  # fmt: skip

    first = read(fresh_emulator, "agent", generated["ids"][0])
    second = read(fresh_emulator, "agent", given["ids"][0])
    assert first["type"] == "VoiceMail" and first["attachments"][0]["vmDuration"] == 3
    assert second["attachments"][0]["vmDuration"] == 4
    assert second["attachments"][0]["contentType"] == "audio/x-wav"
    assert second["from"]["name"] == "Pat Lee"
    assert second["to"] == [{"name": agent["name"]}]
    assert second["vmTranscriptionStatus"] == "NotAvailable"


def test_it_lets_the_admin_pick_which_number_receives(fresh_emulator):
    created = injected(fresh_emulator.db_path, "sms", "--to-extension", "101", "--from",
                       CUSTOMER, "--to-number", "+18885550101", "--text", "STOP")  # fmt: skip

    record = read(fresh_emulator, "admin", created["ids"][0])
    assert record["to"][0]["phoneNumber"] == "+18885550101"
    assert "location" not in record["to"][0]  # toll-free numbers have no location


@pytest.fixture
def store_copy(emulator_template: Path, tmp_path: Path) -> Path:
    target = tmp_path / "store.sqlite3"
    shutil.copyfile(emulator_template, target)
    return target


def message_count(path: Path) -> int:
    with Store(path).read() as db:
        count: int = db.execute("SELECT COUNT(*) FROM message").fetchone()[0]
        return count


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sms", "--to-extension", "999", "--from", CUSTOMER, "--text", "hi"],
         "unknown extension '999'"),
        (["sms", "--to-extension", "102", "--from", "4155550177", "--text", "hi"],
         "is not an E.164 number"),
        (["sms", "--to-extension", "102", "--from", "+1 415 555 0177", "--text", "hi"],
         "is not an E.164 number"),
        (["sms", "--to-extension", "102", "--from", CUSTOMER], "sms needs --text"),
        (["sms", "--to-extension", "102", "--from", CUSTOMER, "--text", "  "],
         "sms needs --text"),
        (["mms", "--to-extension", "102", "--from", CUSTOMER, "--text", "hi"],
         "mms needs at least one --file"),
        (["mms", "--to-extension", "102", "--from", CUSTOMER, "--file", "/no/such.png"],
         "cannot read /no/such.png"),
        (["sms", "--to-extension", "102", "--from", CUSTOMER, "--text", "x",
          "--to-number", "+16505550101"], "is not an SMS number of extension 102"),
        (["voicemail", "--to-extension", "102", "--from", CUSTOMER, "--text", "hi"],
         "voicemail takes no --text"),
    ],
)  # fmt: skip
def test_it_refuses_bad_input_with_one_line_and_exit_code_2(store_copy, args, message):
    before = message_count(store_copy)

    result = inject(store_copy, *args)

    assert result.returncode == 2
    assert result.stdout == ""
    assert message in result.stderr
    assert result.stderr.count("\n") == 1
    assert message_count(store_copy) == before


def test_it_refuses_files_that_are_not_what_they_claim(store_copy, tmp_path):
    smil = tmp_path / "show.smil"
    smil.write_text("<smil/>")
    not_pdf = tmp_path / "scan.pdf"
    not_pdf.write_bytes(media.png_image(4, 4, seed=1))
    not_wav = tmp_path / "hello.wav"
    not_wav.write_bytes(b"RIFF....WAVEjunk")

    results = [
        inject(store_copy, "mms", "--to-extension", "102", "--from", CUSTOMER,
               "--file", str(smil)),
        inject(store_copy, "fax", "--to-extension", "102", "--from", CUSTOMER,
               "--file", str(not_pdf)),
        inject(store_copy, "voicemail", "--to-extension", "102", "--from", CUSTOMER,
               "--file", str(not_wav)),
    ]  # fmt: skip

    assert [r.returncode for r in results] == [2, 2, 2]
    assert "unsupported MMS media type" in results[0].stderr
    assert "is not a PDF" in results[1].stderr
    assert "is not a PCM WAV" in results[2].stderr


def test_it_refuses_a_store_that_does_not_exist(tmp_path):
    missing = tmp_path / "missing.sqlite3"

    result = inject(missing, "sms", "--to-extension", "102", "--from", CUSTOMER, "--text", "x")

    assert result.returncode == 2
    assert "no store at" in result.stderr
    assert not missing.exists()
