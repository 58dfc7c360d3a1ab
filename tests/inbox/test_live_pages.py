"""The change counter pages poll, and the operations page: access, and no RingCentral calls."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from inbox.live_sync import mailbox_counter_bump
from inbox.models import MailboxSync
from tests.inbox.conftest import extension_of
from tests.inbox.live_support import live_tasks_record
from tests.support.emulator import RunningEmulator
from tests.support.sends import TaskRecorder, request_count


@pytest.fixture(autouse=True)
def recorded(monkeypatch: pytest.MonkeyPatch) -> TaskRecorder:
    return live_tasks_record(monkeypatch)


def state_url(rc: RunningEmulator, which: str) -> str:
    return reverse("inbox:live_state", args=[extension_of(rc, which)])


def test_it_answers_the_counter_without_calling_ringcentral(
    rc: RunningEmulator, bob_client: Client
) -> None:
    before = request_count(rc)
    answers = [bob_client.get(state_url(rc, "agent")) for _ in range(50)]
    assert {a.status_code for a in answers} == {200}
    assert {a.json()["counter"] for a in answers} == {0}
    assert request_count(rc) == before
    bob = User.objects.get(rc_extension_id=extension_of(rc, "agent"))
    assert bob.rc_account_id is not None and bob.rc_extension_id is not None
    assert MailboxSync.objects.get(extension_id=bob.rc_extension_id).viewed_at is not None
    mailbox_counter_bump(account_id=bob.rc_account_id, extension_id=bob.rc_extension_id)
    assert bob_client.get(state_url(rc, "agent")).json() == {"counter": 1}
    assert request_count(rc) == before


def test_it_hides_the_counter_from_strangers_and_other_agents(
    rc: RunningEmulator, charlie_client: Client, dave_client: Client, alice_client: Client
) -> None:
    assert charlie_client.get(state_url(rc, "agent")).status_code == 404
    assert dave_client.get(state_url(rc, "agent")).status_code == 404
    assert alice_client.get(state_url(rc, "agent")).status_code == 200  # an admin of the account


def test_it_shows_the_ops_page_to_admins_only(
    rc: RunningEmulator, alice_client: Client, bob_client: Client, dave_client: Client
) -> None:
    bob_client.get(state_url(rc, "agent"))
    page = alice_client.get(reverse("inbox:ops"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Live updates" in text and "ext. 102" in text
    assert bob_client.get(reverse("inbox:ops")).status_code == 404
    assert dave_client.get(reverse("inbox:ops")).status_code == 404


def test_it_asks_for_a_sign_in_before_the_counter(rc: RunningEmulator, settings: Any) -> None:
    answer = Client().get(state_url(rc, "agent"))
    assert answer.status_code == 302
