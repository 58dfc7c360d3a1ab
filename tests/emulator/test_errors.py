"""Error answers of the API gateway and the access rules (REFERENCE §13)."""

from __future__ import annotations

from typing import Any

import requests

from tests.emulator.openapi import assert_matches_schema
from tests.support.emulator import RunningEmulator


def call(emulator: RunningEmulator, path: str, token: str | None = None, **headers: str):
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return requests.get(emulator.api(path), headers=headers, timeout=10)


def assert_api_error(response: requests.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers.get("RCRequestId")
    body: dict[str, Any] = response.json()
    assert body["errorCode"] == code
    assert body["message"]
    assert_matches_schema(body, "ApiErrorResponseModel")
    return body


def test_it_answers_a_request_without_authorization_with_agw_401(emulator):
    body = assert_api_error(call(emulator, "/account/~/extension/~"), 401, "AGW-401")
    assert body["message"] == "Authorization header is not specified"
    assert body["errors"][0]["errorCode"] == "AGW-401"


def test_it_answers_an_unknown_token_with_token_invalid_and_oau_149(emulator):
    response = call(emulator, "/account/~/extension/~", token="not-a-token")
    body = assert_api_error(response, 401, "TokenInvalid")
    assert body == {
        "errorCode": "TokenInvalid",
        "message": "OAuth token is invalid",
        "errors": [{"errorCode": "OAU-149", "message": "OAuth token is invalid"}],
    }


def test_it_answers_another_authorization_scheme_with_oau_151(emulator):
    response = call(emulator, "/account/~/extension/~", Authorization="Basic Zm9vOmJhcg==")
    assert_api_error(response, 401, "OAU-151")


def test_it_refuses_a_revoked_token(emulator):
    token = emulator.token("agent")
    creds = emulator.credentials
    requests.post(
        f"{emulator.url}/restapi/oauth/revoke",
        data={"token": token["access_token"]},
        auth=(creds["client_id"], creds["client_secret"]),
        timeout=10,
    ).raise_for_status()
    response = call(emulator, "/account/~/extension/~", token=token["access_token"])
    body = assert_api_error(response, 401, "TokenInvalid")
    assert body["errors"][0]["errorCode"] == "OAU-213"


def test_it_answers_an_unknown_route_with_agw_404(emulator):
    response = requests.get(f"{emulator.url}/restapi/v1.0/no-such-thing", timeout=10)
    assert response.status_code == 404
    # the gateway's observed body has an empty errors[] (REFERENCE §13.1)
    assert response.json() == {
        "errorCode": "AGW-404",
        "message": "Resource not found",
        "errors": [],
    }


def test_it_hides_other_accounts_with_cmn_102(emulator):
    token = emulator.token("admin")["access_token"]
    response = call(emulator, "/account/987654321/extension/~", token=token)
    body = assert_api_error(response, 404, "CMN-102")
    assert body["message"] == "Resource for parameter [accountId] is not found"
    assert body["parameterName"] == "accountId"
    assert body["errors"][0]["parameterName"] == "accountId"
    assert_matches_schema(body, "ParameterizedErrorResponseModel")


def test_it_refuses_an_agent_reading_the_admins_extension_with_cmn_419(emulator):
    admin = emulator.user("admin")
    token = emulator.token("agent")["access_token"]
    response = call(emulator, f"/account/~/extension/{admin['extension_id']}", token=token)
    body = assert_api_error(response, 403, "CMN-419")
    assert body["message"] == (
        "In order to call this API endpoint for another extension, user needs to have "
        "[ReadExtensions] permission granted with extended scope"
    )


def test_it_lets_an_admin_read_an_agents_extension(emulator):
    agent = emulator.user("agent")
    token = emulator.token("admin")["access_token"]
    response = call(emulator, f"/account/~/extension/{agent['extension_id']}", token=token)
    assert response.status_code == 200
    assert response.json()["id"] == agent["extension_id"]


def test_it_refuses_an_agent_reading_another_agents_extension(emulator):
    other = emulator.user("agent2")
    token = emulator.token("agent")["access_token"]
    response = call(emulator, f"/account/~/extension/{other['extension_id']}", token=token)
    assert_api_error(response, 403, "CMN-419")


def test_it_answers_a_non_numeric_extension_id_with_cmn_102(emulator):
    token = emulator.token("agent")["access_token"]
    response = call(emulator, "/account/~/extension/abc", token=token)
    body = assert_api_error(response, 404, "CMN-102")
    assert body["parameterName"] == "extensionId"


def test_it_answers_oauth_errors_in_the_rfc_6749_shape(emulator):
    response = requests.post(
        f"{emulator.url}/restapi/oauth/token",
        data={"grant_type": "password", "username": "x", "password": "y"},
        timeout=10,
    )
    assert response.status_code == 401
    body = response.json()
    assert set(body) == {"error", "error_description", "errors"}
    assert body["error"] == "invalid_client"
    assert body["errors"][0] == {
        "errorCode": "OAU-123",
        "message": "Client authentication is required",
    }
    assert_matches_schema(
        body, "#/components/responses/OauthInvalidRequest/content/application~1json/schema"
    )
