"""The operations page shows each mailbox's back-fill (down to which date the index holds
every message, messages and calls so far, done / running / waiting for rate headroom, stale
since), read from the database and the cache, never from RingCentral; and the beat's round
starts one chain per mailbox that needs one."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from inbox.history.services import HISTORY_STEP_TASK, WALK, mailboxes_history_due
from tests.inbox.conftest import signed_in
from tests.inbox.history.support import mailbox_of, old_messages, spread, state_of, walk
from tests.inbox.index.conftest import sync
from tests.support.emulator import RunningEmulator
from tests.support.sends import TaskRecorder, request_count


def history_row(page: str, extension_id: int) -> dict[str, str]:
    """The data attributes and text of the mailbox's back-fill row."""
    row = re.search(rf'<tr data-history-extension="{extension_id}".*?</tr>', page, re.S)
    assert row, f"no back-fill row for {extension_id}"
    opening = row[0].split(">", 1)[0]
    found = dict(re.findall(r'data-history-([\w-]+)="([^"]*)"', opening))
    found["text"] = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row[0])).strip()
    return found


def test_the_ops_page_shows_each_back_fill(
    fresh_rc: RunningEmulator, bob: User, recorded: TaskRecorder
) -> None:
    alice = signed_in(fresh_rc, "admin")
    _, bob_id = mailbox_of(bob)
    page = alice.get(reverse("inbox:ops")).content.decode()
    assert "History back-fill" in page
    assert history_row(page, bob_id)["status"] == "idle"  # not synced yet

    old_messages(fresh_rc, bob, spread(30, newest_days_ago=40, days=60))
    sync(bob)
    state = state_of(bob)
    row = history_row(alice.get(reverse("inbox:ops")).content.decode(), bob_id)
    assert row["status"] == "not_started" and "Not started" in row["text"]
    assert state.index_window_start is not None
    assert state.index_window_start.strftime("%b %-d, %Y") in row["text"]

    walk(bob)
    before = request_count(fresh_rc)
    answer = alice.get(reverse("inbox:ops"))
    assert request_count(fresh_rc) == before  # nothing asked of RingCentral
    row = history_row(answer.content.decode(), bob_id)
    state = state_of(bob)
    assert row["status"] == "done" and "Done" in row["text"]
    assert row["messages"] == str(state.history_messages) and state.history_messages >= 30
    assert row["calls"] == str(state.history_calls) and state.history_calls >= 1
    assert "the first message" in row["text"]


def test_the_ops_page_shows_a_wait_for_headroom_and_a_stale_mailbox(
    fresh_rc: RunningEmulator, bob: User, recorded: TaskRecorder, settings: Any
) -> None:
    from django.core.cache import cache

    from inbox.history.services import status_key
    from inbox.models import MailboxSync

    alice = signed_in(fresh_rc, "admin")
    sync(bob)
    account_id, bob_id = mailbox_of(bob)
    until = timezone.now() + timedelta(seconds=30)
    cache.set(
        status_key(account_id, bob_id),
        {"status": "waiting", "at": timezone.now().timestamp(), "until": until.timestamp(),
         "phase": WALK},
    )  # fmt: skip
    row = history_row(alice.get(reverse("inbox:ops")).content.decode(), bob_id)
    assert row["status"] == "waiting" and "Waiting for rate headroom" in row["text"]

    stale_since = timezone.now() - timedelta(days=2)
    MailboxSync.objects.filter(account_id=account_id, extension_id=bob_id).update(
        stale_since=stale_since
    )
    row = history_row(alice.get(reverse("inbox:ops")).content.decode(), bob_id)
    assert row["status"] == "stale" and "Stale" in row["text"]
    assert stale_since.strftime("%b %-d, %Y") in row["text"]


def test_agents_do_not_see_it(bob_browser: Client) -> None:
    assert bob_browser.get(reverse("inbox:ops")).status_code == 404


def test_the_beat_starts_one_chain_per_mailbox_that_needs_one(
    fresh_rc: RunningEmulator,
    bob: User,
    recorded: TaskRecorder,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        assert mailboxes_history_due() == 0  # not indexed yet: the first sync comes first
    sync(bob)
    with django_capture_on_commit_callbacks(execute=True):
        assert mailboxes_history_due() == 1
        assert mailboxes_history_due() == 0  # its chain is queued
    (step,) = recorded.of(HISTORY_STEP_TASK)
    assert step.args == [*mailbox_of(bob), WALK, 1]
