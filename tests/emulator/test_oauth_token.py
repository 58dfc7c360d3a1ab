"""The token endpoint: grants, client authentication, rotation and revocation."""

from __future__ import annotations

import time

import requests

from tests.support.emulator import RunningEmulator


def post_token(emulator: RunningEmulator, data: dict[str, str], **kwargs) -> requests.Response:
    creds = emulator.credentials
    kwargs.setdefault("auth", (creds["client_id"], creds["client_secret"]))
    return requests.post(f"{emulator.url}/restapi/oauth/token", data=data, timeout=10, **kwargs)


def me(emulator: RunningEmulator, access_token: str) -> requests.Response:
    return requests.get(
        emulator.api("/account/~/extension/~"),
        headers={"Authorization": f"Bearer {access_token}"},
        timeout=10,
    )


def test_it_issues_the_full_token_response_for_the_password_grant(emulator):
    body = emulator.token("agent")
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600
    assert body["refresh_token_expires_in"] == 604800
    assert body["owner_id"] == str(emulator.user("agent")["extension_id"])
    assert {"access_token", "refresh_token", "scope", "endpoint_id", "session_id"} <= set(body)


def test_it_issues_tokens_for_the_jwt_grant(emulator):
    user = emulator.user("admin")
    response = post_token(
        emulator,
        {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": user["jwt"]},
    )
    assert response.status_code == 200
    assert response.json()["owner_id"] == str(user["extension_id"])


def test_it_refuses_a_wrong_client_secret(emulator):
    user = emulator.user("admin")
    response = post_token(
        emulator,
        {"grant_type": "password", "username": user["username"], "password": user["password"]},
        auth=(emulator.credentials["client_id"], "wrong"),
    )
    assert response.status_code == 401
    body = response.json()
    assert body["error"] == "invalid_client"
    assert body["errors"][0]["errorCode"] == "OAU-146"


def test_it_refuses_a_wrong_password(emulator):
    user = emulator.user("agent")
    response = post_token(
        emulator, {"grant_type": "password", "username": user["username"], "password": "nope"}
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_it_accepts_only_form_encoded_bodies(emulator):
    creds = emulator.credentials
    response = requests.post(
        f"{emulator.url}/restapi/oauth/token",
        json={"grant_type": "password"},
        auth=(creds["client_id"], creds["client_secret"]),
        timeout=10,
    )
    assert response.status_code == 415
    assert response.json()["error"] == "invalid_request"


def test_it_rotates_tokens_and_kills_the_old_access_token(emulator):
    first = emulator.token("agent")
    second = post_token(
        emulator, {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    ).json()
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]
    assert me(emulator, first["access_token"]).status_code == 401
    assert me(emulator, second["access_token"]).status_code == 200


def test_it_repeats_the_same_pair_within_the_grace_period(emulator):
    first = emulator.token("agent")
    data = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    again = post_token(emulator, data).json()
    once_more = post_token(emulator, data).json()
    assert once_more["access_token"] == again["access_token"]
    assert once_more["refresh_token"] == again["refresh_token"]


def test_it_ends_the_old_refresh_token_once_the_new_pair_is_used_and_grace_passes(
    emulator_factory,
):
    emulator = emulator_factory()
    first = emulator.token("agent")
    data = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    second = post_token(emulator, data).json()
    assert me(emulator, second["access_token"]).status_code == 200
    # the grace after first use is 10 s on the platform
    time.sleep(10.5)
    refused = post_token(emulator, data)
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_grant"


def test_it_revokes_the_whole_session(emulator):
    first = emulator.token("agent")
    response = post_token(emulator, {"token": first["access_token"]}).request
    revoke = requests.post(
        f"{emulator.url}/restapi/oauth/revoke",
        data={"token": first["access_token"]},
        auth=(emulator.credentials["client_id"], emulator.credentials["client_secret"]),
        timeout=10,
    )
    assert response is not None
    assert revoke.status_code == 200
    assert me(emulator, first["access_token"]).status_code == 401
    refresh = post_token(
        emulator, {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    )
    assert refresh.status_code == 400
