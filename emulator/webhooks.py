"""WebHook delivery (REFERENCE §16.4, §16.5): the validation handshake, turning the change
feed into notifications, and delivering them in the background with retries.

Notifications come from `change_log`, which every change to a message writes, so traffic
created by `python -m emulator inject` in another process is notified like any other.
A failing address is retried with doubling delays; after `webhook_max_attempts` failures
of one notification the subscription is blacklisted, as the platform does (the platform's
own retry schedule is not documented).
"""

from __future__ import annotations

import logging
import secrets
import sqlite3
import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from emulator import clock
from emulator.config import Config
from emulator.errors import ApiError
from emulator.event_filters import EventFilter, from_text
from emulator.inbound import full_name
from emulator.jobs import background_job
from emulator.mailstore import attachments_of, message_record
from emulator.store import Store, dumps, loads

log = logging.getLogger("emulator.webhooks")

USER_AGENT = "RingCentral-Webhook/8.3"
MAX_HANDSHAKE_BYTES = 1024

_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def validate_address(address: str, config: Config) -> None:
    """The creation handshake: POST with `Validation-Token`, which must come back echoed
    in a 200 answer within the time limit, headers and body within 1 KB."""
    token = secrets.token_hex(16)
    try:
        answer = requests.post(
            address,
            data=b"",
            headers={"Validation-Token": token, "Content-Type": "application/json",
                     "User-Agent": USER_AGENT},
            timeout=config.webhook_validation_timeout,
            allow_redirects=False,
        )  # fmt: skip
    except requests.RequestException as exc:
        raise ApiError(
            400, "SUB-521", "WebHook is not reachable", parameter_name="deliveryMode.address"
        ) from exc
    size = len(answer.content) + sum(len(k) + len(v) + 4 for k, v in answer.headers.items())
    if answer.status_code != 200 or size > MAX_HANDSHAKE_BYTES:
        raise ApiError(
            400, "SUB-525", "WebHook server response is invalid",
            parameter_name="deliveryMode.address",
        )  # fmt: skip
    if answer.headers.get("Validation-Token") != token:
        raise ApiError(
            400, "SUB-520", "Validation Token is not returned",
            parameter_name="deliveryMode.address",
        )  # fmt: skip


# --------------------------------------------------------------------------- payloads


def _envelope(subscription: sqlite3.Row, event: str, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "uuid": str(secrets.randbits(62)),
        "event": event,
        "timestamp": clock.iso(clock.now()),
        "subscriptionId": subscription["id"],
        "ownerId": str(subscription["extension_id"]),
        "body": body,
    }


def message_store_body(
    event_filter: EventFilter, changes: list[sqlite3.Row], now: float
) -> dict[str, Any]:
    """`MessageEventBody`: counts per message type; which messages changed is not said
    beyond `newMessageIds` (clients re-query, typically with message-sync)."""
    by_type: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"newCount": 0, "updatedCount": 0, "newMessageIds": []}
    )
    for change in changes:
        entry = by_type[change["message_type"]]
        if change["kind"] == "created":
            entry["newCount"] += 1
            entry["newMessageIds"].append(change["message_id"])
        else:
            entry["updatedCount"] += 1
    return {
        "accountId": event_filter.account_id,
        "extensionId": str(event_filter.extension_id),
        "lastUpdated": clock.iso(max(c["ts"] for c in changes) if changes else now),
        "changes": [{"type": kind, **counts} for kind, counts in sorted(by_type.items())],
        "ownerId": str(event_filter.extension_id),
    }


def instant_sms_body(db: sqlite3.Connection, message_id: int, public_url: str) -> dict[str, Any]:
    """`InstantMessageEventBody`: the full message with string ids and no message `uri`,
    as in the 2025 sample of REFERENCE §16.4."""
    row = db.execute("SELECT * FROM message WHERE id = ?", (message_id,)).fetchone()
    ext = db.execute(
        "SELECT first_name, last_name FROM extension WHERE id = ?", (row["extension_id"],)
    ).fetchone()
    record = message_record(row, attachments_of(db, [message_id])[message_id], public_url)
    record.pop("uri", None)
    record.pop("extensionId", None)
    conversation_id = record.pop("conversationId", None)
    record["id"] = str(record["id"])
    for attachment in record.get("attachments", []):
        attachment["id"] = str(attachment["id"])
    if conversation_id is not None:
        record["conversation"] = {"id": str(conversation_id)}
    record["eventType"] = "Create"
    record["owner"] = {
        "extensionId": str(row["extension_id"]),
        "extensionType": "User",
        "name": full_name(ext) if ext else "",
    }
    return record


def collect_notifications(store: Store, config: Config) -> None:
    """Turn new rows of the change feed into notifications for each active subscription."""
    now = clock.now()
    with store.write() as db:
        subscriptions = db.execute(
            "SELECT * FROM subscription WHERE status = 'Active' AND expires_ts > ?", (now,)
        ).fetchall()
        for subscription in subscriptions:
            changes = db.execute(
                "SELECT * FROM change_log WHERE seq > ? AND account_id = ? ORDER BY seq LIMIT 5000",
                (subscription["cursor"], subscription["account_id"]),
            ).fetchall()
            if not changes:
                continue
            for text in loads(subscription["event_filters"]):
                event_filter = from_text(text)
                matched = [
                    c for c in changes
                    if event_filter.matches(extension_id=c["extension_id"],
                                            message_type=c["message_type"],
                                            direction=c["direction"])
                ]  # fmt: skip
                payloads: list[dict[str, Any]] = []
                if event_filter.instant:
                    payloads = [
                        _envelope(subscription, text,
                                  instant_sms_body(db, c["message_id"], config.public_url))
                        for c in matched if c["kind"] == "created"
                    ]  # fmt: skip
                elif matched:
                    body = message_store_body(event_filter, matched, now)
                    payloads = [_envelope(subscription, text, body)]
                for payload in payloads:
                    db.execute(
                        "INSERT INTO notification(subscription_id, payload, due_ts) "
                        "VALUES (?, ?, ?)",
                        (subscription["id"], dumps(payload), now),
                    )
            db.execute(
                "UPDATE subscription SET cursor = ? WHERE id = ?",
                (changes[-1]["seq"], subscription["id"]),
            )


# --------------------------------------------------------------------------- delivery


def _pool() -> ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="webhook")
        return _executor


def deliver_due(store: Store, config: Config) -> None:
    """Send the oldest due notification of each subscription that has none in flight,
    so that each subscriber receives its notifications in order."""
    now = clock.now()
    with store.write() as db:
        rows = db.execute(
            "SELECT n.id, n.payload, s.address, s.verification_token FROM notification n "
            "JOIN subscription s ON s.id = n.subscription_id "
            "WHERE n.state = 'pending' AND n.due_ts <= ? AND s.status = 'Active' "
            "AND n.id = (SELECT MIN(m.id) FROM notification m "
            "            WHERE m.subscription_id = n.subscription_id "
            "            AND m.state IN ('pending', 'sending')) "
            "ORDER BY n.id",
            (now,),
        ).fetchall()
        for row in rows:
            db.execute("UPDATE notification SET state = 'sending' WHERE id = ?", (row["id"],))
    for row in rows:
        _pool().submit(
            _deliver, store, config, row["id"], row["payload"], row["address"],
            row["verification_token"],
        )  # fmt: skip


def _deliver(
    store: Store, config: Config, notification_id: int, payload: str, address: str,
    verification_token: str | None,
) -> None:  # fmt: skip
    headers = {"Content-Type": "application/json; charset=UTF-8", "User-Agent": USER_AGENT}
    if verification_token:
        headers["Verification-Token"] = verification_token
    error: str | None = None
    try:
        answer = requests.post(
            address, data=payload.encode(), headers=headers,
            timeout=config.webhook_delivery_timeout, allow_redirects=False,
        )  # fmt: skip
        if not 200 <= answer.status_code < 300:
            error = f"HTTP {answer.status_code}"
    except requests.RequestException as exc:
        error = f"I/O operation is failed. Details: [{type(exc).__name__}]"
    record_attempt(store, config, notification_id, error)


def record_attempt(store: Store, config: Config, notification_id: int, error: str | None) -> None:
    now = clock.now()
    with store.write() as db:
        if error is None:
            db.execute(
                "UPDATE notification SET state = 'delivered', attempts = attempts + 1 WHERE id = ?",
                (notification_id,),
            )
            return
        row = db.execute(
            "SELECT attempts, subscription_id FROM notification WHERE id = ?", (notification_id,)
        ).fetchone()
        attempts = row["attempts"] + 1
        if attempts >= config.webhook_max_attempts:
            db.execute(
                "UPDATE subscription SET status = 'Blacklisted', blacklisted_ts = ?, "
                "blacklist_reason = ? WHERE id = ?",
                (now, error, row["subscription_id"]),
            )
            db.execute(
                "UPDATE notification SET state = 'dropped', attempts = ?, last_error = ? "
                "WHERE subscription_id = ? AND state IN ('pending', 'sending')",
                (attempts, error, row["subscription_id"]),
            )
            log.info("subscription %s blacklisted: %s", row["subscription_id"], error)
            return
        delay = config.webhook_retry_base * 2 ** (attempts - 1)
        db.execute(
            "UPDATE notification SET state = 'pending', attempts = ?, due_ts = ?, last_error = ? "
            "WHERE id = ?",
            (attempts, now + delay, error, notification_id),
        )


@background_job
def notify(store: Store, config: Config) -> None:
    collect_notifications(store, config)
    deliver_due(store, config)
