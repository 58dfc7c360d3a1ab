"""The Message Store through the client: list, read (one or many), read status, restore,
delete by id and by conversation — each with the typed failure a caller has to handle.

Tests on the shared emulator add their own messages on a day of 2001-2003 nobody else uses
(`ancient_day`), with correspondents nobody else uses (`unique_number`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from rcapi import BulkResult, Message, Rejected
from tests.emulator.factories import (
    ancient_day,
    make_fax,
    make_sms,
    message_row,
    unique_number,
)
from tests.rcapi.support import client_for, count_of, day_of


@pytest.fixture
def admin(emulator):
    with client_for(emulator, "admin") as client:
        yield client


@pytest.fixture
def admin_id(emulator) -> int:
    return int(emulator.user("admin")["extension_id"])


# --------------------------------------------------------------------------- list


def test_it_lists_with_repeated_filters_and_typed_records(emulator, admin, admin_id):
    day = ancient_day()
    theirs = unique_number()
    inbound = make_sms(emulator.db_path, admin_id, other_number=theirs, created_ts=day + 60)
    make_sms(emulator.db_path, admin_id, other_number=theirs, direction="Outbound",
             created_ts=day + 120)  # fmt: skip
    fax = make_fax(emulator.db_path, admin_id, created_ts=day + 180)
    start, end = day_of(day)

    page = admin.list_messages(
        message_type=["SMS", "Fax"], direction=["Inbound"], date_from=start, date_to=end
    )

    assert [m.id for m in page.records] == [fax, inbound]  # newest first
    sms = page.records[1]
    assert isinstance(sms.id, int) and sms.conversation_id is not None
    assert sms.conversation_id > 2**53  # int64 kept exact
    assert sms.creation_time == start + timedelta(seconds=60)
    assert sms.from_ is not None and sms.from_.phone_number == theirs
    assert page.total_elements == 2 and page.has_next is False


def test_it_pages_and_says_when_there_is_more(emulator, admin, admin_id):
    day = ancient_day()
    for n in range(3):
        make_sms(emulator.db_path, admin_id, created_ts=day + n)
    start, end = day_of(day)
    first = admin.list_messages(date_from=start, date_to=end, per_page=2)
    last = admin.list_messages(date_from=start, date_to=end, per_page=2, page=2)
    assert (len(first.records), first.has_next, first.total_pages) == (2, True, 2)
    assert (len(last.records), last.has_next, last.page_start) == (1, False, 2)


def test_it_narrows_to_a_conversation_or_a_number(emulator, admin, admin_id):
    day = ancient_day()
    theirs = unique_number()
    wanted = make_sms(emulator.db_path, admin_id, other_number=theirs, created_ts=day + 5)
    make_sms(emulator.db_path, admin_id, created_ts=day + 6)
    start, end = day_of(day)
    conversation = admin.get_message(message_id=wanted).conversation_id
    assert conversation is not None
    by_conversation = admin.list_messages(conversation_id=conversation, date_from=start)
    by_number = admin.list_messages(phone_number=theirs, date_from=start, date_to=end)
    assert [m.id for m in by_conversation.records] == [wanted]
    assert [m.id for m in by_number.records] == [wanted]


def test_it_shows_deleted_messages_only_when_asked(emulator, admin, admin_id):
    day = ancient_day()
    gone = make_sms(emulator.db_path, admin_id, created_ts=day + 1, availability="Deleted")
    start, end = day_of(day)
    assert admin.list_messages(date_from=start, date_to=end).records == ()
    shown = admin.list_messages(availability=["Deleted"], date_from=start, date_to=end)
    assert [m.id for m in shown.records] == [gone]


def test_it_reports_an_invalid_filter_as_rejected(admin):
    with pytest.raises(Rejected) as refused:
        admin.list_messages(page=0)
    assert (refused.value.status, refused.value.error_code) == (400, "CMN-101")
    assert refused.value.parameter_name == "page"


def test_it_refuses_one_string_where_a_list_of_values_belongs(emulator, admin):
    before = count_of(emulator)
    with pytest.raises(TypeError, match="messageType"):
        admin.list_messages(message_type="SMS")
    assert count_of(emulator) == before


def test_it_refuses_an_agent_reading_another_extension(emulator, admin_id):
    with client_for(emulator, "agent") as agent, pytest.raises(Rejected) as refused:
        agent.list_messages(extension_id=admin_id)
    assert (refused.value.status, refused.value.error_code) == (403, "CMN-419")


def test_it_lets_an_admin_read_another_extension(emulator, admin):
    agent_id = int(emulator.user("agent")["extension_id"])
    day = ancient_day()
    mine = make_sms(emulator.db_path, agent_id, created_ts=day + 1)
    start, end = day_of(day)
    page = admin.list_messages(extension_id=agent_id, date_from=start, date_to=end)
    assert [m.id for m in page.records] == [mine]
    assert page.records[0].extension_id == agent_id


# --------------------------------------------------------------------------- read


def test_it_gets_one_message(emulator, admin, admin_id):
    sms = make_sms(emulator.db_path, admin_id, text="Where is my order?")
    message = admin.get_message(message_id=sms)
    assert (message.id, message.type, message.subject) == (sms, "SMS", "Where is my order?")
    assert message.direction == "Inbound" and message.read_status == "Unread"
    assert message.raw["id"] == sms


def test_it_rejects_an_unknown_message_id(admin):
    with pytest.raises(Rejected) as refused:
        admin.get_message(message_id=999_999_999_999)
    assert (refused.value.status, refused.value.error_code) == (404, "CMN-102")
    assert refused.value.parameter_name == "messageId"


@pytest.mark.parametrize("answers", ["json", "mixed"])
def test_it_gets_several_messages_in_one_request(emulator, admin_id, answers):
    first, second = (make_sms(emulator.db_path, admin_id) for _ in range(2))
    missing = 999_999_999_998
    with client_for(emulator, "admin", bulk_answers=answers) as admin:
        results = admin.get_messages(message_ids=[first, missing, second])
    assert [r.resource_id for r in results] == [first, missing, second]
    assert [r.status for r in results] == [200, 404, 200]
    assert results[0].message is not None and results[0].message.id == first
    assert isinstance(results[1].error, Rejected)
    assert results[1].error.error_code == "CMN-102"
    assert results[1].message is None


def test_it_answers_a_one_id_list_like_a_bulk_one(emulator, admin, admin_id):
    sms = make_sms(emulator.db_path, admin_id)
    [found] = admin.get_messages(message_ids=[sms])
    [missing] = admin.get_messages(message_ids=[999_999_999_997])
    assert found.ok and found.message is not None and found.message.id == sms
    assert missing.status == 404 and isinstance(missing.error, Rejected)


def test_it_refuses_empty_and_oversized_id_lists_before_any_request(emulator, admin):
    before = count_of(emulator)
    with pytest.raises(ValueError, match="at least one"):
        admin.get_messages(message_ids=[])
    with pytest.raises(ValueError, match="at most 50"):
        admin.get_messages(message_ids=list(range(1, 52)))
    with pytest.raises(ValueError, match="at least one"):
        admin.delete_messages(message_ids=[])
    with pytest.raises(ValueError, match="positive integer"):
        admin.get_message(message_id="1/../../extension")
    with pytest.raises(ValueError, match="positive integer"):
        admin.download_attachment(message_id=1, attachment_id=-5)
    assert count_of(emulator) == before


# --------------------------------------------------------------------------- read status


def test_it_marks_one_message_read_and_unread(emulator, admin, admin_id):
    sms = make_sms(emulator.db_path, admin_id)
    read = admin.update_read_status(message_ids=sms, read_status="Read")
    assert isinstance(read, Message) and read.read_status == "Read"
    unread = admin.update_read_status(message_ids=sms, read_status="Unread")
    assert unread.read_status == "Unread"


def test_it_marks_several_messages_read_with_a_result_each(emulator, admin, admin_id):
    ids = [make_sms(emulator.db_path, admin_id) for _ in range(3)]
    results = admin.update_read_status(message_ids=[*ids, 999_999_999_996], read_status="Read")
    assert [r.status for r in results] == [200, 200, 200, 404]
    assert all(r.message is not None and r.message.read_status == "Read" for r in results[:3])
    assert all(message_row(emulator.db_path, i)["read_status"] == "Read" for i in ids)


def test_it_rejects_marking_an_unknown_message(admin):
    with pytest.raises(Rejected) as refused:
        admin.update_read_status(message_ids=999_999_999_995, read_status="Read")
    assert refused.value.error_code == "CMN-102"


# --------------------------------------------------------------------------- delete / restore


def test_it_deletes_restores_and_purges_one_message(emulator, admin, admin_id):
    sms = make_sms(emulator.db_path, admin_id)
    assert admin.delete_messages(message_ids=sms) is None
    assert admin.get_message(message_id=sms).availability == "Deleted"
    restored = admin.restore_messages(message_ids=sms)
    assert restored.availability == "Alive"
    admin.delete_messages(message_ids=sms, purge=True)
    assert admin.get_message(message_id=sms).availability == "Purged"
    with pytest.raises(Rejected) as refused:
        admin.restore_messages(message_ids=sms)
    assert (refused.value.error_code, refused.value.parameter_name) == ("CMN-101", "availability")


def test_it_deletes_several_messages_at_once(emulator, admin, admin_id):
    ids = [make_sms(emulator.db_path, admin_id) for _ in range(3)]
    results = admin.delete_messages(message_ids=ids)
    assert [(r.resource_id, r.status) for r in results] == [(i, 204) for i in ids]
    assert all(message_row(emulator.db_path, i)["availability"] == "Deleted" for i in ids)
    restored = admin.restore_messages(message_ids=ids)
    assert [r.message.availability for r in restored if r.message] == ["Alive"] * 3


def test_it_reports_each_failed_id_of_a_bulk_delete(emulator, admin, admin_id):
    sms = make_sms(emulator.db_path, admin_id)
    missing = 999_999_999_994
    results = admin.delete_messages(message_ids=[sms, missing])
    assert [r.status for r in results] == [204, 404]
    failed: BulkResult = results[1]
    assert failed.resource_id == missing and isinstance(failed.error, Rejected)
    with pytest.raises(Rejected) as refused:
        admin.delete_messages(message_ids=missing)
    assert (refused.value.status, refused.value.error_code) == (404, "CMN-102")


def test_it_deletes_whole_conversations(emulator, admin, admin_id):
    theirs = unique_number()
    ids = [make_sms(emulator.db_path, admin_id, other_number=theirs) for _ in range(2)]
    conversation = admin.get_message(message_id=ids[0]).conversation_id
    assert conversation is not None
    kept = make_sms(emulator.db_path, admin_id)
    admin.delete_conversations(conversation_ids=[conversation])
    assert [message_row(emulator.db_path, i)["availability"] for i in ids] == ["Deleted"] * 2
    assert message_row(emulator.db_path, kept)["availability"] == "Alive"


def test_it_deletes_by_type_and_date(fresh_emulator):
    admin_id = int(fresh_emulator.user("admin")["extension_id"])
    day = ancient_day()
    old_fax = make_fax(fresh_emulator.db_path, admin_id, created_ts=day)
    old_sms = make_sms(fresh_emulator.db_path, admin_id, created_ts=day)
    with client_for(fresh_emulator, "admin") as admin:
        admin.delete_conversations(message_type="Fax", date_to=day_of(day)[1])
    assert message_row(fresh_emulator.db_path, old_fax)["availability"] == "Deleted"
    assert message_row(fresh_emulator.db_path, old_sms)["availability"] == "Alive"


def test_it_refuses_to_delete_conversations_without_any_filter(emulator, admin, admin_id):
    """The bare DELETE …/message-store would empty the mailbox: nothing may be sent."""
    kept = make_sms(emulator.db_path, admin_id)
    before = emulator.request_counts()
    with pytest.raises(ValueError, match="whole mailbox"):
        admin.delete_conversations()
    with pytest.raises(ValueError, match="whole mailbox"):
        admin.delete_conversations(conversation_ids=[], purge=True)
    with pytest.raises(ValueError, match="at most 50"):
        admin.delete_conversations(conversation_ids=list(range(1, 52)))
    assert emulator.request_counts() == before
    assert message_row(emulator.db_path, kept)["availability"] == "Alive"


def test_it_rejects_conversations_and_type_together(emulator, admin):
    with pytest.raises(Rejected) as refused:
        admin.delete_conversations(conversation_ids=[123], message_type="SMS")
    assert (refused.value.status, refused.value.error_code) == (400, "MSG-390")


def test_it_accepts_only_aware_datetimes(admin):
    with pytest.raises(ValueError, match="timezone-aware"):
        admin.list_messages(date_from=datetime(2020, 1, 1))
    admin.list_messages(date_from=datetime(2020, 1, 1, tzinfo=UTC), per_page=1)
