"""The token endpoint: grants, client authentication, rotation and revocation."""

from __future__ import annotations

import time
import uuid
from typing import Any

import requests

from emulator.store import Store, dumps
from tests.emulator.openapi import assert_matches_operation, assert_matches_schema
from tests.support.emulator import RunningEmulator

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
OAUTH_ERROR = "#/components/responses/OauthInvalidRequest/content/application~1json/schema"


def post_token(emulator: RunningEmulator, data: dict[str, str], **kwargs) -> requests.Response:
    creds = emulator.credentials
    kwargs.setdefault("auth", (creds["client_id"], creds["client_secret"]))
    return requests.post(f"{emulator.url}/restapi/oauth/token", data=data, timeout=10, **kwargs)


def revoke(emulator: RunningEmulator, token: str, **kwargs) -> requests.Response:
    creds = emulator.credentials
    kwargs.setdefault("auth", (creds["client_id"], creds["client_secret"]))
    kwargs.setdefault("data", {"token": token})
    return requests.post(f"{emulator.url}/restapi/oauth/revoke", timeout=10, **kwargs)


def refresh(emulator: RunningEmulator, refresh_token: str, **kwargs) -> requests.Response:
    return post_token(
        emulator, {"grant_type": "refresh_token", "refresh_token": refresh_token}, **kwargs
    )


def me(emulator: RunningEmulator, access_token: str) -> requests.Response:
    return requests.get(
        emulator.api("/account/~/extension/~"),
        headers={"Authorization": f"Bearer {access_token}"},
        timeout=10,
    )


def assert_oauth_error(response: requests.Response, status: int, error: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["error"] == error
    assert body["error_description"]
    assert_matches_schema(body, OAUTH_ERROR)
    if status == 400:
        assert_matches_operation(body, "getToken", 400)
    return body


def add_app(emulator: RunningEmulator) -> tuple[str, str]:
    client_id, secret = f"other-{uuid.uuid4().hex[:10]}", "other-secret"
    with Store(emulator.db_path).write() as db:
        db.execute(
            "INSERT INTO app(client_id, client_secret, name, redirect_uris, scope) "
            "VALUES (?, ?, ?, ?, ?)",
            (client_id, secret, "Other app", dumps(["http://127.0.0.1:9/cb"]), "ReadMessages"),
        )
    return client_id, secret


# --------------------------------------------------------------------------- grants


def test_it_issues_the_full_token_response_for_the_password_grant(emulator):
    body = emulator.token("agent")
    assert_matches_operation(body, "getToken", 200)
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600
    assert body["refresh_token_expires_in"] == 604800
    assert body["owner_id"] == str(emulator.user("agent")["extension_id"])
    assert {"access_token", "refresh_token", "scope", "endpoint_id", "session_id"} <= set(body)


def test_it_sends_no_store_headers_with_tokens(emulator):
    user = emulator.user("agent")
    response = post_token(
        emulator,
        {"grant_type": "password", "username": user["username"], "password": user["password"]},
    )
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Type"].startswith("application/json")


def test_it_issues_tokens_for_the_jwt_grant(emulator):
    user = emulator.user("admin")
    response = post_token(emulator, {"grant_type": JWT_GRANT, "assertion": user["jwt"]})
    assert response.status_code == 200
    assert_matches_schema(response.json(), "TokenInfo")
    assert response.json()["owner_id"] == str(user["extension_id"])


def test_it_refuses_an_unknown_jwt(emulator):
    response = post_token(emulator, {"grant_type": JWT_GRANT, "assertion": "eyJ.not.known"})
    assert_oauth_error(response, 400, "invalid_grant")


def test_it_logs_in_with_a_phone_number_and_extension(emulator):
    user = emulator.user("agent")
    for data in (
        {"username": f"{user['sms_numbers'][0]}*{user['extension_number']}"},
        {"username": user["sms_numbers"][0], "extension": user["extension_number"]},
        {"username": user["sms_numbers"][0]},
    ):
        response = post_token(
            emulator, {"grant_type": "password", "password": user["password"], **data}
        )
        assert response.status_code == 200, data
        assert response.json()["owner_id"] == str(user["extension_id"])


def test_it_honours_a_shorter_access_token_ttl(emulator):
    body = emulator.token("agent", access_token_ttl="900", refresh_token_ttl="7200")
    assert body["expires_in"] == 900
    assert body["refresh_token_expires_in"] == 7200
    longer = emulator.token("agent", access_token_ttl="99999")
    assert longer["expires_in"] == 3600  # clamped to the app's default


def test_it_refuses_an_unsupported_grant_type(emulator):
    response = post_token(emulator, {"grant_type": "client_credentials"})
    assert_oauth_error(response, 400, "unsupported_grant_type")


# --------------------------------------------------------------------------- clients


def test_it_refuses_a_wrong_client_secret(emulator):
    user = emulator.user("admin")
    response = post_token(
        emulator,
        {"grant_type": "password", "username": user["username"], "password": user["password"]},
        auth=(emulator.credentials["client_id"], "wrong"),
    )
    body = assert_oauth_error(response, 401, "invalid_client")
    assert body["errors"][0]["errorCode"] == "OAU-146"


def test_it_refuses_an_unknown_client(emulator):
    user = emulator.user("admin")
    data = {"grant_type": "password", "username": user["username"], "password": user["password"]}
    with_basic = post_token(emulator, data, auth=("nobody", "nothing"))
    assert_oauth_error(with_basic, 401, "invalid_client")
    in_body = post_token(emulator, {**data, "client_id": "nobody"}, auth=None)
    assert_oauth_error(in_body, 401, "invalid_client")


def test_it_requires_client_authentication_for_password_and_jwt(emulator):
    user = emulator.user("admin")
    client_id = emulator.credentials["client_id"]
    for data in (
        {"grant_type": "password", "username": user["username"], "password": user["password"]},
        {"grant_type": JWT_GRANT, "assertion": user["jwt"]},
    ):
        response = post_token(emulator, {**data, "client_id": client_id}, auth=None)
        body = assert_oauth_error(response, 401, "invalid_client")
        assert body["errors"][0]["errorCode"] == "OAU-123"


def test_it_refuses_a_garbled_basic_header(emulator):
    response = requests.post(
        f"{emulator.url}/restapi/oauth/token",
        data={"grant_type": "password"},
        headers={"Authorization": "Basic %%%"},
        timeout=10,
    )
    assert_oauth_error(response, 401, "invalid_client")


def test_it_refuses_a_wrong_password(emulator):
    user = emulator.user("agent")
    response = post_token(
        emulator, {"grant_type": "password", "username": user["username"], "password": "nope"}
    )
    body = assert_oauth_error(response, 400, "invalid_grant")
    assert body["errors"][0]["errorCode"] == "OAU-140"


def test_it_accepts_only_form_encoded_bodies(emulator):
    creds = emulator.credentials
    response = requests.post(
        f"{emulator.url}/restapi/oauth/token",
        json={"grant_type": "password"},
        auth=(creds["client_id"], creds["client_secret"]),
        timeout=10,
    )
    assert_oauth_error(response, 415, "invalid_request")


# --------------------------------------------------------------------------- refresh


def test_it_rotates_tokens_and_kills_the_old_access_token(emulator):
    first = emulator.token("agent")
    response = refresh(emulator, first["refresh_token"])
    assert response.status_code == 200
    second = response.json()
    assert_matches_operation(second, "getToken", 200)
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]
    assert second["session_id"] == first["session_id"]
    assert me(emulator, first["access_token"]).status_code == 401
    assert me(emulator, second["access_token"]).status_code == 200
    third = refresh(emulator, second["refresh_token"]).json()
    assert me(emulator, third["access_token"]).status_code == 200
    assert me(emulator, second["access_token"]).status_code == 401


def test_it_repeats_the_same_pair_within_the_grace_period(emulator):
    first = emulator.token("agent")
    again = refresh(emulator, first["refresh_token"]).json()
    once_more = refresh(emulator, first["refresh_token"]).json()
    assert once_more["access_token"] == again["access_token"]
    assert once_more["refresh_token"] == again["refresh_token"]


def test_it_keeps_the_grace_10_s_after_use_and_longer_while_the_new_pair_is_unused(
    emulator_factory,
):
    emulator = emulator_factory()
    used, unused = emulator.token("agent"), emulator.token("agent2")
    used_next = refresh(emulator, used["refresh_token"]).json()
    unused_next = refresh(emulator, unused["refresh_token"]).json()
    assert me(emulator, used_next["access_token"]).status_code == 200
    # the platform's grace after the new access token is first used is 10 s
    time.sleep(10.5)
    refused = refresh(emulator, used["refresh_token"])
    assert_oauth_error(refused, 400, "invalid_grant")
    # unused: the old refresh token keeps answering with the same pair (up to 60 min)
    repeated = refresh(emulator, unused["refresh_token"])
    assert repeated.status_code == 200
    assert repeated.json()["access_token"] == unused_next["access_token"]
    assert repeated.json()["refresh_token"] == unused_next["refresh_token"]
    # the rotated-to tokens of the used session still work
    assert refresh(emulator, used_next["refresh_token"]).status_code == 200


def test_it_refuses_a_refresh_token_of_another_app(emulator):
    first = emulator.token("agent")
    response = refresh(emulator, first["refresh_token"], auth=add_app(emulator))
    assert_oauth_error(response, 400, "invalid_grant")


def test_it_refuses_a_confidential_sessions_refresh_without_the_secret(emulator):
    first = emulator.token("agent")
    response = post_token(
        emulator,
        {"grant_type": "refresh_token", "refresh_token": first["refresh_token"],
         "client_id": emulator.credentials["client_id"]},
        auth=None,
    )  # fmt: skip
    assert_oauth_error(response, 401, "invalid_client")


def test_it_refuses_an_unknown_refresh_token(emulator):
    assert_oauth_error(refresh(emulator, "no-such-token"), 400, "invalid_grant")


def test_it_expires_access_and_refresh_tokens(emulator_factory):
    emulator = emulator_factory("--access-token-ttl", "2", "--refresh-token-ttl", "3")
    body = emulator.token("agent")
    assert body["expires_in"] == 2
    assert me(emulator, body["access_token"]).status_code == 200
    time.sleep(3.2)
    expired = me(emulator, body["access_token"])
    assert expired.status_code == 401
    error = expired.json()
    assert error["errorCode"] == "TokenExpired"
    assert error["errors"][0]["errorCode"] == "OAU-128"
    assert_matches_schema(error, "ApiErrorResponseModel")
    assert_oauth_error(refresh(emulator, body["refresh_token"]), 400, "invalid_grant")


# --------------------------------------------------------------------------- revoke


def test_it_revokes_the_whole_session(emulator):
    first = emulator.token("agent")
    response = revoke(emulator, first["access_token"])
    assert response.status_code == 200
    assert response.content == b""
    assert me(emulator, first["access_token"]).status_code == 401
    assert_oauth_error(refresh(emulator, first["refresh_token"]), 400, "invalid_grant")


def test_it_revokes_the_session_of_a_refresh_token_and_its_rotated_pairs(emulator):
    first = emulator.token("agent")
    second = refresh(emulator, first["refresh_token"]).json()
    assert revoke(emulator, first["refresh_token"]).status_code == 200
    assert me(emulator, second["access_token"]).status_code == 401
    assert refresh(emulator, second["refresh_token"]).status_code == 400


def test_it_leaves_other_sessions_of_the_user_alone(emulator):
    ended, kept = emulator.token("agent"), emulator.token("agent")
    revoke(emulator, ended["access_token"])
    assert me(emulator, kept["access_token"]).status_code == 200


def test_it_takes_the_token_to_revoke_from_the_query(emulator):
    first = emulator.token("agent")
    response = requests.post(
        f"{emulator.url}/restapi/oauth/revoke",
        params={"token": first["access_token"]},
        auth=(emulator.credentials["client_id"], emulator.credentials["client_secret"]),
        timeout=10,
    )
    assert response.status_code == 200
    assert me(emulator, first["access_token"]).status_code == 401


def test_it_answers_200_for_an_unknown_token_and_400_for_none(emulator):
    # RFC 7009 §2.2: an invalid token is not an error of the revocation request
    assert revoke(emulator, "never-issued").status_code == 200
    missing = revoke(emulator, "", data={"token_type_hint": "access_token"})
    assert_oauth_error(missing, 400, "invalid_request")


def test_it_counts_token_and_revoke_in_the_auth_group(emulator):
    revoke(emulator, emulator.token("agent")["access_token"])
    records = emulator.request_counts()["records"]
    seen = {(r["operation"], r["rateGroup"]) for r in records}
    assert {("getToken", "Auth"), ("revokeToken", "Auth")} <= seen
