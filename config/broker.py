"""kombu's filesystem transport, with message and exchange files that appear whole.

kombu's own `_put` creates a message file in the queue folder and then writes to it; a worker
polling that folder can take the file in between and read an empty message, which stops the
worker ("Unrecoverable error: JSONDecodeError"). Here the message is written under a name that
no queue reads, then renamed into place: a rename within one folder is atomic, so a reader finds
either no file or the whole message. The first binding of an exchange has the same gap (kombu
creates the exchange's table file, then locks and writes it; a process publishing meanwhile
reads it empty and fails the request): the table is written aside and linked into place, which
also fails when another process made it first, whose table is then added to as kombu does.
Used by the embedded defaults (no `REDIS_URL`).
"""

from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path
from time import monotonic_ns
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


def payload_bytes(payload: Any) -> bytes:
    """The message as kombu's filesystem transport writes it (kombu's JSON, UTF-8)."""
    return str_to_bytes(dumps(payload))  # type: ignore[no-untyped-call,no-any-return]


class Channel(filesystem.Channel):
    def _put(self, queue: str, payload: Any, **kwargs: Any) -> None:  # type: ignore[override]
        body = payload_bytes(payload)
        # kombu takes files in name order: nanoseconds, zero-padded, keep one producer's
        # messages in the order they were put (kombu's milliseconds tie under load)
        name = f"{monotonic_ns():020d}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        # A leading dot: kombu reads `<stamp>_<uuid>.<queue>.msg`, never this name.
        partial = os.path.join(self.data_folder_out, f".{uuid.uuid4()}.partial")
        try:
            with open(partial, "wb") as file:
                file.write(body)
            os.replace(partial, final)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.remove(partial)
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc

    def _queue_bind(self, exchange: str, routing_key: str, pattern: str, queue: str) -> None:
        table: Path = self._exchange_file(exchange)  # type: ignore[no-untyped-call]
        self.control_folder.mkdir(exist_ok=True)
        if not table.exists():
            binding = filesystem.exchange_queue_t(routing_key or "", pattern or "", queue or "")
            partial = self.control_folder / f".{uuid.uuid4()}.partial"
            partial.write_bytes(payload_bytes([binding]))
            try:
                os.link(partial, table)  # fails if the table exists by now
                return
            except FileExistsError:
                pass  # made by another process meanwhile: bind into it as kombu does
            finally:
                partial.unlink(missing_ok=True)
        super()._queue_bind(exchange, routing_key, pattern, queue)  # type: ignore[no-untyped-call]


class Transport(filesystem.Transport):
    Channel = Channel
