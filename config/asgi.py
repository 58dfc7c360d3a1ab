"""The ASGI entry point, which the web process serves: uvicorn in the Procfile (`make run`),
gunicorn with uvicorn workers in docker-compose.yml and the Dockerfile (config/gunicorn.py).

ASGI lets an open page's event stream (`inbox.live.stream`) wait as a coroutine, without a
thread. The rest of the dashboard is synchronous Django, run on threads, with these changes to
Django's handler:

- **A fixed set of request threads.** Django's handler would start a new thread for every
  request's synchronous code (middleware and view), as many at once as requests arrive, each
  opening a database connection of its own that it drops when the request ends. Here each
  process has `REQUEST_THREADS` threads, kept from request to request with their database
  connections (`CONN_MAX_AGE`), lent to one request at a time: a request waits for a free one,
  as it waited for one of gunicorn's threads under WSGI, and a process holds at most that many
  database connections. A request gives its thread back when it ends; an event stream gives it
  back as soon as its checks are done (`_Lease.release`), so open streams hold none.
- **Synchronous views in one go.** A request for a synchronous view (every page but the event
  stream) runs through Django's synchronous middleware chain on its thread in one call, as
  under WSGI, instead of the asynchronous chain's hop to a thread and back for every
  middleware (Django's own handlers keep two such chains for the same reason).
- **Paths as WSGI gives them.** The server decodes a request's path from its percent-escapes,
  putting U+FFFD where they are not UTF-8; the request's path here keeps those escapes, as
  Django's WSGI handler does, so that such an address is refused as not UTF-8
  (`inbox.web.Utf8RequiredMiddleware`) rather than read with characters that were never sent.
- **Streaming one chunk at a time.** A response streamed from a synchronous iterator (an
  attachment passed on from RingCentral, the audit log's CSV, a static file) would be read
  whole into memory before its first byte is sent (Django's ASGI handler collects it with
  `list()`). Here it is read one chunk at a time, on the request's thread, and each chunk sent
  before the next is read, as under WSGI.
- **Streams ended, not cut, when the server stops.** Event streams never end by themselves; a
  stopping server (a reload, a worker told to stop) cancels them after its grace time. Their
  responses are then ended properly, so that their pages connect again at once, and Django is
  told as if the client had left.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import weakref
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any, TypeVar
from urllib.parse import unquote_to_bytes

import django
from asgiref.sync import ThreadSensitiveContext, iscoroutinefunction, sync_to_async
from django.core.handlers.asgi import ASGIHandler, ASGIRequest
from django.core.handlers.base import BaseHandler
from django.http import FileResponse, HttpRequest, HttpResponseBase, StreamingHttpResponse
from django.urls import Resolver404, get_resolver
from django.utils.encoding import repercent_broken_unicode

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Requests whose synchronous code runs at once in one process: as many as a gunicorn gthread
# worker had threads, and so at most as many database connections per process.
REQUEST_THREADS = 8

T = TypeVar("T")


class _Lease(Executor):
    """One of the process's request threads, lent to one request. `release()` gives it back
    (at the request's end, or an event stream's once it needs no thread); what the request
    still runs after that (Django closing the response) runs on a thread of the spare pool."""

    def __init__(self, thread: ThreadPoolExecutor, give_back: Callable[[ThreadPoolExecutor], None]):
        self._thread: ThreadPoolExecutor | None = thread
        self._give_back = give_back

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        thread = self._thread
        return (thread or _spare_threads).submit(fn, *args, **kwargs)

    def release(self) -> None:
        thread, self._thread = self._thread, None
        if thread is not None:
            self._give_back(thread)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.release()


_spare_threads = ThreadPoolExecutor(max_workers=2, thread_name_prefix="request-spare")
_pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Queue[ThreadPoolExecutor]] = (
    weakref.WeakKeyDictionary()
)


def _request_threads() -> asyncio.Queue[ThreadPoolExecutor]:
    loop = asyncio.get_running_loop()
    pool = _pools.get(loop)
    if pool is None:
        pool = _pools[loop] = asyncio.Queue()
        for number in range(REQUEST_THREADS):
            pool.put_nowait(
                ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"request-{number}")
            )
    return pool


def _next_chunk(chunks: Iterator[bytes]) -> bytes | None:
    return next(chunks, None)


async def _one_chunk_at_a_time(chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    # thread-sensitive: the iterator may read the database (the audit log's export), whose
    # connection belongs to the thread that ran the view
    step = sync_to_async(_next_chunk, thread_sensitive=True)
    while (chunk := await step(chunks)) is not None:
        yield chunk


class DashboardASGIRequest(ASGIRequest):
    def __init__(self, scope: dict[str, Any], body_file: Any) -> None:
        super().__init__(scope, body_file)
        raw_path = scope.get("raw_path")
        if raw_path and "\ufffd" in self.path:
            self.path = repercent_broken_unicode(unquote_to_bytes(raw_path)).decode()
            self.path_info = self.path.removeprefix(self.script_name or "") or "/"


def _view_is_async(request: HttpRequest) -> bool:
    try:
        match = get_resolver(getattr(request, "urlconf", None)).resolve(request.path_info)
    except Resolver404:
        return False
    return iscoroutinefunction(match.func)


class DashboardASGIHandler(ASGIHandler):
    request_class = DashboardASGIRequest

    def __init__(self) -> None:
        super().__init__()
        self._synchronous = BaseHandler()
        self._synchronous.load_middleware(is_async=False)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":  # nothing to start or stop; said so, servers don't log it
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)  # refused, as Django refuses it
            return
        started = False
        stopping = asyncio.Event()

        async def send_noting_start(message: Mapping[str, Any]) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        async def receive_until_stopped() -> Mapping[str, Any]:
            # what Django waits on for the client's disconnect; the server's stop counts as one
            receiving = asyncio.ensure_future(receive())
            stopped = asyncio.ensure_future(stopping.wait())
            try:
                await asyncio.wait({receiving, stopped}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                stopped.cancel()
                if not receiving.done():
                    receiving.cancel()
            if receiving.cancelled():
                return {"type": "http.disconnect"}
            message: Mapping[str, Any] = receiving.result()
            return message

        handling = asyncio.ensure_future(
            self._leased(scope, receive_until_stopped, send_noting_start)
        )
        try:
            await asyncio.shield(handling)
        except asyncio.CancelledError:
            if not started:
                handling.cancel()
                raise
            # A stopping server (a reload, a worker told to stop) cancels what is still open
            # after its grace time: event streams, which never end by themselves. The response
            # ends properly at once (the server does not wait for more), so the page connects
            # again, to the next worker; Django hears the stop as the client's disconnect and
            # ends the stream; and nothing is logged as an error for each open page.
            asyncio.current_task().uncancel()  # type: ignore[union-attr]
            stopping.set()
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            with contextlib.suppress(RuntimeError):  # a last event sent after the end
                await handling

    async def _leased(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        pool = _request_threads()
        lease = _Lease(await pool.get(), pool.put_nowait)
        try:
            # the outermost context decides the thread; Django's own inside it changes nothing
            async with ThreadSensitiveContext(executor=lease):
                await super().__call__(scope, receive, send)
        finally:
            lease.release()

    async def run_get_response(self, request: HttpRequest) -> HttpResponseBase:
        if _view_is_async(request):
            return await super().run_get_response(request)
        synchronous = sync_to_async(self._synchronous.get_response, thread_sensitive=True)
        response: HttpResponseBase = await synchronous(request)
        response._handler_class = self.__class__  # type: ignore[attr-defined]
        if isinstance(response, FileResponse):
            response.block_size = self.chunk_size
        if isinstance(response, StreamingHttpResponse) and not response.is_async:
            chunks = response.streaming_content
            assert isinstance(chunks, Iterator)
            response.streaming_content = _one_chunk_at_a_time(chunks)
        return response


django.setup(set_prefix=False)
application = DashboardASGIHandler()
