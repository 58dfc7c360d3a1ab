"""kombu's Redis transport, with a channel that can still be closed after its connection was.

When Redis goes away while a worker holds messages it has not acknowledged (with late
acknowledgement, every task in flight), Celery's consumer collects the lost connection, which
detaches the transport from it, and then closes it. Closing a channel puts its unacknowledged
messages back, and for that kombu asks the detached transport for the broker's address:
`AttributeError: 'NoneType' object has no attribute 'hostname'`. Celery takes that for an
unrecoverable error and the worker exits (seen in tests/faults/test_redis_restart.py). Here
that moment is a connection error instead, which the consumer's clean-up ignores like the
other errors of a lost broker: the worker reconnects; the messages stay in kombu's unacked
set until its visibility timeout puts them back, and a send among them is recovered sooner
by the beat's `sends-recover`. Used when the broker is Redis at a `redis://` address
(`REDIS_URL`); over TLS (`rediss://`) kombu's own transport reads the scheme as it always did.
"""

from __future__ import annotations

from typing import Any

import redis
from kombu.transport import redis as kombu_redis


class Channel(kombu_redis.Channel):
    def _connparams(self, asynchronous: bool = False) -> dict[str, Any]:
        if self.connection.client is None:
            raise redis.exceptions.ConnectionError("the connection to the broker was closed")
        params: dict[str, Any] = super()._connparams(asynchronous=asynchronous)  # type: ignore[no-untyped-call]
        return params


class Transport(kombu_redis.Transport):
    Channel = Channel
