"""Lenient parsing of records: the shapes the REFERENCE quotes from official samples."""

from __future__ import annotations

from datetime import UTC, datetime

from rcapi.records import (
    Attachment,
    Extension,
    Message,
    MessagePage,
    PhoneNumber,
    Subscription,
    SyncResult,
    as_datetime,
)

BIG_CONVERSATION = 8234962969801171948  # beyond 2**53: must not pass through a float


def test_it_parses_the_sample_inbound_sms():
    record = {
        "uri": "https://platform.ringcentral.com/restapi/v1.0/account/178009004/extension/"
        "178009004/message-store/6424569004",
        "id": 6424569004,
        "to": [{"phoneNumber": "+13125559821"}],
        "from": {"phoneNumber": "+16505558379", "location": "San Mateo, CA"},
        "type": "SMS",
        "creationTime": "2019-05-22T17:07:28.000Z",
        "readStatus": "Unread",
        "priority": "Normal",
        "attachments": [{"id": 6424569004, "type": "Text", "contentType": "text/plain"}],
        "direction": "Inbound",
        "availability": "Alive",
        "subject": "Test SMS",
        "messageStatus": "Received",
        "conversationId": BIG_CONVERSATION,
        "conversation": {"id": str(BIG_CONVERSATION)},
        "lastModifiedTime": "2019-05-22T17:07:28.091Z",
        "somethingNew": {"the platform": "adds fields"},
    }
    message = Message.from_json(record)
    assert message.id == 6424569004
    assert message.conversation_id == BIG_CONVERSATION
    assert message.from_ is not None and message.from_.location == "San Mateo, CA"
    assert message.to[0].phone_number == "+13125559821"
    assert message.creation_time == datetime(2019, 5, 22, 17, 7, 28, tzinfo=UTC)
    assert message.last_modified_time == datetime(2019, 5, 22, 17, 7, 28, 91000, tzinfo=UTC)
    assert message.attachments[0].content_type == "text/plain"
    assert message.raw["somethingNew"] == {"the platform": "adds fields"}
    assert message.fax_page_count is None


def test_it_takes_the_conversation_from_its_string_id_and_string_ids_as_ints():
    """Notification payloads carry ids as strings and no `conversationId` (REFERENCE §16.4)."""
    body = {
        "id": "3062991514017",
        "conversation": {"id": str(BIG_CONVERSATION)},
        "attachments": [{"id": "3062991514017", "type": "Text"}],
        "creationTime": "2018-10-07T12:05:00.408+0000",
    }
    message = Message.from_json(body)
    assert message.id == 3062991514017
    assert message.conversation_id == BIG_CONVERSATION
    assert message.attachments[0].id == 3062991514017
    assert message.creation_time == datetime(2018, 10, 7, 12, 5, 0, 408000, tzinfo=UTC)


def test_it_reads_every_offset_spelling_as_aware_utc():
    for text in ("2020-01-02T03:04:05Z", "2020-01-02T03:04:05+0000", "2020-01-02T03:04:05+00:00"):
        assert as_datetime(text) == datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert as_datetime("2020-01-02T05:04:05+02:00") == datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert as_datetime("yesterday") is None
    assert as_datetime(None) is None


def test_it_accepts_both_spellings_of_the_file_name():
    assert Attachment.from_json({"id": 1, "fileName": "a.png"}).file_name == "a.png"
    assert Attachment.from_json({"id": 1, "filename": "b.pdf"}).file_name == "b.pdf"


def test_it_parses_a_fax_with_recipients_and_type_specific_fields():
    record = {
        "id": 1277646004,
        "to": [{"phoneNumber": "+18774880001", "messageStatus": "Queued"},
               {"phoneNumber": "+18004778345", "messageStatus": "SendingFailed",
                "faxErrorCode": "LineBusy"}],
        "type": "Fax", "faxResolution": "High", "faxPageCount": 0, "coverIndex": 2,
        "coverPageText": "Hi", "attachments": [{"id": 5, "type": "RenderedDocument",
                                                 "contentType": "application/pdf", "size": 99}],
    }  # fmt: skip
    fax = Message.from_json(record)
    assert fax.from_ is None
    assert [p.message_status for p in fax.to] == ["Queued", "SendingFailed"]
    assert fax.to[1].fax_error_code == "LineBusy"
    assert (fax.fax_resolution, fax.fax_page_count, fax.cover_index) == ("High", 0, 2)
    assert fax.attachments[0].size == 99


def test_it_tolerates_a_record_missing_almost_everything():
    message = Message.from_json({"id": 7, "availability": "Purged"})
    assert message.availability == "Purged"
    assert message.to == () and message.attachments == () and message.creation_time is None
    assert Message.from_json("not a dict").id == 0


def test_it_reads_paging_and_whether_a_next_page_exists():
    page = MessagePage.from_json({
        "records": [{"id": 1}, {"id": 2}],
        "paging": {"page": 1, "totalPages": 3, "perPage": 2, "totalElements": 6,
                   "pageStart": 0, "pageEnd": 1},
        "navigation": {"nextPage": {"uri": "…&page=2"}, "firstPage": {"uri": "…"}},
    })  # fmt: skip
    assert [m.id for m in page.records] == [1, 2]
    assert (page.page, page.total_pages, page.page_end, page.has_next) == (1, 3, 1, True)
    assert MessagePage.from_json({"records": [], "paging": {}, "navigation": {}}).has_next is False


def test_it_reads_sync_info():
    result = SyncResult.from_json({
        "records": [{"id": 1, "availability": "Deleted"}],
        "syncInfo": {"syncType": "ISync", "syncToken": "AQEAAA", "syncTime":
                     "2015-11-18T14:16:11.354Z", "olderRecordsExist": False},
    })  # fmt: skip
    assert result.sync_token == "AQEAAA" and result.sync_type == "ISync"
    assert result.records[0].availability == "Deleted"
    assert result.older_records_exist is False


def test_it_reads_the_admin_flag_and_account_of_an_extension():
    extension = Extension.from_json({
        "id": 871817004, "extensionNumber": "101", "name": "Alice Smith", "type": "User",
        "status": "Enabled", "account": {"id": "4000000004"}, "contact": {"email": "a@b.c"},
        "permissions": {"admin": {"enabled": True}},
    })  # fmt: skip
    assert extension.is_admin is True
    assert extension.account_id == 4000000004
    assert extension.email == "a@b.c"
    assert Extension.from_json({"id": 1}).is_admin is False


def test_it_tells_which_numbers_can_send_sms_and_mms():
    number = PhoneNumber.from_json({"id": 3, "phoneNumber": "+18885550101",
                                    "features": ["CallerId", "SmsSender"]})  # fmt: skip
    assert number.can_send_sms and not number.can_send_mms


def test_it_reads_a_subscription():
    subscription = Subscription.from_json({
        "id": "dd2f0ff2-580e-4581-a277-76f9c9a54bc9", "status": "Active",
        "eventFilters": ["/restapi/v1.0/account/1/extension/2/message-store"],
        "expirationTime": "2016-04-06T11:16:23.177Z", "expiresIn": 604799,
        "deliveryMode": {"transportType": "WebHook", "address": "https://x.example/hook"},
    })  # fmt: skip
    assert subscription.address == "https://x.example/hook"
    assert subscription.expires_at == datetime(2016, 4, 6, 11, 16, 23, 177000, tzinfo=UTC)
    assert subscription.event_filters == ("/restapi/v1.0/account/1/extension/2/message-store",)
