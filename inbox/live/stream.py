"""Pushed live updates: one server-sent event stream per open page, covering every mailbox the
signed-in person follows (`live_mailboxes_for_user`: their own, their team mailboxes, and the
mailbox of the open page), so that a page changes within a second of RingCentral's webhook.

`GET /inbox/live/stream/?extension=<id of the open page's mailbox>` answers
`text/event-stream`:

    retry: 1500                 how long the browser waits before it connects again
    event: counters             first, on every connection: every mailbox followed, so a
    data: [{"extension_id": 5000000102, "counter": 7}, …]   browser that reconnects catches up
    event: changed              a mailbox's change counter moved (`inbox.live.sync`)
    data: {"extension_id": 5000000102, "counter": 8}
    : heartbeat                 a comment after 15 s without an event, so that proxies and
                                browsers keep the connection and a dead one is noticed

Who may listen: a signed-in person with a RingCentral connection, to their own mailboxes only;
an asked-for mailbox they may not open is a 404, as its pages are; no session, a 403. The
checks run once, at the start, through `mailbox_get_for_user`.

Where the changes come from, under ASGI (uvicorn; gunicorn with uvicorn workers): the view is
async and, once its checks are done (in a thread, with `sync_to_async`), it gives back its
database connection and its request's thread; an open stream is then a coroutine waiting on a
queue, holding neither. Each process has one source of changes per event loop (`_Changes`),
shared by all its streams:

- with Redis (`REDIS_URL`), one pattern subscription to every mailbox's channel
  (`inbox.live.sync.live_channel`), which `mailbox_counter_bump` publishes to;
- without Redis (`make run`'s embedded defaults) there is no pub/sub: one loop reads the
  followed mailboxes' counters from the cache every half second — a cache read, never the
  database and never RingCentral.

Under WSGI (pytest-django's live server, any synchronous server) Django would wait for an
async stream's end before sending anything, so the stream is synchronous and bounded instead:
it reads the cached counters every half second for `WSGI_STREAM_SECONDS` and ends; the browser
connects again by itself after the `retry` hint. It holds a thread of the server meanwhile, as
any WSGI request does.

Pages fall back to polling `inbox:live_state` while their stream is down (static/js/live.js).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import weakref
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field

import redis
import redis.asyncio
from asgiref.sync import SyncToAsync, sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.db import connections
from django.http import (
    Http404,
    HttpRequest,
    HttpResponseBase,
    HttpResponseForbidden,
    JsonResponse,
    StreamingHttpResponse,
)
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.errors import ReconnectRequired
from accounts.models import User
from inbox.live.selectors import live_counter_get, live_counters_cached, live_mailboxes_for_user
from inbox.live.sync import live_channel_prefix, mailbox_viewed
from inbox.ringcentral import InboxError

log = logging.getLogger(__name__)

RETRY_MILLISECONDS = 1500
HEARTBEAT_SECONDS = 15.0
CACHE_READ_EVERY = 0.5  # without Redis: how often the cached counters are read
WSGI_STREAM_SECONDS = 25.0
# an open stream keeps its page's mailbox synced by beat, as the page's poll did
# (`inbox.live.sync.VIEWED_SECONDS` is 120)
VIEWED_EVERY = 60.0
SUBSCRIBED_WAIT = 5.0  # seconds a new stream waits for the process's Redis subscription
MAX_EXTENSIONS = 20
MAX_ID = 2**63 - 1

Mailboxes = tuple[tuple[int, int], ...]  # (account id, extension id)


# --------------------------------------------------------------------------- the events


def _event(name: str, data: object) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


def _changed(extension_id: int, counter: int) -> bytes:
    return _event("changed", {"extension_id": extension_id, "counter": counter})


def _opening(counters: dict[int, int]) -> bytes:
    mailboxes = [{"extension_id": ext, "counter": n} for ext, n in counters.items()]
    return f"retry: {RETRY_MILLISECONDS}\n\n".encode() + _event("counters", mailboxes)


HEARTBEAT = b": heartbeat\n\n"


# --------------------------------------------------------------------------- the view


@dataclass(frozen=True)
class _Following:
    mailboxes: Mailboxes
    counters: dict[int, int]  # by extension id, when the stream started
    viewed: Mailboxes  # the open pages' mailboxes, kept synced by beat


def _extension_ids(request: HttpRequest) -> list[int]:
    asked = request.GET.getlist("extension")
    if len(asked) > MAX_EXTENSIONS or not all(v.isdigit() and 0 < int(v) <= MAX_ID for v in asked):
        raise Http404("No such mailbox.")
    return [int(v) for v in asked]


def _following_start(*, user: User, extension_ids: list[int]) -> _Following:
    """The stream's checks and first counters, its database work but for a `mailbox_viewed`
    a minute: then the connection is closed, as an open stream must not hold one."""
    try:
        mailboxes = live_mailboxes_for_user(user=user, extension_ids=extension_ids)
        counters = {
            m.extension_id: live_counter_get(account_id=m.account_id, extension_id=m.extension_id)
            for m in mailboxes
        }
        viewed = tuple(
            (m.account_id, m.extension_id) for m in mailboxes if m.extension_id in extension_ids
        )
        _viewed_mark(viewed)
        return _Following(
            mailboxes=tuple((m.account_id, m.extension_id) for m in mailboxes),
            counters=counters,
            viewed=viewed,
        )
    finally:
        _database_let_go()


def _viewed_mark(mailboxes: Mailboxes) -> None:
    for account_id, extension_id in mailboxes:
        mailbox_viewed(account_id=account_id, extension_id=extension_id)


def _database_let_go() -> None:
    """Close this thread's database connections, but one inside a transaction (a test's,
    which the test still needs)."""
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close()


def _viewed_mark_and_let_go(mailboxes: Mailboxes) -> None:
    try:
        _viewed_mark(mailboxes)
    finally:
        _database_let_go()


@require_GET
@never_cache
async def live_stream(request: HttpRequest) -> HttpResponseBase:
    """The signed-in person's event stream (see the module's description)."""
    user = await request.auser()
    if not user.is_authenticated:
        return HttpResponseForbidden("Sign in to follow your mailboxes.", content_type="text/plain")
    assert isinstance(user, User)
    extension_ids = _extension_ids(request)
    try:
        following = await sync_to_async(_following_start)(user=user, extension_ids=extension_ids)
    except ReconnectRequired as exc:
        return JsonResponse({"code": "reconnect", "message": str(exc)}, status=401)
    except InboxError as exc:
        return JsonResponse({"code": exc.code, "message": exc.message}, status=exc.status)
    events = (
        _pushed_events(following)
        if isinstance(request, ASGIRequest)
        else _bounded_events(following, seconds=WSGI_STREAM_SECONDS)
    )
    response = StreamingHttpResponse(events, content_type="text/event-stream")
    response["X-Accel-Buffering"] = "no"  # nginx and the like: pass each event on at once
    return response


# --------------------------------------------------------------------------- under WSGI


def _bounded_events(following: _Following, *, seconds: float) -> Iterator[bytes]:
    """A synchronous stream that ends after `seconds`: the counters, then every change read
    from the cache, every half second."""
    sent = dict(following.counters)
    yield _opening(sent)
    started = time.monotonic()
    quiet_since = started
    while time.monotonic() - started < seconds:
        time.sleep(CACHE_READ_EVERY)
        for extension_id, counter in live_counters_cached(mailboxes=following.mailboxes).items():
            if sent.get(extension_id) != counter:
                sent[extension_id] = counter
                quiet_since = time.monotonic()
                yield _changed(extension_id, counter)
        if time.monotonic() - quiet_since >= HEARTBEAT_SECONDS:
            quiet_since = time.monotonic()
            yield HEARTBEAT


# --------------------------------------------------------------------------- under ASGI


def _request_thread_release() -> None:
    """Let the request's thread go: nothing of an open stream needs it. Under the dashboard's
    handler (config/asgi.py) the request borrowed one of the process's request threads, which
    `release()` gives back. Under Django's own, the request has a thread of its own until the
    response ends — for a stream, as long as the page is open — which is shut down here (were
    anything to need one later, Django closing the response, asgiref starts another)."""
    context = SyncToAsync.thread_sensitive_context.get(None)
    if context is None:
        return
    executor = SyncToAsync.context_to_thread_executor.get(context)
    release = getattr(executor, "release", None)
    if callable(release):
        release()
    elif executor is not None:
        SyncToAsync.context_to_thread_executor.pop(context, None)
        executor.shutdown(wait=False)


@dataclass(frozen=True)
class _Change:
    extension_id: int
    counter: int
    # read from the cache, the truth: sent when it differs (a published counter is sent only
    # when it is newer, in case two processes' messages crossed)
    read: bool


RESYNC = _Change(0, 0, read=True)  # the source lost messages: read the counters again


async def _pushed_events(following: _Following) -> AsyncIterator[bytes]:
    _request_thread_release()
    changes = _changes_of_this_loop()
    queue = await changes.follow(following.mailboxes)
    try:
        sent = dict(following.counters)
        # read once more now that changes reach the queue: nothing falls in between
        sent.update(await _cached(following.mailboxes))
        yield _opening(sent)
        viewed_at = time.monotonic()
        while True:
            try:
                change = await asyncio.wait_for(queue.get(), timeout=HEARTBEAT_SECONDS)
            except TimeoutError:
                change = RESYNC  # a message lost on the way costs at most a heartbeat
                yield HEARTBEAT
            if change is RESYNC:
                found = await _cached(following.mailboxes)
                news = [_Change(e, n, read=True) for e, n in found.items()]
            else:
                news = [change]
            for new in news:
                before = sent.get(new.extension_id)
                if before is None or new.counter > before or (new.read and new.counter != before):
                    sent[new.extension_id] = new.counter
                    yield _changed(new.extension_id, new.counter)
            if following.viewed and time.monotonic() - viewed_at >= VIEWED_EVERY:
                viewed_at = time.monotonic()
                await sync_to_async(_viewed_mark_and_let_go, thread_sensitive=False)(
                    following.viewed
                )
    finally:
        changes.leave(queue, following.mailboxes)


async def _cached(mailboxes: Mailboxes) -> dict[int, int]:
    # not thread-sensitive: a thread of the loop's shared pool, not one of the request's own
    return await sync_to_async(live_counters_cached, thread_sensitive=False)(mailboxes=mailboxes)


@dataclass
class _Changes(ABC):
    """The counter changes of one process's event loop, handed to the queues of the streams
    that follow each mailbox. Its task runs while a stream follows anything."""

    followers: dict[tuple[int, int], set[asyncio.Queue[_Change]]] = field(default_factory=dict)
    task: asyncio.Task[None] | None = None

    async def follow(self, mailboxes: Mailboxes) -> asyncio.Queue[_Change]:
        queue: asyncio.Queue[_Change] = asyncio.Queue()
        for mailbox in mailboxes:
            self.followers.setdefault(mailbox, set()).add(queue)
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self.run())
        await self.ready()
        return queue

    def leave(self, queue: asyncio.Queue[_Change], mailboxes: Mailboxes) -> None:
        for mailbox in mailboxes:
            queues = self.followers.get(mailbox)
            if queues is not None:
                queues.discard(queue)
                if not queues:
                    del self.followers[mailbox]
        if not self.followers and self.task is not None:
            task, self.task = self.task, None
            _cancel_in_its_loop(task)

    def tell(self, mailbox: tuple[int, int], change: _Change) -> None:
        for queue in self.followers.get(mailbox, ()):
            queue.put_nowait(change)

    def tell_everyone(self, change: _Change) -> None:
        for queue in set().union(*self.followers.values()):
            queue.put_nowait(change)

    async def ready(self) -> None:
        """Return once changes made from now on reach the followers' queues: at once, where
        the next round of `run` reads every change made since (the cache's reader)."""
        return None

    @abstractmethod
    async def run(self) -> None:
        """Hand every change to the followers' queues until cancelled."""


@dataclass
class _CachedChanges(_Changes):
    """Without Redis: the followed mailboxes' counters read from the cache every half second,
    in one read for all the process's streams."""

    last: dict[tuple[int, int], int] = field(default_factory=dict)

    async def run(self) -> None:
        while self.followers:
            mailboxes = tuple(self.followers)
            found = await _cached(mailboxes)
            for account_id, extension_id in mailboxes:
                counter = found.get(extension_id)
                if counter is not None and self.last.get((account_id, extension_id)) != counter:
                    self.last[(account_id, extension_id)] = counter
                    self.tell((account_id, extension_id), _Change(extension_id, counter, read=True))
            await asyncio.sleep(CACHE_READ_EVERY)


@dataclass
class _PublishedChanges(_Changes):
    """With Redis: one pattern subscription to every mailbox's channel, for all the process's
    streams; what is published for mailboxes nobody here follows is dropped."""

    url: str = ""
    prefix: str = ""
    subscribed: asyncio.Event = field(default_factory=asyncio.Event)

    async def ready(self) -> None:
        try:
            await asyncio.wait_for(self.subscribed.wait(), timeout=SUBSCRIBED_WAIT)
        except TimeoutError:
            log.warning("Live updates: Redis has not confirmed the subscription; streams wait")

    async def run(self) -> None:
        resubscribed = False
        try:
            while True:
                try:
                    await self._listen(resubscribed)
                except (redis.RedisError, OSError) as exc:
                    log.warning("Live updates: Redis subscription lost (%s); trying again", exc)
                self.subscribed.clear()
                resubscribed = True
                await asyncio.sleep(1.0)
        finally:
            self.subscribed.clear()

    async def _listen(self, resubscribed: bool) -> None:
        client = redis.asyncio.Redis.from_url(self.url, socket_connect_timeout=2)
        pubsub = client.pubsub()
        try:
            await pubsub.psubscribe(f"{self.prefix}*")
            async for message in pubsub.listen():
                if message["type"] == "psubscribe":
                    self.subscribed.set()
                    if resubscribed:
                        self.tell_everyone(RESYNC)
                elif message["type"] == "pmessage":
                    self._received(message["channel"], message["data"])
        finally:
            await pubsub.aclose()
            await client.aclose()

    def _received(self, channel: bytes, data: bytes) -> None:
        try:
            account_id = int(channel.decode()[len(self.prefix) :].split(":")[0])
            body = json.loads(data)
            change = _Change(int(body["extension_id"]), int(body["counter"]), read=False)
        except (ValueError, KeyError, TypeError, IndexError, UnicodeDecodeError):
            log.warning("Live updates: a message on %r is not a counter", channel)
            return
        self.tell((account_id, change.extension_id), change)


def _cancel_in_its_loop(task: asyncio.Task[None]) -> None:
    """Cancel `task` from its own loop's thread. A stream can be closed from another thread's
    loop (Django closes a response's async iterator wherever the response is closed, e.g. a
    synchronous client's), and a task is not safe to touch from outside its loop: once, under
    load, that crashed the process."""
    loop = task.get_loop()
    try:
        running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if loop is running:
        task.cancel()
    elif not loop.is_closed():
        loop.call_soon_threadsafe(task.cancel)


_loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[str, str], _Changes]] = (
    weakref.WeakKeyDictionary()
)


def _changes_of_this_loop() -> _Changes:
    """The running event loop's source of changes for the current settings (tests change the
    cache's prefix and Redis from test to test)."""
    prefix = live_channel_prefix()
    url = settings.REDIS_URL
    sources = _loops.setdefault(asyncio.get_running_loop(), {})
    source = sources.get((url, prefix))
    if source is None:
        source = sources[(url, prefix)] = (
            _PublishedChanges(url=url, prefix=prefix) if url else _CachedChanges()
        )
    return source
