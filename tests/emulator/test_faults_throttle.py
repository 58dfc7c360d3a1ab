"""The throttle fault: every `/restapi` call answered 429 until a moment of the emulator's
clock, with `Retry-After` the time left, so a client that waits as told gets through."""

from __future__ import annotations

import time
from collections.abc import Callable

import requests

from tests.support.emulator import RunningEmulator

ME = "/account/~/extension/~"


def faults_put(emulator: RunningEmulator, **plan: object) -> requests.Response:
    return requests.put(f"{emulator.url}/_emulator/faults", json=plan, timeout=10)


def token_request(emulator: RunningEmulator) -> requests.Response:
    user = emulator.user("agent")
    creds = emulator.credentials
    return requests.post(
        f"{emulator.url}/restapi/oauth/token",
        data={"grant_type": "password", "username": user["username"],
              "password": user["password"]},
        auth=(creds["client_id"], creds["client_secret"]),
        timeout=10,
    )  # fmt: skip


def test_it_answers_every_call_429_until_the_throttle_ends(fresh_emulator: RunningEmulator) -> None:
    http = fresh_emulator.session("agent")  # signed in before the throttle
    until = time.time() + 2
    answer = faults_put(fresh_emulator, throttle_until=until)
    assert answer.status_code == 200, answer.text
    assert answer.json()["throttle_until"] == until

    read = http.get(fresh_emulator.api(ME), timeout=10)
    sign_in = token_request(fresh_emulator)
    for refused in (read, sign_in):
        assert refused.status_code == 429
        assert refused.json()["errorCode"] == "CMN-301"
        assert 1 <= int(refused.headers["Retry-After"]) <= 2
    # nothing is counted against the user's limits, and no header says otherwise
    assert not [name for name in read.headers if name.lower().startswith("x-rate-limit")]
    # the emulator's own controls are not RingCentral's API: never throttled
    assert requests.get(f"{fresh_emulator.url}/_emulator/faults", timeout=10).status_code == 200

    time.sleep(int(read.headers["Retry-After"]))  # as told
    assert http.get(fresh_emulator.api(ME), timeout=10).status_code == 200
    assert token_request(fresh_emulator).status_code == 200


def test_it_counts_the_retry_after_down_to_the_end(fresh_emulator: RunningEmulator) -> None:
    http = fresh_emulator.session("agent")
    assert faults_put(fresh_emulator, throttle_seconds=30).status_code == 200
    first = int(http.get(fresh_emulator.api(ME), timeout=10).headers["Retry-After"])
    time.sleep(1.1)
    second = int(http.get(fresh_emulator.api(ME), timeout=10).headers["Retry-After"])
    assert 29 <= first <= 30
    assert second <= first - 1
    assert requests.delete(f"{fresh_emulator.url}/_emulator/faults", timeout=10).status_code == 204
    assert http.get(fresh_emulator.api(ME), timeout=10).status_code == 200


def test_it_refuses_a_throttle_that_is_not_a_time(fresh_emulator: RunningEmulator) -> None:
    for plan in (
        {"throttle_seconds": -1},
        {"throttle_seconds": "soon"},
        {"throttle_until": "tomorrow"},
        {"throttle_seconds": 5, "throttle_until": time.time() + 5},
    ):
        answer = faults_put(fresh_emulator, **plan)
        assert answer.status_code == 400, plan
        assert "throttle" in answer.json()["message"]


def test_it_takes_the_throttle_from_a_flag_at_start(
    emulator_factory: Callable[..., RunningEmulator],
) -> None:
    emulator = emulator_factory("--throttle-seconds", "30")
    refused = token_request(emulator)
    assert refused.status_code == 429
    # counted from the emulator's start, a moment before this request
    assert 20 <= int(refused.headers["Retry-After"]) <= 30
