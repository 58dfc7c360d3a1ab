"""User-level rate limits: headers, the 429 at the limit, and the penalty that restarts."""

from __future__ import annotations

import time

import requests

from tests.support.emulator import RunningEmulator

ME = "/account/~/extension/~"


def get_me(emulator: RunningEmulator, http: requests.Session) -> requests.Response:
    return http.get(emulator.api(ME), timeout=10)


def test_it_sends_rate_headers_on_every_answer_of_a_limited_operation(emulator_factory):
    emulator = emulator_factory("--rate-limit", "Light=5", rate_limits=True)
    http = emulator.session("agent")
    remaining = []
    for _ in range(5):
        response = get_me(emulator, http)
        assert response.status_code == 200
        assert response.headers["X-Rate-Limit-Group"] == "light"
        assert response.headers["X-Rate-Limit-Limit"] == "5"
        assert response.headers["X-Rate-Limit-Window"] == "60"
        remaining.append(int(response.headers["X-Rate-Limit-Remaining"]))
    assert remaining == [4, 3, 2, 1, 0]


def test_it_answers_429_with_retry_after_at_the_limit(emulator_factory):
    emulator = emulator_factory("--rate-limit", "Light=3", "--rate-penalty", "7", rate_limits=True)
    http = emulator.session("agent")
    for _ in range(3):
        assert get_me(emulator, http).status_code == 200
    refused = get_me(emulator, http)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "7"
    assert refused.headers["X-Rate-Limit-Remaining"] == "0"
    assert refused.headers["X-Rate-Limit-Group"] == "light"
    body = refused.json()
    assert body["errorCode"] == "CMN-301"
    assert body["errors"][0] == {"errorCode": "CMN-301", "message": "Request rate exceeded"}


def test_it_counts_each_user_separately(emulator_factory):
    emulator = emulator_factory("--rate-limit", "Light=2", rate_limits=True)
    agent, admin = emulator.session("agent"), emulator.session("admin")
    assert get_me(emulator, agent).status_code == 200
    assert get_me(emulator, agent).status_code == 200
    assert get_me(emulator, agent).status_code == 429
    assert get_me(emulator, admin).status_code == 200


def test_it_restarts_the_penalty_on_every_request_made_during_it(emulator_factory):
    # a 1 s window and a 2 s penalty: after 1 s only the penalty can refuse a request
    emulator = emulator_factory(
        "--rate-limit", "Light=2", "--rate-window", "1", "--rate-penalty", "2", rate_limits=True
    )
    http = emulator.session("agent")
    get_me(emulator, http), get_me(emulator, http)
    assert get_me(emulator, http).status_code == 429  # penalty until t+2
    time.sleep(1.5)
    assert get_me(emulator, http).status_code == 429  # restarts: until t+3.5
    time.sleep(1.0)
    # without the restart the penalty would have ended at t+2
    assert get_me(emulator, http).status_code == 429  # restarts again: until t+4.5
    time.sleep(2.2)
    assert get_me(emulator, http).status_code == 200


def test_it_limits_sign_ins_in_the_auth_group_per_user(emulator_factory):
    emulator = emulator_factory("--rate-limit", "Auth=2", rate_limits=True)
    emulator.token("agent")
    emulator.token("agent")
    user = emulator.user("agent")
    creds = emulator.credentials
    refused = requests.post(
        f"{emulator.url}/restapi/oauth/token",
        data={"grant_type": "password", "username": user["username"],
              "password": user["password"]},
        auth=(creds["client_id"], creds["client_secret"]),
        timeout=10,
    )  # fmt: skip
    assert refused.status_code == 429
    assert refused.headers["X-Rate-Limit-Group"] == "auth"
    assert emulator.token("admin")["access_token"]


def test_it_scales_the_window_for_fast_runs(emulator_factory):
    emulator = emulator_factory("--rate-scale", "10", rate_limits=True)
    response = get_me(emulator, emulator.session("agent"))
    assert response.headers["X-Rate-Limit-Window"] == "6"
    assert response.headers["X-Rate-Limit-Limit"] == "50"


def test_it_sends_no_rate_headers_when_limits_are_off(emulator):
    response = get_me(emulator, emulator.session("agent"))
    assert response.status_code == 200
    assert "X-Rate-Limit-Limit" not in response.headers


def test_it_changes_limits_at_run_time(emulator_factory):
    emulator = emulator_factory(rate_limits=True)
    changed = requests.put(
        f"{emulator.url}/_emulator/rate-limits", json={"limits": {"Light": 1}}, timeout=10
    )
    assert changed.json()["limits"]["Light"] == 1
    http = emulator.session("agent")
    assert get_me(emulator, http).status_code == 200
    assert get_me(emulator, http).status_code == 429


def test_it_counts_every_group_with_its_own_headers(emulator_factory):
    """One real operation of each group: Light, Medium, Heavy and Auth."""
    emulator = emulator_factory("--rate-scale", "10", rate_limits=True)
    token = emulator.token("agent")  # an Auth request
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {token['access_token']}"
    agent = emulator.user("agent")
    answers = {
        "light": http.get(emulator.api(ME), timeout=10),
        "medium": http.post(
            emulator.api(ME + "/company-pager"),
            json={"to": [{"extensionNumber": agent["extension_number"]}], "text": "hi"},
            timeout=10,
        ),
        "heavy": http.post(
            emulator.api(ME + "/fax"),
            files={"attachment": ("note.txt", b"hello", "text/plain")},
            data={"to": "+16505550199"},
            timeout=10,
        ),
    }
    limits = {"light": "50", "medium": "40", "heavy": "10"}
    for group, response in answers.items():
        assert response.status_code == 200, (group, response.text)
        assert response.headers["X-Rate-Limit-Group"] == group
        assert response.headers["X-Rate-Limit-Limit"] == limits[group]
        assert response.headers["X-Rate-Limit-Remaining"] == str(int(limits[group]) - 1)
        assert response.headers["X-Rate-Limit-Window"] == "6"
    sign_in = requests.post(
        f"{emulator.url}/restapi/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
        auth=(emulator.credentials["client_id"], emulator.credentials["client_secret"]),
        timeout=10,
    )
    assert sign_in.headers["X-Rate-Limit-Group"] == "auth"
    assert sign_in.headers["X-Rate-Limit-Limit"] == "5"
    assert sign_in.headers["X-Rate-Limit-Remaining"] == "3"  # the sign-in was the first


def test_it_refuses_the_eleventh_fax_of_a_minute(emulator_factory):
    emulator = emulator_factory(rate_limits=True)
    http = emulator.session("agent")
    statuses = [
        http.post(
            emulator.api(ME + "/fax"),
            files={"attachment": ("note.txt", b"hello", "text/plain")},
            data={"to": "+16505550199"},
            timeout=10,
        ).status_code
        for _ in range(11)
    ]
    assert statuses == [200] * 10 + [429]
