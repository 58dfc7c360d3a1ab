"""The emulator driven by the official RingCentral Python SDK (`ringcentral==0.9.2`).

Every call goes through `ringcentral.SDK`, so the requests are exactly the ones code written
for the real platform sends.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from ringcentral import SDK
from ringcentral.http.api_exception import ApiException

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
