"""Properties of idempotency keys (`send_create_once` and the services on it): a key used again
returns the first send unchanged, whatever the new request says; one row and one hand-over to
the send pipeline per key and person.

Each example runs in a savepoint rolled back at its end, so examples see the same database."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import User
from inbox.models import Send
from inbox.sending.requests import pager_send_request_once, sms_send_request_once

OWN_NUMBER = "+16505550101"
CUSTOMERS = ["+16505550199", "+12125550123", "+14155550142", "+442079460958"]

# texts as forms pass them on: Django's and DRF's fields refuse NUL before any service runs,
# and no UTF-8 request carries a lone surrogate
texts = st.text(
    st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), min_size=1, max_size=40
).filter(str.strip)


@dataclass(frozen=True)
class Request:
    kind: Send.Kind
    text: str
    to: str


requests_ = st.builds(
    Request, st.sampled_from([Send.Kind.SMS, Send.Kind.PAGER]), texts, st.sampled_from(CUSTOMERS)
)
# a few keys, so that calls share them
keys = st.lists(st.uuids(), min_size=1, max_size=3, unique=True)


def send_once(user: User, request: Request, key: uuid.UUID) -> tuple[Send, bool]:
    if request.kind == Send.Kind.SMS:
        return sms_send_request_once(
            user=user,
            from_number=OWN_NUMBER,
            to_numbers=[request.to],
            text=request.text,
            idempotency_key=key,
        )
    # a pager reply in a known thread: no directory look-up at RingCentral
    return pager_send_request_once(
        user=user, to_extension_ids=[], text=request.text, reply_on=4242, idempotency_key=key
    )


def person(name: str, extension_id: int) -> User:
    return User.objects.create_user(
        name, rc_account_id=1, rc_extension_id=extension_id, sms_numbers=[OWN_NUMBER]
    )


@pytest.fixture
def alice(db: None) -> User:
    return person("alice", 101)


@pytest.fixture
def bob(db: None) -> User:
    return person("bob", 102)


in_the_database = settings(
    max_examples=20, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@in_the_database
@given(keys, st.lists(st.tuples(st.integers(0, 2), requests_), min_size=1, max_size=6))
def test_each_key_makes_one_send_whatever_comes_after(
    alice: User,
    django_capture_on_commit_callbacks: Callable[..., Any],
    keys: list[uuid.UUID],
    calls: list[tuple[int, Request]],
) -> None:
    with transaction.atomic():
        first_of: dict[uuid.UUID, tuple[Send, Request]] = {}
        with django_capture_on_commit_callbacks() as handed_over:
            for index, request in calls:
                key = keys[index % len(keys)]
                send, created = send_once(alice, request, key)

                assert created == (key not in first_of)
                first_of.setdefault(key, (send, request))
                first_send, first_request = first_of[key]
                assert send.pk == first_send.pk
                assert (send.kind, send.text) == (first_request.kind, first_request.text)

        assert len(handed_over) == len(first_of)  # one trip to the pipeline per send
        rows = Send.objects.filter(owner=alice)
        assert rows.count() == len(first_of)
        for key, (send, request) in first_of.items():
            stored = rows.get(idempotency_key=key)
            assert (stored.pk, stored.kind, stored.text) == (send.pk, request.kind, request.text)
        transaction.set_rollback(True)


@in_the_database
@given(st.uuids(), requests_, requests_)
def test_a_key_is_one_persons_own(
    alice: User, bob: User, key: uuid.UUID, alices: Request, bobs: Request
) -> None:
    with transaction.atomic():
        alice_send, alice_created = send_once(alice, alices, key)
        bob_send, bob_created = send_once(bob, bobs, key)

        assert alice_created and bob_created
        assert alice_send.pk != bob_send.pk
        assert (bob_send.owner_id, bob_send.text) == (bob.pk, bobs.text)
        assert Send.objects.filter(idempotency_key=key).count() == 2
        transaction.set_rollback(True)
