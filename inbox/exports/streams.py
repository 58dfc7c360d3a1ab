"""An export's lines as a streamed response's chunks, counted as they go out.

A `StreamingHttpResponse` reads its content one chunk at a time (under WSGI, and under this
project's ASGI handler too, see config/asgi.py) and closes it when the response ends: after
the last chunk, or early when the client leaves. `CountedStream` is that content: it joins
`CHUNK_LINES` lines into each chunk, counts the rows it has handed on, and tells `ended` once
how many, and whether the export went out whole. The audit entry is written there, so it
says how many rows were sent even when the download stopped halfway.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from itertools import islice

log = logging.getLogger(__name__)

# lines per chunk: a few tens of kilobytes, so a large export costs few trips to the server
CHUNK_LINES = 100

# told (rows handed on, whether the stream went out whole) when it ends
Ended = Callable[[int, bool], object]


class CountedStream:
    """Iterates `lines` in chunks of `CHUNK_LINES`, the first `header_lines` not counted as
    rows. `ended(rows, complete)` is called once: `complete` when the lines ran out after
    every chunk was handed on; not complete when the response is closed before that (the
    client left) or reading the lines failed."""

    def __init__(self, lines: Iterator[str], *, ended: Ended, header_lines: int = 1) -> None:
        self._lines = lines
        self._ended: Ended | None = ended
        self._header_left = header_lines
        self.rows = 0

    def __iter__(self) -> CountedStream:
        return self

    def __next__(self) -> str:
        if self._ended is None:
            raise StopIteration
        try:
            chunk = list(islice(self._lines, CHUNK_LINES))
        except BaseException:
            self._end(complete=False)
            raise
        if not chunk:
            self._end(complete=True)
            raise StopIteration
        header = min(self._header_left, len(chunk))
        self._header_left -= header
        self.rows += len(chunk) - header
        return "".join(chunk)

    def close(self) -> None:
        """What the server calls when the response ends (Django registers it): early, the
        export ends here with the rows handed on so far."""
        close = getattr(self._lines, "close", None)
        if close is not None:
            close()  # a generator's database cursor goes now, not when it is collected
        self._end(complete=False)

    def _end(self, *, complete: bool) -> None:
        ended, self._ended = self._ended, None
        if ended is None:
            return
        try:
            ended(self.rows, complete)
        except Exception:
            # the rows are out whatever happens here; Django would swallow it on close
            log.exception("An export's end could not be recorded (%d rows)", self.rows)
