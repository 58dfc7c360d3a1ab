"""The change counter pages poll, and the operations page: access, its rate-budget figures,
the navigation link to it, and no RingCentral calls."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
import redis
from django.test import Client
from django.urls import reverse

import accounts.services
from accounts.models import User
from inbox.live.sync import mailbox_counter_bump
from inbox.models import MailboxSync
from rcapi import LocalRateBudget, RateLimited, RedisRateBudget
from rcapi.budget import RateAnswer
from tests.inbox.conftest import extension_of, signed_in
from tests.inbox.live.support import live_tasks_record
from tests.inbox.support import set_faults
from tests.rcapi.support import delete_prefix, redis_for_tests, unique_prefix
from tests.support.emulator import RunningEmulator, free_port
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


# --------------------------------------------------------------------------- rate budget


def budget_row(page: str, extension_id: int, group: str) -> str:
    """The budget row of (mailbox, group), `<tr …>` to `</tr>`; the test fails without one."""
    row = re.search(
        rf'<tr data-budget-extension="{extension_id}" data-group="{group}".*?</tr>', page, re.S
    )
    assert row, f"no {group} budget row for {extension_id}"
    return row[0]


def budget_lane(page: str, extension_id: int, group: str) -> dict[str, str]:
    """The data attributes of the budget row of (mailbox, group)."""
    opening = budget_row(page, extension_id, group).split(">", 1)[0]
    return dict(re.findall(r'data-([\w-]+)(?:="([^"]*)")?', opening))


def test_it_shows_each_mailboxs_rate_budget_without_calling_ringcentral(
    rc: RunningEmulator,
    alice_client: Client,
    bob_client: Client,
    own_rate_budget: LocalRateBudget,
) -> None:
    bob_id = extension_of(rc, "agent")
    User.objects.filter(rc_extension_id=bob_id).update(first_name="<b>Bob</b>")
    assert bob_client.get(reverse("inbox:conversations", args=[bob_id])).status_code == 200
    key = accounts.services.budget_key(bob_id)
    slot = own_rate_budget.acquire(key, "Medium", wait=False)
    own_rate_budget.settle(
        slot, RateAnswer(429, "Medium", limit=40, remaining=0, window=60, retry_after=30)
    )
    with pytest.raises(RateLimited):
        own_rate_budget.acquire(key, "Medium", wait=False)

    before = request_count(rc)
    answer = alice_client.get(reverse("inbox:ops"))
    assert request_count(rc) == before  # the figures come from the budget, not RingCentral
    assert answer.status_code == 200
    page = answer.content.decode()
    assert "Rate budget" in page
    light = budget_lane(page, bob_id, "Light")
    assert int(light["used"]) >= 1  # the list page's calls
    assert (light["rate-limited"], light["refused"]) == ("0", "0") and "blocked" not in light
    medium = budget_lane(page, bob_id, "Medium")
    assert (medium["used"], medium["limit"], medium["headroom"]) == ("40", "40", "0")
    assert (medium["rate-limited"], medium["refused"]) == ("1", "1")
    assert "blocked" in medium
    # Retry-After 30 s and the budget's margin
    assert re.search(r"</time> \(in (29|30|31) s\)", budget_row(page, bob_id, "Medium"))
    for group in ("Heavy", "Auth"):
        assert budget_lane(page, bob_id, group)["used"] == "0"
    assert budget_lane(page, extension_of(rc, "admin"), "Light")
    assert "&lt;b&gt;Bob&lt;/b&gt;" in page and "<b>Bob</b>" not in page
    assert "lives in this web process only" in page  # the tests' budget is a local one


def test_it_reads_the_figures_from_a_shared_redis_budget(
    rc: RunningEmulator,
    alice_client: Client,
    bob_client: Client,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = redis_for_tests()
    prefix = unique_prefix()
    try:
        budget = RedisRateBudget(client, prefix=prefix)
        monkeypatch.setattr(accounts.services, "rate_budget", lambda: budget)
        bob_id = extension_of(rc, "agent")
        assert bob_client.get(reverse("inbox:conversations", args=[bob_id])).status_code == 200
        before = request_count(rc)
        page = alice_client.get(reverse("inbox:ops")).content.decode()
        assert request_count(rc) == before
        assert int(budget_lane(page, bob_id, "Light")["used"]) >= 1
        assert budget_lane(page, extension_of(rc, "admin"), "Light")["used"] == "0"
        assert "lives in this web process only" not in page
    finally:
        delete_prefix(client, prefix)
        client.close()


def test_it_shows_a_429_from_ringcentral_on_the_ops_page(fresh_rc: RunningEmulator) -> None:
    alice = signed_in(fresh_rc, "admin")
    bob = signed_in(fresh_rc, "agent")
    bob_id = extension_of(fresh_rc, "agent")
    set_faults(fresh_rc, forced_429=[{"extension_id": bob_id, "group": "Light"}])
    assert bob.get(reverse("inbox:conversations", args=[bob_id])).status_code == 503
    assert request_count(fresh_rc, status=429) == 1

    before = request_count(fresh_rc)
    page = alice.get(reverse("inbox:ops")).content.decode()
    assert request_count(fresh_rc) == before
    light = budget_lane(page, bob_id, "Light")
    assert light["rate-limited"] == "1"
    assert "blocked" in light and light["headroom"] == "0"
    assert budget_lane(page, extension_of(fresh_rc, "admin"), "Light")["rate-limited"] == "0"


def test_it_says_so_when_the_rate_budget_cannot_be_read(
    rc: RunningEmulator, alice_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    nowhere = redis.Redis(host="127.0.0.1", port=free_port(), socket_connect_timeout=1)
    monkeypatch.setattr(accounts.services, "rate_budget", lambda: RedisRateBudget(nowhere))
    started = time.monotonic()
    answer = alice_client.get(reverse("inbox:ops"))
    assert answer.status_code == 200
    page = answer.content.decode()
    assert "The rate budget could not be read: its Redis store does not answer." in page
    assert "data-budget-extension" not in page
    assert "ext. 101" in page  # the rest of the page is there
    assert time.monotonic() - started < 5


def test_it_links_the_ops_page_for_admins_only(
    alice_client: Client, bob_client: Client, dave_client: Client
) -> None:
    ops = reverse("inbox:ops")
    link = f'href="{ops}"'
    assert link in alice_client.get(reverse("accounts:profile")).content.decode()
    on_ops = alice_client.get(ops).content.decode()
    assert re.search(rf'<a class="nav-link" {link} aria-current="page">.*?>Operations<', on_ops)
    assert on_ops.count('aria-current="page"') == 1
    assert link not in bob_client.get(reverse("accounts:profile")).content.decode()
    assert link not in dave_client.get(reverse("accounts:profile")).content.decode()
    assert link not in Client().get(reverse("inbox:home")).content.decode()
