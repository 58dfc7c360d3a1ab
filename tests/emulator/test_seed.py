"""The demo mailbox: deterministic, varied enough to show every feature, and fast to build."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from emulator import clock, media
from emulator.identity import DEMO_USERS, TEAM_EXTENSIONS
from emulator.mailstore import message_records
from emulator.seed import seed
from emulator.store import Store
from tests.emulator.openapi import assert_matches_schema
from tests.support.emulator import REPO_ROOT

ADMIN, AGENT, AGENT2 = (user.extension_id for user in DEMO_USERS)
SUPPORT_LINE, BILLING = (team.extension_id for team in TEAM_EXTENSIONS)


def seeded(tmp_path: Path, name: str, **options: Any) -> Store:
    return seed(tmp_path / f"{name}.sqlite3", **options)


def content_without_time(store: Store) -> list[tuple[Any, ...]]:
    """Every message and attachment, with the clock-dependent parts left out."""
    with store.read() as db:
        rows: list[tuple[Any, ...]] = []
        for row in db.execute("SELECT * FROM message ORDER BY id"):
            body = json.loads(row["body"])
            body.pop("smsDeliveryTime", None)
            rows.append(
                (row["id"], row["extension_id"], row["type"], row["direction"],
                 row["conversation_id"], row["availability"], row["read_status"],
                 row["message_status"], row["numbers"], json.dumps(body, sort_keys=True))
            )  # fmt: skip
        for row in db.execute("SELECT * FROM attachment ORDER BY id"):
            digest = hashlib.sha256(row["content"]).hexdigest()
            rows.append((row["id"], row["message_id"], row["type"], row["content_type"], digest))
        return rows


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Store:
    return seed(tmp_path_factory.mktemp("demo") / "demo.sqlite3", seed=3, conversations=200)


def all_records(store: Store) -> list[dict[str, Any]]:
    with store.read() as db:
        rows = db.execute("SELECT * FROM message ORDER BY creation_ts, id").fetchall()
        return message_records(db, rows, "http://emulator.test")


def test_it_builds_the_same_mailbox_from_the_same_seed(tmp_path):
    first = content_without_time(seeded(tmp_path, "a", seed=11, conversations=80))
    second = content_without_time(seeded(tmp_path, "b", seed=11, conversations=80))

    assert len(first) > 300
    assert first == second


def test_it_builds_different_mailboxes_from_different_seeds_or_sizes(tmp_path):
    base = content_without_time(seeded(tmp_path, "a", seed=11, conversations=80))

    assert content_without_time(seeded(tmp_path, "b", seed=12, conversations=80)) != base
    assert content_without_time(seeded(tmp_path, "c", seed=11, conversations=81)) != base


def test_it_reseeds_an_existing_store_from_scratch(tmp_path):
    path = tmp_path / "again.sqlite3"
    seed(path, seed=4, conversations=30).close()
    first = content_without_time(Store(path))

    again = seed(path, seed=4, conversations=30)

    assert content_without_time(again) == first


def test_it_spreads_conversations_over_the_last_90_days(demo):
    records = all_records(demo)
    with demo.read() as db:
        oldest, newest = db.execute(
            "SELECT MIN(creation_ts), MAX(creation_ts) FROM message"
        ).fetchone()
        conversations = db.execute(
            "SELECT COUNT(DISTINCT conversation_id) FROM message WHERE type = 'SMS' "
            "AND extension_id IN (?, ?, ?)",
            (ADMIN, AGENT, AGENT2),
        ).fetchone()[0]

    assert clock.now() - oldest <= 90 * 86400 + 3600
    assert clock.now() - oldest > 45 * 86400
    assert newest <= clock.now()
    assert clock.now() - newest < 86400  # something arrived today
    # In the people's mailboxes: 200 with customers, plus the two conversations between demo
    # users and the customer who talks to both agents separately.
    assert 200 <= conversations <= 204
    per_mailbox = Counter(r["extensionId"] for r in records if r["type"] == "SMS")
    assert per_mailbox[str(AGENT)] > per_mailbox[str(ADMIN)]
    assert per_mailbox[str(AGENT2)] > per_mailbox[str(ADMIN)]
    assert per_mailbox[str(ADMIN)] > 0


def test_it_holds_every_type_direction_and_state(demo):
    records = all_records(demo)
    kinds = Counter((r["type"], r["direction"]) for r in records)
    statuses = Counter(r["messageStatus"] for r in records)

    assert set(kinds) == {
        ("SMS", "Inbound"), ("SMS", "Outbound"), ("Pager", "Inbound"), ("Pager", "Outbound"),
        ("Fax", "Inbound"), ("VoiceMail", "Inbound"),
    }  # fmt: skip
    assert {"Received", "Delivered", "Sent", "DeliveryFailed"} <= set(statuses)
    assert statuses["Delivered"] > statuses["Sent"] > statuses["DeliveryFailed"] > 0
    failed = [r for r in records if r["messageStatus"] == "DeliveryFailed"]
    assert all(r["deliveryErrorCode"].startswith("SMS-") for r in failed)
    delivered = [r for r in records if r["messageStatus"] == "Delivered"]
    assert all("smsDeliveryTime" in r for r in delivered)
    assert all(r["readStatus"] == "Read" for r in records if r["direction"] == "Outbound")
    unread = [r for r in records if r["readStatus"] == "Unread"]
    assert unread and all(r["direction"] == "Inbound" for r in unread)
    assert {r["extensionId"] for r in unread} == {
        str(extension) for extension in (ADMIN, AGENT, AGENT2, SUPPORT_LINE, BILLING)
    }
    deleted = [r for r in records if r["availability"] == "Deleted"]
    assert len(deleted) >= 3
    assert {"Fax", "SMS"} <= {r["type"] for r in deleted}


def test_it_keeps_tricky_texts_verbatim(demo):
    records = all_records(demo)
    subjects = [r.get("subject", "") for r in records]
    with demo.read() as db:
        texts = {row[0].decode() for row in db.execute(
            "SELECT content FROM attachment WHERE type = 'Text'")}  # fmt: skip

    tricky_texts = (
        "<script>alert(1)</script>",
        "<b>bold</b> is this working?",
        "Tom &amp; Jerry said 5 < 6 && 7 > 3",
        "<img src=x onerror=alert('xss')>",
    )
    for tricky in tricky_texts:
        assert tricky in subjects
        assert tricky in texts
    assert any("https://" in s for s in subjects)
    assert any("\n" in s for s in subjects)
    assert any(900 <= len(s) <= 1000 for s in subjects)
    assert any(any(ord(ch) > 0x1F000 for ch in s) for s in subjects)  # emoji
    assert any(any("\u0400" <= ch <= "\u04ff" for ch in s) for s in subjects)  # Cyrillic
    assert any(any("\u3040" <= ch <= "\u30ff" for ch in s) for s in subjects)  # Japanese
    assert any(any("\u0600" <= ch <= "\u06ff" for ch in s) for s in subjects)  # Arabic


def test_it_attaches_real_pictures_with_their_size(demo):
    records = all_records(demo)
    pictures = [a for r in records for a in r["attachments"] if a["type"] == "MmsAttachment"]
    with demo.read() as db:
        first = db.execute(
            "SELECT content, width, height FROM attachment WHERE type = 'MmsAttachment' LIMIT 1"
        ).fetchone()

    assert len(pictures) >= 5
    assert all(a["contentType"] == "image/png" and a["width"] and a["height"] for a in pictures)
    assert media.image_size(first["content"]) == (first["width"], first["height"])
    mms = [r for r in records if any(a["type"] == "MmsAttachment" for a in r["attachments"])]
    with_text = [r for r in mms if r.get("subject")]
    assert with_text and all(r["attachments"][0]["type"] == "Text" for r in with_text)
    # A picture sent without words: no subject and no text part.
    assert any(all(a["type"] == "MmsAttachment" for a in r["attachments"]) for r in mms)
    assert {r["direction"] for r in mms} == {"Inbound", "Outbound"}


def test_it_shares_threads_between_the_mailboxes_that_hold_them(demo):
    records = all_records(demo)
    by_conversation: dict[str, set[str]] = {}
    for r in records:
        if "conversation" in r:
            by_conversation.setdefault(r["conversation"]["id"], set()).add(r["extensionId"])
    groups = [r for r in records if r["type"] == "SMS" and len(r["to"]) >= 3]
    pager = [r for r in records if r["type"] == "Pager"]

    # A group MMS with a customer and both agents, in both agents' mailboxes.
    assert groups
    group_id = groups[0]["conversation"]["id"]
    assert by_conversation[group_id] == {str(AGENT), str(AGENT2)}
    targets = [p for r in groups for p in r["to"] if p.get("target")]
    assert targets and all(p["phoneNumber"] for p in targets)
    # SMS between two demo users: the sender's and the recipient's copy.
    between_users = [
        r for r in records
        if r["type"] == "SMS" and r["from"]["phoneNumber"].startswith("+1650555010")
        and r["direction"] == "Inbound" and len(r["to"]) == 1
    ]  # fmt: skip
    assert between_users and all(r["from"].get("name") for r in between_users)
    assert all(len(by_conversation[r["conversation"]["id"]]) == 2 for r in between_users)
    # Pager threads: every message in both mailboxes with one conversation id.
    assert len({r["conversationId"] for r in pager}) >= 3
    for conversation_id in {r["conversation"]["id"] for r in pager}:
        assert len(by_conversation[conversation_id]) >= 2
    outbound_pager = [r for r in pager if r["direction"] == "Outbound"]
    assert all(r["to"][-1]["extensionId"] == r["from"]["extensionId"] for r in outbound_pager)
    # One customer talks to both agents in separate conversations.
    customers: dict[str, set[str]] = {}
    for r in records:
        if r["type"] == "SMS" and r["direction"] == "Inbound" and len(r["to"]) == 1:
            customers.setdefault(r["from"]["phoneNumber"], set()).add(r["extensionId"])
    assert any(boxes == {str(AGENT), str(AGENT2)} for boxes in customers.values())


def test_it_receives_faxes_with_real_pdfs_and_voicemails_with_real_audio(demo):
    records = all_records(demo)
    faxes = [r for r in records if r["type"] == "Fax"]
    voicemails = [r for r in records if r["type"] == "VoiceMail"]
    with demo.read() as db:
        documents = {
            row["message_id"]: row["content"]
            for row in db.execute("SELECT message_id, content FROM attachment "
                                  "WHERE type IN ('RenderedDocument', 'AudioRecording')")
        }  # fmt: skip

    # 10 for the people, 2 for Support Line and 1 for Billing
    assert len(faxes) == 13
    assert len({r["faxPageCount"] for r in faxes}) >= 3
    for fax in faxes:
        assert fax["attachments"][0]["contentType"] == "application/pdf"
        assert media.pdf_page_count(documents[fax["id"]]) == fax["faxPageCount"]
        assert fax["subject"] == fax["from"]["phoneNumber"] and "to" not in fax
    assert len(voicemails) == 11  # 10 for the people, 1 for Support Line
    for voicemail in voicemails:
        recording = voicemail["attachments"][0]
        assert recording["contentType"] == "audio/x-wav"
        seconds = media.wav_duration(documents[voicemail["id"]])
        assert 2 <= seconds <= 8
        assert recording["vmDuration"] == round(seconds)
        assert "conversationId" not in voicemail and "subject" not in voicemail


def test_it_makes_records_the_spec_accepts(demo):
    records = all_records(demo)
    samples: dict[tuple[str, str, str], dict[str, Any]] = {}
    for record in records:
        samples.setdefault((record["type"], record["direction"], record["messageStatus"]), record)

    assert len(samples) >= 8
    for record in samples.values():
        assert_matches_schema(record, "GetMessageInfoResponse")


def test_it_names_numbers_it_can_place_and_only_those(demo):
    records = all_records(demo)
    inbound_sms = [r for r in records if r["type"] == "SMS" and r["direction"] == "Inbound"]

    assert any("name" in r["from"] for r in inbound_sms)  # contacts
    assert any("name" not in r["from"] for r in inbound_sms)  # strangers
    assert all("location" not in r["from"] for r in inbound_sms
               if r["from"]["phoneNumber"][2:5] in ("316", "573", "907", "413"))  # fmt: skip
    assert any(r["from"].get("location") == "San Francisco, CA" for r in inbound_sms)


def test_it_seeds_1000_conversations_quickly(tmp_path):
    started = time.monotonic()
    store = seeded(tmp_path, "big", seed=1, conversations=1000)
    elapsed = time.monotonic() - started

    with store.read() as db:
        assert db.execute("SELECT COUNT(*) FROM message").fetchone()[0] > 4000
    assert elapsed < 10


def test_it_seeds_the_test_template_in_well_under_three_seconds(tmp_path):
    started = time.monotonic()
    seeded(tmp_path, "template", seed=7, conversations=60)

    assert time.monotonic() - started < 3


def test_it_seeds_from_the_command_line(tmp_path):
    path = tmp_path / "cli.sqlite3"
    result = subprocess.run(
        [sys.executable, "-m", "emulator", "seed", "--db", str(path), "--seed", "5",
         "--conversations", "25"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert content_without_time(Store(path)) == content_without_time(
        seeded(tmp_path, "same", seed=5, conversations=25)
    )
    assert not Path(f"{path}-wal").exists() or Path(f"{path}-wal").stat().st_size == 0
