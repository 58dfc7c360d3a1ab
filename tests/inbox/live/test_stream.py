"""The event stream of a person's mailboxes (`inbox.live.stream`): who may listen, what the
first event says, that a counter bump reaches it, and its two forms — pushed under ASGI (through
Redis pub/sub when the run has Redis, else the cache read every half second), bounded under
WSGI. Bob (agent) is a member of Support Line, Charlie (agent2) is not, Alice is the admin,
Dave has no RingCentral connection."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import redis
from asgiref.sync import async_to_sync, sync_to_async
from django.conf import settings
from django.test import AsyncClient, Client, TestCase
from django.urls import reverse

from accounts.models import User
from inbox.live import stream
from inbox.live.sync import live_channel, mailbox_counter_bump
from inbox.models import TeamMailbox
from tests.inbox.conftest import extension_of
from tests.inbox.live.support import live_tasks_record
from tests.inbox.team.conftest import connect_by_jwt, members_set, person
from tests.support.emulator import RunningEmulator

SUPPORT_LINE = "201"


def stream_url(*extension_ids: int) -> str:
    query = "&".join(f"extension={extension_id}" for extension_id in extension_ids)
    return reverse("inbox:live_stream") + (f"?{query}" if query else "")


def events_of(text: str) -> list[tuple[str, Any]]:
    """The events in a piece of stream: (name, data) pairs, comments as ("comment", text)."""
    found: list[tuple[str, Any]] = []
    for block in text.split("\n\n"):
        fields: dict[str, str] = {}
        for line in filter(None, block.splitlines()):
            name, _, value = line.partition(":")
            fields[name or "comment"] = value.strip()
        if "event" in fields:
            found.append((fields["event"], json.loads(fields["data"])))
        elif "comment" in fields:
            found.append(("comment", fields["comment"]))
        elif "retry" in fields:
            found.append(("retry", int(fields["retry"])))
    return found


def bump(user: User | TeamMailbox) -> int:
    """The mailbox's counter moved, committed (its message published when there is Redis)."""
    if isinstance(user, TeamMailbox):
        account_id, extension_id = user.account_id, user.extension_id
    else:
        assert user.rc_account_id is not None and user.rc_extension_id is not None
        account_id, extension_id = user.rc_account_id, user.rc_extension_id
    with TestCase.captureOnCommitCallbacks(execute=True):
        return mailbox_counter_bump(account_id=account_id, extension_id=extension_id)


def bounded(client: Client, url: str) -> Iterator[list[tuple[str, Any]]]:
    """A stream under WSGI (the test client's handler), chunk by chunk, as events."""
    response = client.get(url)
    assert response.status_code == 200, response
    assert response["Content-Type"] == "text/event-stream"
    for chunk in response.streaming_content:  # type: ignore[attr-defined]
        yield events_of(chunk.decode())


@pytest.fixture
def short_streams(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream, "WSGI_STREAM_SECONDS", 3.0)


@pytest.fixture
def support_line(
    rc: RunningEmulator,
    alice_client: Client,
    bob_client: Client,
    charlie_client: Client,
    monkeypatch: pytest.MonkeyPatch,
) -> TeamMailbox:
    """Support Line with Bob as its only member; Charlie is signed in and not one."""
    live_tasks_record(monkeypatch)  # its subscription and first sync are not this test's
    team = connect_by_jwt(alice_client, rc, SUPPORT_LINE)
    members_set(alice_client, team, person(rc, "agent"))
    return team


# --------------------------------------------------------------------------- who may listen


def test_it_gives_no_stream_without_a_session(db: None) -> None:
    response = Client().get(stream_url())

    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/plain")


def test_it_gives_no_stream_to_someone_without_ringcentral(dave_client: Client) -> None:
    assert dave_client.get(stream_url()).status_code == 404


def test_it_gives_no_stream_of_another_agents_mailbox(
    rc: RunningEmulator, charlie_client: Client
) -> None:
    assert charlie_client.get(stream_url(extension_of(rc, "agent"))).status_code == 404
    assert charlie_client.get(stream_url(0)).status_code == 404
    assert charlie_client.get(reverse("inbox:live_stream") + "?extension=x").status_code == 404


def test_it_refuses_to_post(bob_client: Client) -> None:
    assert bob_client.post(stream_url()).status_code == 405


# --------------------------------------------------------------------------- what it says


def test_it_starts_with_the_retry_hint_and_the_counters(
    rc: RunningEmulator, bob_client: Client, short_streams: None
) -> None:
    bob = person(rc, "agent")
    bump(bob)
    bump(bob)

    first = next(bounded(bob_client, stream_url(extension_of(rc, "agent"))))

    assert first == [
        ("retry", stream.RETRY_MILLISECONDS),
        ("counters", [{"extension_id": extension_of(rc, "agent"), "counter": 2}]),
    ]


def test_an_admin_follows_the_mailbox_of_the_page_they_read(
    rc: RunningEmulator, alice_client: Client, short_streams: None
) -> None:
    first = next(bounded(alice_client, stream_url(extension_of(rc, "agent"))))

    followed = {entry["extension_id"] for entry in dict(first)["counters"]}
    assert followed == {extension_of(rc, "admin"), extension_of(rc, "agent")}


def test_it_follows_team_mailboxes_for_their_members_only(
    rc: RunningEmulator,
    support_line: TeamMailbox,
    bob_client: Client,
    charlie_client: Client,
    short_streams: None,
) -> None:
    bobs = bounded(bob_client, stream_url())
    charlies = bounded(charlie_client, stream_url())
    bob_followed = {entry["extension_id"] for entry in dict(next(bobs))["counters"]}
    charlie_followed = {entry["extension_id"] for entry in dict(next(charlies))["counters"]}

    counter = bump(support_line)
    heard_by_bob = [event for chunk in bobs for event in chunk]
    heard_by_charlie = [event for chunk in charlies for event in chunk]

    assert bob_followed == {extension_of(rc, "agent"), support_line.extension_id}
    assert charlie_followed == {extension_of(rc, "agent2")}
    assert ("changed", {"extension_id": support_line.extension_id, "counter": counter}) in (
        heard_by_bob
    )
    assert [name for name, _ in heard_by_charlie if name == "changed"] == []
    # a stranger asking for the team mailbox by name gets a 404, as its pages are
    assert charlie_client.get(stream_url(support_line.extension_id)).status_code == 404


def test_it_tells_a_bump_under_wsgi_and_ends_by_itself(
    rc: RunningEmulator, bob_client: Client, short_streams: None
) -> None:
    bob = person(rc, "agent")
    started = time.monotonic()
    chunks = bounded(bob_client, stream_url(extension_of(rc, "agent")))
    next(chunks)

    counter = bump(bob)
    rest = [event for chunk in chunks for event in chunk]

    assert rest[0] == ("changed", {"extension_id": extension_of(rc, "agent"), "counter": counter})
    assert time.monotonic() - started < 60  # it ended: the browser connects again by itself


def test_a_quiet_stream_sends_heartbeats(
    rc: RunningEmulator, bob_client: Client, short_streams: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stream, "HEARTBEAT_SECONDS", 1.0)

    heard = [event for chunk in bounded(bob_client, stream_url()) for event in chunk]

    assert ("comment", "heartbeat") in heard


# --------------------------------------------------------------------------- under ASGI


async def _pushed(client: AsyncClient, url: str) -> AsyncIterator[bytes]:
    response = await client.get(url)
    assert response.status_code == 200, response
    assert response["Content-Type"] == "text/event-stream"
    assert response.is_async  # type: ignore[attr-defined]  # no thread waits for it
    return aiter(response.streaming_content)  # type: ignore[attr-defined]


def test_it_pushes_a_bump_under_asgi(rc: RunningEmulator, bob_client: Client) -> None:
    """Through Redis pub/sub when this run has Redis, else through the cache read every
    half second: either way within a generous timeout, then the stream stays open."""
    bob = person(rc, "agent")
    extension = extension_of(rc, "agent")

    async def scenario() -> tuple[list[tuple[str, Any]], list[tuple[str, Any]], bool]:
        client = AsyncClient()
        client.cookies = bob_client.cookies
        chunks = await _pushed(client, stream_url(extension))
        try:
            first = events_of((await anext(chunks)).decode())
            counter = await sync_to_async(bump)(bob)
            heard: list[tuple[str, Any]] = []
            while ("changed", {"extension_id": extension, "counter": counter}) not in heard:
                heard += events_of((await asyncio.wait_for(anext(chunks), 30)).decode())
            more = asyncio.ensure_future(anext(chunks))
            await asyncio.sleep(0.2)
            still_open = not more.done()
            more.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await more
            return first, heard, still_open
        finally:
            await chunks.aclose()  # type: ignore[attr-defined]

    first, heard, still_open = async_to_sync(scenario)()

    assert dict(first)["counters"] == [{"extension_id": extension, "counter": 0}]
    assert heard[-1] == ("changed", {"extension_id": extension, "counter": 1})
    assert still_open


def test_a_reconnecting_stream_catches_up_with_the_counters(
    rc: RunningEmulator, bob_client: Client
) -> None:
    bob = person(rc, "agent")
    extension = extension_of(rc, "agent")

    async def first_counters() -> Any:
        client = AsyncClient()
        client.cookies = bob_client.cookies
        chunks = await _pushed(client, stream_url(extension))
        try:
            return dict(events_of((await anext(chunks)).decode()))["counters"]
        finally:
            await chunks.aclose()  # type: ignore[attr-defined]

    before = async_to_sync(first_counters)()
    bump(bob)  # while no stream is open
    after = async_to_sync(first_counters)()

    assert before == [{"extension_id": extension, "counter": 0}]
    assert after == [{"extension_id": extension, "counter": 1}]


@pytest.mark.skipif(not settings.REDIS_URL, reason="pub/sub needs Redis (REDIS_URL)")
def test_it_publishes_the_new_counter_once_committed(
    rc: RunningEmulator, bob_client: Client
) -> None:
    bob = person(rc, "agent")
    assert bob.rc_account_id is not None and bob.rc_extension_id is not None
    listener = redis.Redis.from_url(settings.REDIS_URL).pubsub()
    listener.subscribe(live_channel(bob.rc_account_id, bob.rc_extension_id))
    assert listener.get_message(timeout=5)["type"] == "subscribe"
    try:
        with TestCase.captureOnCommitCallbacks(execute=False) as pending:
            counter = mailbox_counter_bump(
                account_id=bob.rc_account_id, extension_id=bob.rc_extension_id
            )
            assert listener.get_message(timeout=0.5) is None  # not before the commit
        for callback in pending:
            callback()
        message = listener.get_message(timeout=5)
    finally:
        listener.close()

    assert message is not None and message["type"] == "message"
    assert json.loads(message["data"]) == {"extension_id": bob.rc_extension_id, "counter": counter}
