"""How the platform's failures reach a caller: typed, transient or not, never retried by the
client on its own, and never carrying a token."""

from __future__ import annotations

import time

import pytest

from rcapi import (
    AuthExpired,
    LocalRateBudget,
    RateLimited,
    Rejected,
    RingCentralClient,
    RingCentralError,
    Unavailable,
)
from tests.emulator.factories import unique_number
from tests.rcapi.support import client_for, count_of, revoke_sessions, set_faults


def operation_count(running, operation: str) -> int:
    records = running.request_counts()["records"]
    return sum(r["count"] for r in records if r["operation"] == operation)


def test_it_raises_auth_expired_once_the_session_is_revoked(fresh_emulator):
    with client_for(fresh_emulator, "agent") as agent:
        agent.get_extension()
        revoke_sessions(fresh_emulator, "agent")
        with pytest.raises(AuthExpired) as expired:
            agent.list_messages()
    assert (expired.value.status, expired.value.error_code) == (401, "OAU-213")
    assert expired.value.transient is False


def test_it_raises_unavailable_for_a_503_and_does_not_retry_a_send(emulator_factory):
    running = emulator_factory("--error-rate", "1")
    user = running.user("agent")
    set_faults(running)  # no errors while the token is fetched…
    with client_for(running, "agent") as agent:
        set_faults(running, error_rate=1.0)  # …then every answer is a 503 again
        with pytest.raises(Unavailable) as busy:
            agent.list_messages()
        with pytest.raises(Unavailable):
            agent.send_sms(from_number=user["sms_numbers"][0], to_numbers=[unique_number()],
                           text="once")  # fmt: skip
    assert busy.value.transient
    assert (busy.value.status, busy.value.error_code) == (503, "CMN-201")
    assert busy.value.may_have_taken_effect is False
    assert operation_count(running, "createSMSMessage") == 1


def test_it_raises_rate_limited_with_retry_after_and_group(fresh_emulator):
    agent_id = fresh_emulator.user("agent")["extension_id"]
    set_faults(fresh_emulator, forced_429=[{"extension_id": agent_id, "group": "Light"}])
    with client_for(fresh_emulator, "agent") as agent:
        with pytest.raises(RateLimited) as limited:
            agent.list_messages()
        assert agent.list_extensions().records  # a Medium call still answers
    assert limited.value.status == 429
    assert limited.value.group == "Light"
    assert limited.value.retry_after > 0
    assert limited.value.transient


def test_it_sends_nothing_more_of_that_group_while_a_429_penalty_lasts(fresh_emulator):
    agent_id = fresh_emulator.user("agent")["extension_id"]
    set_faults(fresh_emulator, forced_429=[{"extension_id": agent_id, "group": "Light"}])
    budget = LocalRateBudget()
    with client_for(fresh_emulator, "agent", budget=budget, wait_for_slot=False) as agent:
        with pytest.raises(RateLimited) as from_platform:
            agent.get_extension()
        sent = count_of(fresh_emulator)
        with pytest.raises(RateLimited) as from_budget:
            agent.list_messages()
        agent.list_extensions()  # a Medium call goes on
    assert from_platform.value.status == 429
    assert from_budget.value.status is None  # refused before sending
    assert from_budget.value.retry_after > 30  # the emulator's penalty: 60 s
    assert count_of(fresh_emulator) == sent + 1  # only the Medium call


def test_it_gives_up_on_a_hanging_request_at_its_timeout(emulator_factory):
    running = emulator_factory("--hang-rate", "1", "--hang-seconds", "5")
    user = running.user("agent")
    set_faults(running)  # the token endpoint would hang too
    token = running.token("agent")["access_token"]
    set_faults(running, hang_rate=1.0, hang_seconds=5)
    agent = RingCentralClient(running.url, token, budget_key="ext:agent", timeout=(1, 1))
    started = time.monotonic()
    with pytest.raises(Unavailable) as hung:
        agent.list_messages()
    assert time.monotonic() - started < 3
    assert hung.value.transient
    with pytest.raises(Unavailable) as unsure:
        agent.send_sms(from_number=user["sms_numbers"][0], to_numbers=[unique_number()],
                       text="did it go?")  # fmt: skip
    # the platform carried the send out before holding the answer: the caller must not
    # send it again blindly, and the client did not
    assert unsure.value.may_have_taken_effect is True
    assert operation_count(running, "createSMSMessage") <= 1
    agent.close()


def test_it_raises_unavailable_when_nothing_listens(unused_tcp_port):
    client = RingCentralClient(f"http://127.0.0.1:{unused_tcp_port}", "t", budget_key="k")
    with pytest.raises(Unavailable) as refused:
        client.get_extension()
    assert refused.value.may_have_taken_effect is False


def test_it_never_shows_the_token_in_errors_or_reprs(emulator_factory):
    running = emulator_factory()
    token = running.token("agent")["access_token"]
    client = RingCentralClient(running.url, token, budget_key="ext:agent", timeout=(1, 1))
    caught: list[RingCentralError] = []
    for action in (
        lambda: client.get_message(message_id=1),
        lambda: client.list_messages(extension_id=running.user("admin")["extension_id"]),
        lambda: client.list_messages(page=0),
    ):
        with pytest.raises(Rejected) as rejected:
            action()
        caught.append(rejected.value)
    set_faults(running, error_rate=1.0)
    with pytest.raises(Unavailable) as busy:
        client.get_extension()
    caught.append(busy.value)
    set_faults(running, hang_rate=1.0, hang_seconds=3)
    with pytest.raises(Unavailable) as hung:
        client.get_extension()
    caught.append(hung.value)
    set_faults(running)
    revoke_sessions(running, "agent")
    with pytest.raises(AuthExpired) as expired:
        client.get_extension()
    caught.append(expired.value)

    texts = [str(error) for error in caught] + [repr(error) for error in caught]
    texts += [repr(client), repr(client._auth), str(vars(client).get("_auth"))]
    assert all(token not in text for text in texts)
    # nothing chained: a requests exception would carry the request, Authorization and all
    assert all(e.__cause__ is None and e.__context__ is None for e in caught)
    client.close()


def test_it_raises_auth_expired_from_every_kind_of_call(fresh_emulator):
    with client_for(fresh_emulator, "agent2") as agent:
        revoke_sessions(fresh_emulator, "agent2")
        for action in (
            agent.list_extensions,
            agent.list_subscriptions,
            agent.fax_cover_pages,
            lambda: agent.send_pager(text="hi", to_extension_numbers=["101"]),
        ):
            with pytest.raises(AuthExpired):
                action()
