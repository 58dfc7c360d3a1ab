"""WebHook subscriptions: the handshake, notifications with the verification token,
blacklisting of a failing receiver, and the subscription API's rules."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from emulator.inbound import inbound_sms
from emulator.store import Store
from tests.emulator.openapi import assert_matches_schema
from tests.support.emulator import RunningEmulator

MS = "/restapi/v1.0/account/~/extension/~/message-store"
INSTANT = "/restapi/v1.0/account/~/extension/~/message-store/instant?type=SMS"


@dataclass
class Receiver:
    """A local webhook endpoint that records what it is sent."""

    url: str = ""
    echo_token: bool = True
    notification_status: int = 200
    received: list[dict[str, Any]] = field(default_factory=list)
    handshakes: int = 0

    def wait_for(self, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.received


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            token = self.headers.get("Validation-Token")
            if token is not None:
                state.handshakes += 1
                self.send_response(200)
                if state.echo_token:
                    self.send_header("Validation-Token", token)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            state.received.append(
                {"headers": dict(self.headers), "body": json.loads(body or b"null")}
            )
            self.send_response(state.notification_status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_port}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def subscribe(
    emulator: RunningEmulator, http: requests.Session, receiver_url: str, **extra: Any
) -> requests.Response:
    body = {
        "eventFilters": [MS, INSTANT],
        "deliveryMode": {"transportType": "WebHook", "address": receiver_url,
                         "verificationToken": "s3cret-token"},
        **extra,
    }  # fmt: skip
    return http.post(emulator.api("/subscription"), json=body, timeout=10)


def inject_sms(emulator: RunningEmulator, to_number: str, text: str) -> int:
    with Store(emulator.db_path).write() as db:
        ids = inbound_sms(db, to_number=to_number, from_number="+14155550142", text=text)
    return ids[0]


def test_it_validates_the_address_and_returns_the_subscription(fresh_emulator, receiver):
    http = fresh_emulator.session("agent")
    response = subscribe(fresh_emulator, http, receiver.url)
    assert response.status_code == 200, response.text
    body = response.json()
    assert receiver.handshakes == 1
    ext = fresh_emulator.user("agent")["extension_id"]
    account = fresh_emulator.credentials["account_id"]
    assert body["eventFilters"] == [
        f"/restapi/v1.0/account/{account}/extension/{ext}/message-store",
        f"/restapi/v1.0/account/{account}/extension/{ext}/message-store/instant?type=SMS",
    ]
    assert body["status"] == "Active"
    assert body["deliveryMode"] == {
        "transportType": "WebHook", "encryption": False, "address": receiver.url,
    }  # fmt: skip
    assert "verificationToken" not in json.dumps(body)
    assert 604790 < body["expiresIn"] <= 604800
    assert_matches_schema(body, "SubscriptionInfo")


def test_it_notifies_an_inbound_sms_with_the_verification_token(fresh_emulator, receiver):
    http = fresh_emulator.session("agent")
    subscription = subscribe(fresh_emulator, http, receiver.url).json()
    agent = fresh_emulator.user("agent")
    message_id = inject_sms(fresh_emulator, agent["sms_numbers"][0], "Is my order ready?")
    received = receiver.wait_for(2)
    assert len(received) == 2
    assert all(r["headers"]["Verification-Token"] == "s3cret-token" for r in received)
    assert all(r["headers"]["User-Agent"].startswith("RingCentral-Webhook") for r in received)
    events = {r["body"]["event"]: r["body"] for r in received}
    store_event = next(b for e, b in events.items() if e.endswith("/message-store"))
    instant = next(b for e, b in events.items() if e.endswith("instant?type=SMS"))
    assert store_event["subscriptionId"] == subscription["id"]
    assert store_event["body"]["changes"] == [
        {"type": "SMS", "newCount": 1, "updatedCount": 0, "newMessageIds": [message_id]}
    ]
    assert instant["body"]["id"] == str(message_id)
    assert instant["body"]["subject"] == "Is my order ready?"
    assert instant["body"]["direction"] == "Inbound"
    assert_matches_schema(store_event, "MessageEvent")
    assert instant["ownerId"] == str(agent["extension_id"])


def test_it_notifies_read_status_changes_and_deletions(fresh_emulator, receiver):
    http = fresh_emulator.session("agent")
    http.post(
        fresh_emulator.api("/subscription"),
        json={"eventFilters": [MS + "?type=SMS"],
              "deliveryMode": {"transportType": "WebHook", "address": receiver.url}},
        timeout=10,
    )  # fmt: skip
    agent = fresh_emulator.user("agent")
    message_id = inject_sms(fresh_emulator, agent["sms_numbers"][0], "hello")
    receiver.wait_for(1)
    with Store(fresh_emulator.db_path).write() as db:
        from emulator.mailstore import update_message

        update_message(db, message_id, read_status="Read")
        update_message(db, message_id, kind="deleted", availability="Deleted")
    received = receiver.wait_for(2)
    assert len(received) >= 2
    updated = sum(
        change["updatedCount"] for r in received[1:] for change in r["body"]["body"]["changes"]
    )
    assert updated == 2
    assert "Verification-Token" not in received[0]["headers"]


def test_it_does_not_notify_other_types_than_the_filter_asks_for(fresh_emulator, receiver):
    http = fresh_emulator.session("agent")
    http.post(
        fresh_emulator.api("/subscription"),
        json={"eventFilters": [MS + "?type=Fax"],
              "deliveryMode": {"transportType": "WebHook", "address": receiver.url}},
        timeout=10,
    )  # fmt: skip
    inject_sms(fresh_emulator, fresh_emulator.user("agent")["sms_numbers"][0], "not a fax")
    time.sleep(1.0)
    assert receiver.received == []


def test_it_blacklists_a_receiver_that_keeps_failing(emulator_factory, receiver):
    emulator = emulator_factory("--webhook-retry-base", "0.1", "--webhook-max-attempts", "3")
    http = emulator.session("agent")
    subscription = subscribe(emulator, http, receiver.url).json()
    receiver.notification_status = 500
    inject_sms(emulator, emulator.user("agent")["sms_numbers"][0], "anyone there?")
    deadline = time.monotonic() + 10
    status = "Active"
    while status == "Active" and time.monotonic() < deadline:
        time.sleep(0.1)
        body = http.get(emulator.api(f"/subscription/{subscription['id']}"), timeout=10).json()
        status = body["status"]
    assert status == "Blacklisted"
    assert body["blacklistedData"]["reason"] == "HTTP 500"
    assert len(receiver.received) >= 3  # retried before giving up


def test_it_refuses_an_address_that_does_not_echo_the_validation_token(fresh_emulator, receiver):
    receiver.echo_token = False
    response = subscribe(fresh_emulator, fresh_emulator.session("agent"), receiver.url)
    assert response.status_code == 400
    assert response.json()["errorCode"] == "SUB-520"


def test_it_refuses_an_unreachable_address(fresh_emulator):
    response = subscribe(
        fresh_emulator, fresh_emulator.session("agent"), "http://127.0.0.1:9/nothing-here"
    )
    assert response.status_code == 400
    assert response.json()["errorCode"] == "SUB-521"


def test_it_refuses_invalid_event_filters(fresh_emulator, receiver):
    http = fresh_emulator.session("agent")
    response = http.post(
        fresh_emulator.api("/subscription"),
        json={"eventFilters": ["/restapi/v1.0/account/~/extension/~/presence",
                               MS + "?type=Carrier"],
              "deliveryMode": {"transportType": "WebHook", "address": receiver.url}},
        timeout=10,
    )  # fmt: skip
    assert response.status_code == 400
    assert response.json()["errorCode"] == "SUB-508"
    assert receiver.handshakes == 0


def test_it_lets_admins_but_not_agents_watch_another_mailbox(fresh_emulator, receiver):
    other = fresh_emulator.user("agent2")["extension_id"]
    filters = [f"/restapi/v1.0/account/~/extension/{other}/message-store"]
    body = {"eventFilters": filters,
            "deliveryMode": {"transportType": "WebHook", "address": receiver.url}}  # fmt: skip
    agent = fresh_emulator.session("agent").post(
        fresh_emulator.api("/subscription"), json=body, timeout=10
    )
    assert agent.status_code == 403
    assert agent.json()["errorCode"] == "SUB-405"
    admin = fresh_emulator.session("admin").post(
        fresh_emulator.api("/subscription"), json=body, timeout=10
    )
    assert admin.status_code == 200


def test_it_caps_subscriptions_at_30_per_user_and_app(fresh_emulator, receiver):
    http = fresh_emulator.session("agent")
    for _ in range(30):
        assert subscribe(fresh_emulator, http, receiver.url).status_code == 200
    refused = subscribe(fresh_emulator, http, receiver.url)
    assert refused.status_code == 403
    assert refused.json()["errorCode"] == "SUB-505"
    listed = http.get(fresh_emulator.api("/subscription"), timeout=10).json()
    assert len(listed["records"]) == 30


def test_it_renews_updates_and_deletes(fresh_emulator, receiver):
    http = fresh_emulator.session("agent")
    created = subscribe(fresh_emulator, http, receiver.url, expiresIn=600).json()
    href = fresh_emulator.api(f"/subscription/{created['id']}")
    renewed = http.post(href + "/renew", timeout=10).json()
    assert 590 < renewed["expiresIn"] <= 600
    updated = http.put(href, json={"expiresIn": 3600, "eventFilters": [MS]}, timeout=10).json()
    assert 3590 < updated["expiresIn"] <= 3600
    assert len(updated["eventFilters"]) == 1
    assert http.put(href, timeout=10).status_code == 200  # an empty body renews
    assert http.delete(href, timeout=10).status_code == 204
    gone = http.get(href, timeout=10)
    assert gone.status_code == 404


def test_it_hides_other_users_subscriptions(fresh_emulator, receiver):
    created = subscribe(fresh_emulator, fresh_emulator.session("agent"), receiver.url).json()
    other = fresh_emulator.session("agent2").get(
        fresh_emulator.api(f"/subscription/{created['id']}"), timeout=10
    )
    assert other.status_code == 404


def test_it_stops_a_subscription_that_was_not_renewed(fresh_emulator, receiver):
    http = fresh_emulator.session("agent")
    created = subscribe(fresh_emulator, http, receiver.url, expiresIn=1).json()
    time.sleep(1.3)
    inject_sms(fresh_emulator, fresh_emulator.user("agent")["sms_numbers"][0], "too late")
    time.sleep(0.8)
    assert receiver.received == []
    expired = http.get(fresh_emulator.api(f"/subscription/{created['id']}"), timeout=10)
    assert expired.status_code == 404
    assert expired.json()["errorCode"] == "SUB-507"


def test_it_notifies_traffic_injected_from_the_command_line(fresh_emulator, receiver):
    import subprocess
    import sys

    from tests.support.emulator import REPO_ROOT

    subscribe(fresh_emulator, fresh_emulator.session("agent"), receiver.url)
    agent = fresh_emulator.user("agent")
    injected = subprocess.run(
        [sys.executable, "-m", "emulator", "inject", "sms", "--db", str(fresh_emulator.db_path),
         "--to-extension", agent["extension_number"], "--from", "+14155550177",
         "--text", "Sent from the command line"],
        cwd=REPO_ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    message_id = json.loads(injected.stdout)["ids"][0]
    received = receiver.wait_for(2)
    instant = next(r["body"] for r in received if r["body"]["event"].endswith("type=SMS"))
    assert instant["body"]["id"] == str(message_id)
    assert instant["body"]["subject"] == "Sent from the command line"
    assert all(r["headers"]["Verification-Token"] == "s3cret-token" for r in received)
