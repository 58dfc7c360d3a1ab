"""Message sync: a full sync sets the frame and gives a token; incremental syncs bring what
changed since; a token the platform no longer accepts means starting over."""

from __future__ import annotations

import pytest

from rcapi import Rejected
from rcapi.errors import SYNC_TOKEN_INVALID
from tests.emulator.factories import ancient_day, make_fax, make_sms, unique_number
from tests.rcapi.support import client_for, day_of


def test_it_syncs_fully_then_incrementally(emulator):
    admin_id = int(emulator.user("admin")["extension_id"])
    day = ancient_day()
    theirs = unique_number()
    first = make_sms(emulator.db_path, admin_id, other_number=theirs, created_ts=day + 10)
    make_fax(emulator.db_path, admin_id, created_ts=day + 20)
    with client_for(emulator, "admin") as admin:
        conversation = admin.get_message(message_id=first).conversation_id
        full = admin.sync_messages(
            date_from=day_of(day)[0], message_type=["SMS"], conversation_id=conversation
        )
        assert full.sync_type == "FSync"
        assert [m.id for m in full.records] == [first]
        assert full.sync_token and full.sync_time is not None

        later = make_sms(emulator.db_path, admin_id, other_number=theirs)  # arrives now
        admin.delete_messages(message_ids=first)
        changes = admin.sync_messages(sync_type="ISync", sync_token=full.sync_token)

    assert changes.sync_type == "ISync"
    assert changes.sync_token and changes.sync_token != full.sync_token
    seen = {m.id: m.availability for m in changes.records}  # de-duplicated by id
    assert seen == {later: "Alive", first: "Deleted"}


def test_it_caps_a_full_sync_and_says_older_records_exist(emulator):
    admin_id = int(emulator.user("admin")["extension_id"])
    day = ancient_day()
    for n in range(3):
        make_sms(emulator.db_path, admin_id, created_ts=day + n)
    start, end = day_of(day)
    with client_for(emulator, "admin") as admin:
        capped = admin.sync_messages(date_from=start, date_to=end, record_count=2)
    assert len(capped.records) == 2
    assert capped.older_records_exist is True


def test_it_rejects_a_token_the_platform_cannot_use(emulator):
    with client_for(emulator, "admin") as admin, pytest.raises(Rejected) as refused:
        admin.sync_messages(sync_type="ISync", sync_token="not-a-token")
    assert refused.value.status == 400
    assert refused.value.error_code == SYNC_TOKEN_INVALID


def test_it_needs_a_token_for_an_incremental_sync(emulator):
    with client_for(emulator, "admin") as admin, pytest.raises(ValueError, match="sync_token"):
        admin.sync_messages(sync_type="ISync")
