"""The emulator driven by the official RingCentral Python SDK (`ringcentral==0.9.2`).

Every call goes through `ringcentral.SDK`, so the requests are exactly the ones code written
for the real platform sends.
"""

from __future__ import annotations

import secrets
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from ringcentral import SDK
from ringcentral.http.api_exception import ApiException

from emulator import media
from tests.emulator.openapi import assert_matches_operation, assert_matches_schema
from tests.emulator.test_authorize import CALLBACK, make_verifier, s256, sign_in
from tests.support.emulator import RunningEmulator

ME = "/restapi/v1.0/account/~/extension/~"


def make_sdk(emulator: RunningEmulator, secret: str | None = None) -> SDK:
    creds = emulator.credentials
    return SDK(
        creds["client_id"], secret or creds["client_secret"], emulator.url, "sdk-tests", "1.0"
    )


def status_of(error: ApiException) -> int:
    status: int = error.api_response().response().status_code
    return status


def body_of(error: ApiException) -> dict[str, Any]:
    body: dict[str, Any] = error.api_response().response().json()
    return body


@pytest.fixture
def platform(emulator: RunningEmulator) -> Iterator[Any]:
    """An SDK platform logged in as the agent with the JWT grant."""
    sdk_platform = make_sdk(emulator).platform()
    sdk_platform.login(jwt=emulator.user("agent")["jwt"])
    yield sdk_platform


def test_it_logs_in_with_the_password_grant(emulator):
    user = emulator.user("agent")
    sdk_platform = make_sdk(emulator).platform()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the SDK warns that the password grant is deprecated
        response = sdk_platform.login(username=user["username"], password=user["password"])
    assert response.response().status_code == 200
    assert_matches_operation(response.json_dict(), "getToken", 200)
    assert sdk_platform.logged_in()
    me = sdk_platform.get(ME).json_dict()
    assert me["id"] == user["extension_id"]


def test_it_logs_in_with_a_phone_number_and_extension(emulator):
    user = emulator.user("agent2")
    sdk_platform = make_sdk(emulator).platform()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sdk_platform.login(
            username=user["sms_numbers"][0],
            extension=user["extension_number"],
            password=user["password"],
        )
    assert sdk_platform.get(ME).json_dict()["id"] == user["extension_id"]


def test_it_logs_in_with_the_jwt_grant_and_reads_the_extension(emulator, platform):
    response = platform.get(ME)
    assert response.response().status_code == 200
    body = response.json_dict()
    assert_matches_schema(body, "GetExtensionInfoResponse")
    assert body["id"] == emulator.user("agent")["extension_id"]
    assert str(body["id"]) == platform.auth().data()["owner_id"]


def test_it_logs_in_with_an_authorization_code_and_pkce(emulator):
    verifier = make_verifier()
    back = sign_in(emulator, "admin", code_challenge=s256(verifier), code_challenge_method="S256")
    sdk_platform = make_sdk(emulator).platform()
    sdk_platform.login(code=back["code"], redirect_uri=CALLBACK, verifier=verifier)
    assert sdk_platform.get(ME).json_dict()["id"] == emulator.user("admin")["extension_id"]


def test_it_reports_a_wrong_client_secret_as_an_oauth_error(emulator):
    sdk_platform = make_sdk(emulator, secret="wrong").platform()
    with pytest.raises(ApiException) as failure:
        sdk_platform.login(jwt=emulator.user("agent")["jwt"])
    assert status_of(failure.value) == 401
    assert body_of(failure.value)["error"] == "invalid_client"
    assert "Invalid client credentials" in str(failure.value)


def test_it_reads_the_phone_numbers_and_the_extension_list(emulator, platform):
    numbers = platform.get(ME + "/phone-number", {"perPage": 100}).json_dict()
    assert_matches_operation(numbers, "listExtensionPhoneNumbers", 200)
    senders = [r["phoneNumber"] for r in numbers["records"] if "SmsSender" in r["features"]]
    assert senders == emulator.user("agent")["sms_numbers"]
    listed = platform.get("/restapi/v1.0/account/~/extension", {"status": ["Enabled"]})
    assert_matches_operation(listed.json_dict(), "listExtensions", 200)


def test_it_raises_api_exceptions_with_the_error_envelope(emulator, platform):
    admin = emulator.user("admin")
    with pytest.raises(ApiException) as failure:
        platform.get(f"/restapi/v1.0/account/~/extension/{admin['extension_id']}")
    assert status_of(failure.value) == 403
    assert body_of(failure.value)["errorCode"] == "CMN-419"
    assert "In order to call this API endpoint" in str(failure.value)


def test_it_refreshes_and_kills_the_previous_access_token(emulator, platform):
    old_access = platform.auth().access_token()
    response = platform.refresh()
    assert_matches_operation(response.json_dict(), "getToken", 200)
    assert platform.auth().access_token() != old_access
    assert platform.get(ME).response().status_code == 200
    stale = make_sdk(emulator).platform()
    stale.auth().set_data({"token_type": "bearer", "access_token": old_access, "expires_in": 3600})
    with pytest.raises(ApiException) as failure:
        stale.get(ME)
    assert status_of(failure.value) == 401


def test_it_logs_out_and_refuses_the_revoked_sessions_tokens(emulator, platform):
    access, refresh = platform.auth().access_token(), platform.auth().refresh_token()
    response = platform.logout()
    assert response.response().status_code == 200
    assert platform.auth().access_token() == ""
    revoked = make_sdk(emulator).platform()
    revoked.auth().set_data(
        {"token_type": "bearer", "access_token": access, "expires_in": 3600,
         "refresh_token": refresh, "refresh_token_expires_in": 3600}
    )  # fmt: skip
    with pytest.raises(ApiException) as failure:
        revoked.get(ME)
    assert status_of(failure.value) == 401
    assert body_of(failure.value)["errorCode"] == "TokenInvalid"
    with pytest.raises(ApiException) as refused:
        revoked.refresh()
    assert status_of(refused.value) == 400
    assert body_of(refused.value)["error"] == "invalid_grant"


# --------------------------------------------------------------------------- Messages API

MS = ME + "/message-store"
VND_MULTIPART = "application/vnd.ringcentral.multipart+json"


def fresh_number() -> str:
    """A recipient nobody else's test writes to, so conversations are this test's own."""
    return f"+1415{secrets.randbelow(10**7):07d}"


def send_sms(emulator: RunningEmulator, platform: Any, to: str, text: str) -> dict[str, Any]:
    sender = emulator.user("agent")["sms_numbers"][0]
    response = platform.post(
        ME + "/sms",
        {"from": {"phoneNumber": sender}, "to": [{"phoneNumber": to}], "text": text},
    )
    assert response.response().status_code == 200
    body: dict[str, Any] = response.json_dict()
    return body


def multipart_post(sdk: Any, path: str, body: dict[str, Any], files: list[Any], mixed: bool):
    builder = sdk.create_multipart_builder()
    builder.set_body(body)
    for item in files:
        builder.add(item)
    if mixed:
        builder.set_multipart_mixed(True)
    return sdk.platform().send_request(builder.request(ME + path))


@pytest.fixture
def sdk(emulator: RunningEmulator) -> Any:
    """The whole SDK (for its MultipartBuilder), logged in as the agent with the JWT grant."""
    instance = make_sdk(emulator)
    instance.platform().login(jwt=emulator.user("agent")["jwt"])
    return instance


def test_it_sends_an_sms_and_reads_it_back(emulator, platform):
    to = fresh_number()
    sent = send_sms(emulator, platform, to, "hello from the SDK")
    assert_matches_operation(sent, "createSMSMessage", 200)
    assert sent["type"] == "SMS"
    assert sent["direction"] == "Outbound"
    assert sent["to"][0]["phoneNumber"] == to
    assert sent["subject"] == "hello from the SDK"
    read = platform.get(f"{MS}/{sent['id']}").json_dict()
    # `GetMessageInfoResponse`, not readMessage's `GetSingleMessageInfoResponse`: the emulator
    # leaves out its required `vmSideRecipients`, seen in no sample (REFERENCE §17.8)
    assert_matches_schema(read, "GetMessageInfoResponse")
    assert read["id"] == sent["id"]
    assert read["conversation"]["id"] == str(sent["conversationId"])


@pytest.mark.parametrize("mixed", [False, True], ids=["form-data", "mixed"])
def test_it_sends_an_mms_through_the_multipart_builder(emulator, sdk, mixed):
    image = media.png_image(4, 3, seed=5)
    body = {
        "from": {"phoneNumber": emulator.user("agent")["sms_numbers"][0]},
        "to": [{"phoneNumber": fresh_number()}],
        "text": "a picture",
    }
    response = multipart_post(sdk, "/mms", body, [("pic.png", image, "image/png")], mixed)
    assert response.response().status_code == 200
    sent = response.json_dict()
    assert_matches_operation(sent, "createMMS", 200)
    images = [a for a in sent["attachments"] if a["contentType"] == "image/png"]
    assert len(images) == 1
    content = sdk.platform().get(images[0]["uri"])
    assert content.body() == image


def test_it_sends_a_pager_message(emulator, platform):
    me, other = emulator.user("agent"), emulator.user("agent2")
    response = platform.post(
        ME + "/company-pager",
        {"from": {"extensionNumber": me["extension_number"]},
         "to": [{"extensionNumber": other["extension_number"]}], "text": "pager via SDK"},
    )  # fmt: skip
    assert response.response().status_code == 200
    sent = response.json_dict()
    assert_matches_operation(sent, "createInternalTextMessage", 200)
    assert sent["type"] == "Pager"
    assert other["extension_number"] in {r.get("extensionNumber") for r in sent["to"]}


@pytest.mark.parametrize("mixed", [False, True], ids=["form-data", "mixed"])
def test_it_sends_a_fax_through_the_multipart_builder(sdk, mixed):
    document = media.pdf_document(["SDK fax page"])
    to = fresh_number()
    body = {"to": [{"phoneNumber": to}], "faxResolution": "High", "coverIndex": 2,
            "coverPageText": "from the SDK"}  # fmt: skip
    response = multipart_post(sdk, "/fax", body, [("doc.pdf", document, "application/pdf")], mixed)
    assert response.response().status_code == 200
    sent = response.json_dict()
    assert_matches_operation(sent, "createFaxMessage", 200)
    assert sent["type"] == "Fax"
    assert sent["faxResolution"] == "High"
    assert sent["to"][0]["phoneNumber"] == to


def test_it_lists_the_fax_cover_pages(platform):
    response = platform.get("/restapi/v1.0/dictionary/fax-cover-page")
    body = response.json_dict()
    assert_matches_operation(body, "listFaxCoverPages", 200)
    names = {record["id"]: record["name"] for record in body["records"]}
    assert names["0"] == "None"
    assert names["13"] == "Urgent"


def test_it_lists_messages_with_repeated_filters(emulator, platform):
    sent = send_sms(emulator, platform, fresh_number(), "to be listed")
    response = platform.get(
        MS, {"messageType": ["SMS", "Pager"], "direction": "Outbound", "perPage": 100}
    )
    body = response.json_dict()
    assert_matches_operation(body, "listMessages", 200)
    assert sent["id"] in {record["id"] for record in body["records"]}
    assert all(record["type"] in ("SMS", "Pager") for record in body["records"])
    assert all(record["direction"] == "Outbound" for record in body["records"])


def test_it_reads_several_messages_at_once(emulator, platform):
    first = send_sms(emulator, platform, fresh_number(), "bulk one")
    second = send_sms(emulator, platform, fresh_number(), "bulk two")
    ids = f"{first['id']},{second['id']}"
    response = platform.get(f"{MS}/{ids}")
    assert response.response().status_code == 207
    parts = response.multipart()  # the SDK parses the manifest and one part per id
    assert [part.json_dict()["id"] for part in parts] == [first["id"], second["id"]]
    as_json = platform.get(f"{MS}/{ids}", headers={"Accept": VND_MULTIPART})
    entries = as_json.response().json()
    assert [entry["status"] for entry in entries] == [200, 200]
    assert [entry["resourceId"] for entry in entries] == [str(first["id"]), str(second["id"])]


def test_it_updates_the_read_status_with_put_and_patch(emulator, platform):
    sent = send_sms(emulator, platform, fresh_number(), "mark me")
    put = platform.put(f"{MS}/{sent['id']}", {"readStatus": "Unread"}).json_dict()
    assert_matches_operation(put, "updateMessage", 200)
    assert put["readStatus"] == "Unread"
    patched = platform.patch(f"{MS}/{sent['id']}", {"readStatus": "Read"}).json_dict()
    assert_matches_operation(patched, "patchMessage", 200)
    assert patched["readStatus"] == "Read"
    assert platform.get(f"{MS}/{sent['id']}").json_dict()["readStatus"] == "Read"


def test_it_deletes_restores_and_purges_a_message(emulator, platform):
    sent = send_sms(emulator, platform, fresh_number(), "delete me")
    uri = f"{MS}/{sent['id']}"
    assert platform.delete(uri).response().status_code == 204
    assert platform.get(uri).json_dict()["availability"] == "Deleted"
    restored = platform.patch(uri, {"availability": "Alive"}).json_dict()
    assert restored["availability"] == "Alive"
    assert platform.delete(uri, query_params={"purge": "true"}).response().status_code == 204
    assert platform.get(uri).json_dict()["availability"] == "Purged"


def test_it_deletes_a_conversation_by_filter(emulator, platform):
    to = fresh_number()
    first = send_sms(emulator, platform, to, "conversation one")
    second = send_sms(emulator, platform, to, "conversation two")
    assert first["conversationId"] == second["conversationId"]
    kept = send_sms(emulator, platform, fresh_number(), "another conversation")
    response = platform.delete(MS, query_params={"conversationId": str(first["conversationId"])})
    assert response.response().status_code == 204
    for message in (first, second):
        assert platform.get(f"{MS}/{message['id']}").json_dict()["availability"] == "Deleted"
    assert platform.get(f"{MS}/{kept['id']}").json_dict()["availability"] == "Alive"


def test_it_downloads_attachment_content_with_a_range(emulator, platform):
    sent = send_sms(emulator, platform, fresh_number(), "range me please")
    (text,) = [a for a in sent["attachments"] if a["type"] == "Text"]
    partial = platform.get(text["uri"], headers={"Range": "bytes=0-4"})
    assert partial.response().status_code == 206
    assert partial.body() == b"range"
    assert partial.response().headers["Content-Range"].startswith("bytes 0-4/")
    full = platform.get(text["uri"])
    assert full.response().status_code == 200
    assert full.body() == b"range me please"
    with pytest.raises(ApiException) as failure:
        platform.get(text["uri"], headers={"Range": "bytes=500-600"})
    assert status_of(failure.value) == 416
    assert body_of(failure.value)["errorCode"] == "CMN-107"


def test_it_syncs_fully_then_incrementally(emulator, platform):
    sent = send_sms(emulator, platform, fresh_number(), "sync me")
    full = platform.get(ME + "/message-sync", {"syncType": "FSync"}).json_dict()
    assert_matches_operation(full, "syncMessages", 200)
    assert full["syncInfo"]["syncType"] == "FSync"
    assert sent["id"] in {record["id"] for record in full["records"]}
    platform.put(f"{MS}/{sent['id']}", {"readStatus": "Unread"})
    later = platform.get(
        ME + "/message-sync", {"syncType": "ISync", "syncToken": full["syncInfo"]["syncToken"]}
    ).json_dict()
    assert_matches_operation(later, "syncMessages", 200)
    assert later["syncInfo"]["syncType"] == "ISync"
    changed = {record["id"]: record for record in later["records"]}
    assert changed[sent["id"]]["readStatus"] == "Unread"
