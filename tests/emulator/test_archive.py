"""`python -m emulator archive` and `emulator.archive.insert_sms_bulk`: a long history written
in bulk is the same as messages written one by one — listed over HTTP by date, paged, with
their text attachment and conversation, in the change feed — and the ids it took are never
handed out again."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Any

from emulator.archive import OldSms, insert_sms_bulk
from emulator.mailstore import insert_message, sms_conversation_id
from emulator.store import Store
from tests.emulator.openapi import assert_matches_schema
from tests.support.emulator import REPO_ROOT

DAY = 86400.0


def listed(emulator: Any, **params: Any) -> dict[str, Any]:
    answer = emulator.session("agent").get(
        emulator.api("/account/~/extension/~/message-store"), params=params, timeout=30
    )
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_bulk_written_history_is_listed_like_any_message(fresh_emulator):
    agent = fresh_emulator.user("agent")
    own = agent["sms_numbers"][0]
    old = time.time() - 400 * DAY
    store = Store(fresh_emulator.db_path)
    with store.write() as db:
        ids = insert_sms_bulk(
            db,
            account_id=int(fresh_emulator.credentials["account_id"]),
            extension_id=agent["extension_id"],
            own=own,
            messages=[
                OldSms("+14155550190", "First, long ago", old, inbound=True),
                OldSms("+14155550190", "Our answer", old + 60, inbound=False),
                OldSms("+14155550191", "Gone", old + 120, inbound=True, availability="Deleted"),
            ],
        )
        after = insert_message(
            db, account_id=int(fresh_emulator.credentials["account_id"]),
            extension_id=agent["extension_id"], type="SMS", direction="Inbound",
            read_status="Unread", message_status="Received", body={"subject": "next"},
        )  # fmt: skip
        logged = db.execute(
            f"SELECT message_id, kind FROM change_log WHERE message_id IN ({','.join('?' * 3)})",  # noqa: S608
            ids,
        ).fetchall()
    store.close()

    assert after not in ids and after > max(ids)  # the counter moved past the bulk's ids
    assert sorted((row["message_id"], row["kind"]) for row in logged) == [
        (i, "created") for i in sorted(ids)
    ]
    day = time.strftime("%Y-%m-%d", time.gmtime(old))
    page = listed(
        fresh_emulator, dateFrom=f"{day}T00:00:00Z", dateTo=f"{day}T23:59:59Z",
        availability=["Alive", "Deleted"], perPage=2,
    )  # fmt: skip
    assert_matches_schema(page, "GetMessageList")
    assert [r["id"] for r in page["records"]] == [ids[2], ids[1]]  # newest first, paged
    assert page["paging"]["totalElements"] == 3
    first = page["records"][1]
    assert first["subject"] == "Our answer" and first["direction"] == "Outbound"
    assert first["from"] == {"phoneNumber": own} and first["to"] == [
        {"phoneNumber": "+14155550190"}
    ]
    assert first["conversationId"] == sms_conversation_id([own, "+14155550190"])
    assert [a["type"] for a in first["attachments"]] == ["Text"]
    assert page["records"][0]["availability"] == "Deleted"
    alive = listed(fresh_emulator, dateFrom=f"{day}T00:00:00Z", dateTo=f"{day}T23:59:59Z")
    assert [r["id"] for r in alive["records"]] == [ids[1], ids[0]]


def test_the_archive_command_fills_a_mailbox_beyond_the_window(fresh_emulator):
    done = subprocess.run(
        [sys.executable, "-m", "emulator", "archive", "--extension", "102", "--messages", "2500",
         "--days", "100", "--before-days", "40", "--customers", "25",
         "--db", str(fresh_emulator.db_path)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    created = json.loads(done.stdout)
    assert created == {"extensionId": fresh_emulator.user("agent")["extension_id"],
                       "messages": 2500}  # fmt: skip
    newest = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 39.5 * DAY))
    page = listed(fresh_emulator, dateFrom="2000-01-01T00:00:00Z", dateTo=newest, perPage=1000)
    assert page["paging"]["totalElements"] >= 2500
    unknown = subprocess.run(
        [sys.executable, "-m", "emulator", "archive", "--extension", "999",
         "--db", str(fresh_emulator.db_path)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert unknown.returncode == 2 and "unknown extension" in unknown.stderr
