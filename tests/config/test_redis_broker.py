"""The Redis broker's transport (config/redis_broker.py): a channel closed after its
connection was detached from the transport, as Celery's consumer does when Redis goes away
while tasks are unacknowledged, closes as after any lost broker, and the message it held is
kept for redelivery, not lost."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
from kombu.connection import Connection
from kombu.entity import Exchange, Queue
from kombu.messaging import Consumer

from tests.rcapi.support import REDIS_URL, delete_prefix, redis_for_tests, unique_prefix

TRANSPORT = "config.redis_broker:Transport"


@pytest.fixture
def prefix() -> Iterator[str]:
    client = redis_for_tests()
    prefix = unique_prefix()
    try:
        yield prefix
    finally:
        delete_prefix(client, prefix)
        client.close()


def held_unacknowledged(connection: Connection, queue: Queue) -> Any:
    """A message taken from `queue` and not acknowledged (as a task under late
    acknowledgement, in flight)."""
    with connection.Producer() as producer:
        producer.publish({"task": "in flight"}, exchange=queue.exchange, routing_key=queue.name,
                         declare=[queue])  # fmt: skip
    taken: list[Any] = []
    consumer = Consumer(connection.default_channel, queues=[queue],
                        callbacks=[lambda body, message: taken.append(message)])  # fmt: skip
    consumer.consume()
    connection.drain_events(timeout=5)
    assert len(taken) == 1
    return taken[0]


def test_a_channel_closed_after_its_connection_was_collected_keeps_its_message(
    prefix: str,
) -> None:
    url = os.environ.get("REDIS_URL") or REDIS_URL
    options = {"global_keyprefix": f"{prefix}:"}
    connection = Connection(url, transport=TRANSPORT, transport_options=options)
    queue = Queue("in-flight", exchange=Exchange("in-flight", "direct"), routing_key="in-flight")
    message = held_unacknowledged(connection, queue)

    # what Celery's consumer does with a lost connection: collect it (the transport lets go of
    # it), then close it, ignoring only the errors of a lost broker; kombu's own channel
    # raised an AttributeError here, and the worker exited
    connection._do_close_transport()
    with contextlib.suppress(*connection.connection_errors):
        connection.close()

    client = redis_for_tests()
    try:
        kept = client.hget(f"{prefix}:unacked", message.delivery_tag)
        assert isinstance(kept, bytes), "the message is gone: nothing would deliver it again"
        _, exchange, routing_key = json.loads(kept)
        assert (exchange, routing_key) == ("in-flight", "in-flight")
    finally:
        client.close()
