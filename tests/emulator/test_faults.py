"""Faults on demand, each seen from a real client request."""

from __future__ import annotations

import sqlite3
import time

import pytest
import requests

from tests.support.emulator import RunningEmulator

ME = "/account/~/extension/~"


def set_faults(emulator: RunningEmulator, **plan) -> requests.Response:
    response = requests.put(f"{emulator.url}/_emulator/faults", json=plan, timeout=10)
    assert response.status_code == 200, response.text
    return response


def timed_get(emulator: RunningEmulator, http: requests.Session) -> tuple[float, int]:
    started = time.monotonic()
    status = http.get(emulator.api(ME), timeout=10).status_code
    return time.monotonic() - started, status


def test_it_adds_latency_and_removes_it(fresh_emulator):
    http = fresh_emulator.session("agent")
    set_faults(fresh_emulator, latency=400)
    slow, status = timed_get(fresh_emulator, http)
    assert status == 200
    assert slow >= 0.4
    requests.delete(f"{fresh_emulator.url}/_emulator/faults", timeout=10)
    fast, _ = timed_get(fresh_emulator, http)
    assert fast < 0.3


def test_it_draws_latency_from_a_distribution(fresh_emulator):
    http = fresh_emulator.session("agent")
    set_faults(fresh_emulator, latency="100-250")
    delays = [timed_get(fresh_emulator, http)[0] for _ in range(5)]
    assert all(0.1 <= d < 0.6 for d in delays)


def test_it_answers_a_share_of_requests_with_503(fresh_emulator):
    http = fresh_emulator.session("agent")
    set_faults(fresh_emulator, error_rate=1.0)
    response = http.get(fresh_emulator.api(ME), timeout=10)
    assert response.status_code == 503
    assert response.json()["errorCode"] == "CMN-201"
    set_faults(fresh_emulator, error_rate=0.0)
    assert http.get(fresh_emulator.api(ME), timeout=10).status_code == 200


def test_it_answers_every_nth_request_with_503_counting_from_the_new_plan(fresh_emulator):
    http = fresh_emulator.session("agent")
    http.get(fresh_emulator.api(ME), timeout=10)  # counted under the old plan, not the new one
    set_faults(fresh_emulator, error_every=3)
    statuses = [http.get(fresh_emulator.api(ME), timeout=10).status_code for _ in range(7)]
    assert statuses == [200, 200, 503, 200, 200, 503, 200]
    set_faults(fresh_emulator, error_every=0)
    assert [http.get(fresh_emulator.api(ME), timeout=10).status_code for _ in range(3)] == [200] * 3


def test_it_refuses_a_count_of_errors_that_is_not_a_whole_number(fresh_emulator):
    answer = requests.put(
        f"{fresh_emulator.url}/_emulator/faults", json={"error_every": 2.5}, timeout=10
    )
    assert answer.status_code == 400
    assert "error_every" in answer.json()["message"]


def test_it_carries_out_a_hanging_request_before_holding_it(fresh_emulator):
    set_faults(fresh_emulator, hang_rate=1.0, hang_seconds=3)
    user = fresh_emulator.user("agent")
    creds = fresh_emulator.credentials
    with pytest.raises(requests.Timeout):
        requests.post(
            f"{fresh_emulator.url}/restapi/oauth/token",
            data={"grant_type": "password", "username": user["username"],
                  "password": user["password"]},
            auth=(creds["client_id"], creds["client_secret"]),
            timeout=1,
        )  # fmt: skip
    db = sqlite3.connect(fresh_emulator.db_path)
    sessions = db.execute(
        "SELECT COUNT(*) FROM oauth_session WHERE extension_id = ?", (user["extension_id"],)
    ).fetchone()[0]
    db.close()
    assert sessions == 1  # the token was issued although the client never saw it


def test_it_forces_429_for_one_user_and_group(fresh_emulator):
    agent, admin = fresh_emulator.session("agent"), fresh_emulator.session("admin")
    set_faults(
        fresh_emulator,
        forced_429=[{"extension_id": fresh_emulator.user("agent")["extension_id"],
                     "group": "Light"}],
    )  # fmt: skip
    refused = agent.get(fresh_emulator.api(ME), timeout=10)
    assert refused.status_code == 429
    assert refused.json()["errorCode"] == "CMN-301"
    assert int(refused.headers["Retry-After"]) > 0
    assert admin.get(fresh_emulator.api(ME), timeout=10).status_code == 200


def test_it_revokes_a_users_tokens(fresh_emulator):
    agent = fresh_emulator.session("agent")
    assert agent.get(fresh_emulator.api(ME), timeout=10).status_code == 200
    ended = requests.post(
        f"{fresh_emulator.url}/_emulator/revoke",
        json={"extensionId": fresh_emulator.user("agent")["extension_id"]},
        timeout=10,
    )
    assert ended.json()["sessionsEnded"] == 1
    refused = agent.get(fresh_emulator.api(ME), timeout=10)
    assert refused.status_code == 401


def test_it_refuses_unknown_fault_settings(fresh_emulator):
    response = requests.put(
        f"{fresh_emulator.url}/_emulator/faults", json={"explode": True}, timeout=10
    )
    assert response.status_code == 400


def test_it_takes_faults_from_flags_at_start(emulator_factory):
    emulator = emulator_factory("--error-rate", "1")
    creds = emulator.credentials
    response = requests.post(
        f"{emulator.url}/restapi/oauth/token",
        data={"grant_type": "password", "username": "x", "password": "y"},
        auth=(creds["client_id"], creds["client_secret"]),
        timeout=10,
    )
    assert response.status_code == 503
    assert response.json()["errorCode"] == "CMN-201"


def attachment_url(emulator: RunningEmulator, size: int) -> str:
    from tests.emulator.factories import attachment_ids, make_fax

    agent = emulator.user("agent")
    message_id = make_fax(emulator.db_path, agent["extension_id"], content=b"%PDF" + bytes(size))
    attachment_id = attachment_ids(emulator.db_path, message_id)[0]
    return emulator.api(
        f"/account/~/extension/~/message-store/{message_id}/content/{attachment_id}"
    )


def test_it_trickles_attachment_streams(fresh_emulator):
    url = attachment_url(fresh_emulator, 40_000)
    set_faults(fresh_emulator, stream_bytes_per_second=40_000)
    started = time.monotonic()
    body = fresh_emulator.session("agent").get(url, timeout=10).content
    assert len(body) == 40_004
    assert time.monotonic() - started >= 0.9


def test_it_cuts_attachment_streams_mid_way(fresh_emulator):
    url = attachment_url(fresh_emulator, 200_000)
    set_faults(fresh_emulator, stream_cut_after_bytes=50_000)
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        fresh_emulator.session("agent").get(url, timeout=10).content  # noqa: B018
    requests.delete(f"{fresh_emulator.url}/_emulator/faults", timeout=10)
    assert len(fresh_emulator.session("agent").get(url, timeout=10).content) == 200_004
