"""What every benchmark gets: the running stack, the prepared store, the signed-in people
and the sizes of this run."""

from __future__ import annotations

from dataclasses import dataclass, field

from bench.browser import Browser
from bench.mailboxes import Prepared
from bench.measure import Emulator
from bench.stack import Stack


@dataclass(frozen=True)
class Sizes:
    users: int  # concurrent users of the page benchmark
    views_single: int  # views per cell with one user
    views_per_user: int  # views per user per cell with every user at once
    bare_calls: int  # ListMessages calls made straight at the emulator, for the round trip
    calls_views: int  # views of an unchanged mailbox, counting RingCentral calls
    sms: int
    bulk_conversations: int
    attachment_mb: int
    sync_messages: int
    sync_changes: int
    push_probes: int  # inbound SMS timed from the webhook to the open page, per path
    presence_rounds: int  # another person arriving, typing and leaving, timed on a page
    history_messages: int  # old messages of the history user's mailbox, back-filled
    history_pages: int  # pages of 1,000 records timed into the index (ingest)
    history_views: int  # views of the history user's pages before, and during, the back-fill
    search_messages: int  # in the search benchmark's index, across its 50 mailboxes
    search_queries: int  # searches per measure of the search benchmark


FULL = Sizes(
    users=20,
    views_single=40,
    views_per_user=8,
    bare_calls=40,
    calls_views=500,
    sms=500,
    bulk_conversations=2000,
    attachment_mb=200,
    sync_messages=10_000,
    sync_changes=10,
    push_probes=20,
    presence_rounds=20,
    history_messages=100_000,
    history_pages=100,
    history_views=30,
    search_messages=1_000_000,
    search_queries=100,
)
QUICK = Sizes(
    users=4,
    views_single=6,
    views_per_user=3,
    bare_calls=6,
    calls_views=30,
    sms=20,
    bulk_conversations=300,
    attachment_mb=20,
    sync_messages=500,
    sync_changes=10,
    push_probes=5,
    presence_rounds=5,
    history_messages=5_000,
    history_pages=10,
    history_views=5,
    search_messages=20_000,
    search_queries=20,
)


@dataclass
class Context:
    stack: Stack
    emulator: Emulator
    prepared: Prepared
    sizes: Sizes
    browsers: dict[int, Browser] = field(default_factory=dict)  # by extension id
    passwords: dict[int, tuple[str, str]] = field(default_factory=dict)  # username, password
