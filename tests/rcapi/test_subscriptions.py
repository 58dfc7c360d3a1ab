"""WebHook subscriptions: create (with the platform's validation handshake answered by a
small local receiver), read, list, renew, update, delete."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from rcapi import Rejected
from tests.emulator.factories import make_sms
from tests.rcapi.support import client_for

INSTANT_SMS = "/restapi/v1.0/account/~/extension/~/message-store/instant?type=SMS"
STORE = "/restapi/v1.0/account/~/extension/~/message-store"


class Receiver:
    """A webhook endpoint: echoes `Validation-Token`, keeps every notification."""

    def __init__(self) -> None:
        self.notifications: list[tuple[dict[str, str], Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                self.send_response(200)
                token = self.headers.get("Validation-Token")
                if token:
                    self.send_header("Validation-Token", token)
                elif body:
                    receiver.notifications.append((dict(self.headers), json.loads(body)))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/ringcentral"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.stop()


def test_it_creates_reads_renews_updates_and_deletes_a_subscription(emulator, receiver):
    admin_id = emulator.user("admin")["extension_id"]
    with client_for(emulator, "admin") as admin:
        created = admin.create_subscription(
            event_filters=[INSTANT_SMS], address=receiver.url,
            verification_token="shared-secret-1", expires_in=3600,
        )  # fmt: skip
        assert created.status == "Active"
        assert created.address == receiver.url
        assert created.transport_type == "WebHook"
        [event_filter] = created.event_filters
        assert "~" not in event_filter  # `~` comes back as real ids
        assert event_filter.endswith(f"/extension/{admin_id}/message-store/instant?type=SMS")
        assert created.expires_in is not None and 3500 < created.expires_in <= 3600

        assert admin.get_subscription(subscription_id=created.id).id == created.id
        assert created.id in [s.id for s in admin.list_subscriptions()]

        renewed = admin.renew_subscription(subscription_id=created.id)
        assert renewed.expires_at is not None and created.expires_at is not None
        assert renewed.expires_at >= created.expires_at

        updated = admin.update_subscription(
            subscription_id=created.id, event_filters=[STORE], expires_in=7200
        )
        assert len(updated.event_filters) == 1 and updated.event_filters[0].endswith(
            f"/extension/{admin_id}/message-store"
        )
        assert updated.expires_in is not None and updated.expires_in > 3600

        admin.delete_subscription(subscription_id=created.id)
        with pytest.raises(Rejected) as gone:
            admin.get_subscription(subscription_id=created.id)
    assert (gone.value.status, gone.value.error_code) == (404, "CMN-120")


def test_it_delivers_with_the_verification_token_it_was_given(emulator, receiver):
    agent_id = int(emulator.user("agent2")["extension_id"])
    with client_for(emulator, "agent2") as agent:
        subscription = agent.create_subscription(
            event_filters=[INSTANT_SMS], address=receiver.url, verification_token="v-token-2"
        )
        try:
            sms = make_sms(emulator.db_path, agent_id, text="Is the shop open?")
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and not receiver.notifications:
                time.sleep(0.1)
        finally:
            agent.delete_subscription(subscription_id=subscription.id)
    assert receiver.notifications, "no notification arrived"
    headers, envelope = receiver.notifications[0]
    assert headers.get("Verification-Token") == "v-token-2"
    assert int(envelope["body"]["id"]) == sms


def test_it_rejects_an_address_that_does_not_answer(emulator, unused_tcp_port):
    with client_for(emulator, "admin") as admin, pytest.raises(Rejected) as refused:
        admin.create_subscription(
            event_filters=[INSTANT_SMS],
            address=f"http://127.0.0.1:{unused_tcp_port}/hook",
            verification_token="t",
        )
    assert (refused.value.status, refused.value.error_code) == (400, "SUB-521")
    assert refused.value.parameter_name == "deliveryMode.address"


def test_it_rejects_an_unknown_event_filter(emulator, receiver):
    with client_for(emulator, "admin") as admin, pytest.raises(Rejected) as refused:
        admin.create_subscription(
            event_filters=["/restapi/v1.0/nothing-here"], address=receiver.url,
            verification_token="t",
        )  # fmt: skip
    assert refused.value.error_code == "SUB-508"


def test_it_rejects_unknown_subscription_ids(emulator):
    unknown = "00000000-0000-4000-8000-000000000000"
    with client_for(emulator, "admin") as admin:
        for action in (
            lambda: admin.renew_subscription(subscription_id=unknown),
            lambda: admin.update_subscription(subscription_id=unknown, expires_in=60),
            lambda: admin.delete_subscription(subscription_id=unknown),
        ):
            with pytest.raises(Rejected) as refused:
                action()
            assert (refused.value.status, refused.value.error_code) == (404, "CMN-120")
        with pytest.raises(ValueError, match="subscription id"):
            admin.get_subscription(subscription_id="../extension")
