"""Writes of presence: a person's page says they have a thread open, or that they are typing
in its composer, or that they left it. Only the cache is written (see `inbox.presence.store`)."""

from __future__ import annotations

import logging
import math
import time

from django.core.cache import cache

from accounts.models import User
from inbox.presence.store import CACHE_ERRORS, KINDS, TTLS, index_key, person_key

log = logging.getLogger(__name__)

# a lost update of the index (two people's heartbeats at the same moment) is written again
INDEX_TRIES = 3


def first_name(user: User) -> str:
    """How presence names a person: "Riley", else their user name."""
    return user.first_name.strip() or (user.get_full_name() or user.username).split()[0]


def _index_add(key: str, user_id: int, expires: float) -> None:
    for _ in range(INDEX_TRIES):
        now = time.time()
        entries: dict[int, float] = {
            uid: at for uid, at in (cache.get(key) or {}).items() if at > now
        }
        entries[user_id] = max(expires, entries.get(user_id, 0.0))
        cache.set(key, entries, math.ceil(max(entries.values()) - now))
        if (cache.get(key) or {}).get(user_id, 0.0) >= expires:
            return


def presence_mark(
    *, account_id: int, extension_id: int, conversation_id: int, user: User, kind: str
) -> None:
    """`user` has the thread open (`kind` "viewing") or is typing a reply in it ("typing"),
    for the next `TTLS[kind]` seconds."""
    if kind not in KINDS:
        raise ValueError(f"Unknown presence kind: {kind!r}")
    ttl = TTLS[kind]
    key = person_key(
        account_id=account_id,
        extension_id=extension_id,
        kind=kind,
        conversation_id=conversation_id,
        user_id=user.pk,
    )
    try:
        cache.set(key, {"name": first_name(user)}, ttl)
        _index_add(
            index_key(
                account_id=account_id, extension_id=extension_id, conversation_id=conversation_id
            ),
            user.pk,
            time.time() + ttl,
        )
    except CACHE_ERRORS as exc:
        log.warning("Presence write failed: %s", exc)


def presence_leave(*, account_id: int, extension_id: int, conversation_id: int, user: User) -> None:
    """`user` closed the thread: they are neither viewing nor typing in it any more."""
    try:
        cache.delete_many(
            [
                person_key(
                    account_id=account_id,
                    extension_id=extension_id,
                    kind=kind,
                    conversation_id=conversation_id,
                    user_id=user.pk,
                )
                for kind in KINDS
            ]
        )
    except CACHE_ERRORS as exc:
        log.warning("Presence write failed: %s", exc)
    # the index keeps the entry until it expires: readers skip people without a key
