"""Presence in the cache: who else is in a thread, typing over viewing, expiry, leaving, and
no growth (every key expires; the index keeps only live entries) — on the run's cache
(Redis or memory) and on the file cache of a bare clone."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from accounts.models import User
from inbox.presence import store
from inbox.presence.selectors import Reply, ThreadPresence, names_joined, presence_for_thread
from inbox.presence.services import first_name, presence_leave, presence_mark

ACCOUNT, EXTENSION, THREAD = 400_000_000_001, 400_000_000_201, 9_000_000_000_123


@pytest.fixture(params=["run", "file"])
def any_cache(request: pytest.FixtureRequest, settings: Any, tmp_path: Path) -> str:
    """The run's own cache (tests/inbox/conftest.py), then the file cache."""
    if request.param == "file":
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                "LOCATION": str(tmp_path / "cache"),
                "KEY_PREFIX": f"presence-{uuid.uuid4().hex}",
            }
        }
    return str(request.param)


def person(first: str, last: str = "Tester") -> User:
    return User.objects.create_user(
        f"{first.lower()}-{uuid.uuid4().hex[:8]}", first_name=first, last_name=last
    )


def mark(user: User, kind: str = "viewing", thread: int = THREAD) -> None:
    presence_mark(
        account_id=ACCOUNT, extension_id=EXTENSION, conversation_id=thread, user=user, kind=kind
    )


def seen_by(user: User, thread: int = THREAD) -> ThreadPresence:
    return presence_for_thread(
        account_id=ACCOUNT, extension_id=EXTENSION, conversation_id=thread, viewer=user
    )


def wait_for(condition: Callable[[], bool], *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"not within {seconds} s: {what}"
        time.sleep(0.05)


def keys_of(riley: User, thread: int = THREAD) -> list[str]:
    return [
        *(
            store.person_key(
                account_id=ACCOUNT,
                extension_id=EXTENSION,
                kind=kind,
                conversation_id=thread,
                user_id=riley.pk,
            )
            for kind in store.KINDS
        ),
        store.index_key(account_id=ACCOUNT, extension_id=EXTENSION, conversation_id=thread),
    ]


@pytest.fixture
def short_expiry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(store.TTLS, "viewing", 1)
    monkeypatch.setitem(store.TTLS, "typing", 1)


@pytest.mark.django_db
def test_it_shows_who_else_is_viewing_and_never_oneself(any_cache: str) -> None:
    riley, sam = person("Riley"), person("Sam")

    mark(riley)

    assert seen_by(sam) == ThreadPresence(viewing=("Riley",))
    assert seen_by(sam).text == "Riley is viewing"
    assert seen_by(riley) == ThreadPresence()
    assert seen_by(sam, thread=THREAD + 1) == ThreadPresence()


@pytest.mark.django_db
def test_it_shows_typing_rather_than_viewing(any_cache: str) -> None:
    riley, sam, alex = person("Riley"), person("Sam"), person("Alex")

    mark(riley)
    mark(riley, "typing")
    mark(alex)

    assert seen_by(sam) == ThreadPresence(viewing=("Alex",), typing=("Riley",))
    assert seen_by(sam).text == "Riley is typing… Alex is viewing"


@pytest.mark.django_db
def test_it_names_several_people_in_one_sentence(any_cache: str) -> None:
    riley, sam, alex = person("Riley"), person("Sam"), person("Alex")

    mark(riley)
    mark(sam)

    assert seen_by(alex).text == "Riley and Sam are viewing"


@pytest.mark.django_db
def test_it_forgets_people_when_their_keys_expire_and_leaves_no_key_behind(
    any_cache: str, short_expiry: None
) -> None:
    riley, sam = person("Riley"), person("Sam")
    mark(riley)
    mark(riley, "typing")
    assert seen_by(sam).typing == ("Riley",)

    wait_for(lambda: seen_by(sam) == ThreadPresence(), seconds=3, what="Riley forgotten")
    wait_for(
        lambda: all(cache.get(key) is None for key in keys_of(riley)),
        seconds=3,
        what="every key of the thread expired",
    )


@pytest.mark.django_db
def test_leaving_takes_the_person_away_at_once(any_cache: str) -> None:
    riley, sam = person("Riley"), person("Sam")
    mark(riley)
    mark(riley, "typing")

    presence_leave(account_id=ACCOUNT, extension_id=EXTENSION, conversation_id=THREAD, user=riley)

    assert seen_by(sam) == ThreadPresence()


@pytest.mark.django_db
def test_the_index_keeps_only_people_still_there(any_cache: str, short_expiry: None) -> None:
    """Alex stays (his heartbeat keeps the index alive); twenty visitors come and go."""
    sam, alex = person("Sam"), person("Alex")
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(store.TTLS, "viewing", 10)
        mark(alex)
    for visitor in [person(f"Visitor{i}") for i in range(20)]:
        mark(visitor)
    index = store.index_key(account_id=ACCOUNT, extension_id=EXTENSION, conversation_id=THREAD)
    assert len(cache.get(index)) == 21

    wait_for(
        lambda: seen_by(sam) == ThreadPresence(viewing=("Alex",)),
        seconds=3,
        what="the visitors gone",
    )
    riley = person("Riley")
    mark(riley)

    assert set(cache.get(index)) == {alex.pk, riley.pk}


@pytest.mark.django_db
def test_with_redis_every_presence_key_has_an_expiry(settings: Any) -> None:
    if "redis" not in settings.CACHES["default"]["BACKEND"].lower():
        pytest.skip("needs REDIS_URL")
    riley = person("Riley")
    mark(riley)
    mark(riley, "typing")

    client = cache._cache.get_client()  # type: ignore[attr-defined]
    for key in keys_of(riley):
        ttl = client.ttl(cache.make_key(key))
        assert 0 < ttl <= store.VIEWING_TTL, (key, ttl)


@pytest.mark.django_db
def test_it_refuses_a_kind_it_does_not_know() -> None:
    with pytest.raises(ValueError, match="Unknown presence kind"):
        mark(person("Riley"), "lurking")


@pytest.mark.django_db
def test_it_names_people_by_their_first_name() -> None:
    assert first_name(person("Riley", "Chen")) == "Riley"
    nameless = User.objects.create_user("ops-bot")
    assert first_name(nameless) == "ops-bot"


def test_it_joins_names_as_a_sentence_does() -> None:
    assert names_joined(()) == ""
    assert names_joined(("Riley",)) == "Riley"
    assert names_joined(("Alex", "Riley", "Sam")) == "Alex, Riley and Sam"


def test_a_reply_says_how_long_ago() -> None:
    now = timezone.now()
    assert Reply("Riley", now - timedelta(seconds=20)).question(now) == (
        "Riley replied 20 s ago — send anyway?"
    )
    assert Reply("Riley", now).ago(now) == "1 s ago"
    assert Reply("Riley", now - timedelta(minutes=3, seconds=5)).ago(now) == "3 min ago"
    assert Reply("Riley", now - timedelta(hours=2)).ago(now) == "2 h ago"
