"""Stale, not dropped: a mailbox whose RingCentral session ends (RingCentral ends it, a team
mailbox is disconnected) keeps everything its index holds, is marked stale, is neither synced
nor back-filled meanwhile, and is current again after a sync succeeds with a session."""

from __future__ import annotations

from typing import Any

import requests
from django.test import Client
from django.urls import reverse

from accounts.models import User
from inbox.history.selectors import mailboxes_stale
from inbox.history.services import STALE, history_step, mailboxes_history_due
from inbox.live.sync import mailbox_sync
from inbox.models import IndexedConversation, IndexedMessage, MailboxSync, TeamMailbox
from tests.inbox.conftest import extension_of, sign_in, signed_in
from tests.inbox.history.support import in_index, mailbox_of, old_messages, spread, state_of, walk
from tests.inbox.index.conftest import sync
from tests.inbox.team.conftest import SUPPORT_LINE, connect_by_jwt
from tests.support.emulator import RunningEmulator
from tests.support.sends import TaskRecorder


def rows_of(account_id: int, extension_id: int) -> tuple[int, int]:
    mailbox = {"account_id": account_id, "extension_id": extension_id}
    return (
        IndexedMessage.objects.filter(**mailbox).count(),
        IndexedConversation.objects.filter(**mailbox).count(),
    )


def test_an_ended_session_marks_the_mailbox_stale_and_keeps_its_index(
    fresh_rc: RunningEmulator, bob: User, bob_browser: Client, recorded: TaskRecorder
) -> None:
    old_messages(fresh_rc, bob, spread(40, newest_days_ago=45, days=100))
    sync(bob)
    walk(bob)
    account_id, extension_id = mailbox_of(bob)
    before = rows_of(account_id, extension_id)
    history = in_index(bob)
    # RingCentral ends every session of bob's (a password change, an admin)
    answer = requests.post(
        f"{fresh_rc.url}/_emulator/revoke", json={"extensionId": extension_id}, timeout=10
    )
    assert answer.status_code == 200

    outcome = sync(bob)

    assert not outcome.ran
    state = state_of(bob)
    assert state.stale_since is not None
    assert mailboxes_stale(mailboxes=[(account_id, extension_id)]) == {
        (account_id, extension_id): state.stale_since
    }
    assert rows_of(account_id, extension_id) == before and in_index(bob) == history
    assert history_step(account_id=account_id, extension_id=extension_id).status == STALE
    assert mailboxes_history_due() == 0
    assert state_of(bob).stale_since == state.stale_since  # since the first moment

    sign_in(bob_browser, fresh_rc, "agent")  # bob reconnects
    assert sync(bob).ran
    assert state_of(bob).stale_since is None
    assert mailboxes_stale(mailboxes=[(account_id, extension_id)]) == {}
    assert rows_of(account_id, extension_id)[0] >= before[0]


def test_a_disconnected_team_mailbox_keeps_its_index_marked_stale(
    fresh_rc: RunningEmulator, recorded: TaskRecorder, settings: Any
) -> None:
    alice = signed_in(fresh_rc, "admin")
    team = connect_by_jwt(alice, fresh_rc, SUPPORT_LINE)
    mailbox_sync(account_id=team.account_id, extension_id=team.extension_id)
    state = MailboxSync.objects.get(extension_id=team.extension_id)
    assert state.indexed_at is not None
    before = rows_of(team.account_id, team.extension_id)
    assert before[0] > 0

    answer = alice.post(reverse("inbox:team_mailbox_disconnect", args=[team.pk]))

    assert answer.status_code == 302
    state.refresh_from_db()
    assert state.stale_since is not None  # from the moment it was disconnected
    assert TeamMailbox.objects.filter(pk=team.pk).exists()
    assert rows_of(team.account_id, team.extension_id) == before
    # nobody's session reads it now (an admin's would not be used for a team mailbox)
    assert not mailbox_sync(account_id=team.account_id, extension_id=team.extension_id).ran
    assert rows_of(team.account_id, team.extension_id) == before
    assert history_step(account_id=team.account_id, extension_id=team.extension_id).status == (
        STALE
    )
    assert extension_of(fresh_rc, SUPPORT_LINE) == team.extension_id


def test_the_beat_marks_a_mailbox_nobody_can_read_any_more(
    fresh_rc: RunningEmulator, bob: User, bob_browser: Client, recorded: TaskRecorder
) -> None:
    sync(bob)
    account_id, extension_id = mailbox_of(bob)
    bob_browser.post(reverse("accounts:logout"))  # no admin of the account is connected

    assert mailboxes_history_due() == 0

    assert state_of(bob).stale_since is not None
    assert rows_of(account_id, extension_id)[0] > 0
