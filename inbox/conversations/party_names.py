"""The names of the people a mailbox corresponds with, remembered as their messages are seen.

RingCentral names a customer on some messages of a conversation only — the sender of a
received message, hardly ever the recipient of a sent one — while the conversation list shows
each conversation by its newest message. Without a memory, a customer's name would give way to
their number as soon as anyone replied. So whatever the inbox reads anyway — list rows, the
unread count's records, threads, and every record of the live sync (whose first, full sync
covers the list's 30-day window) — leaves the names it shows here, per mailbox and number, in
Django's cache (Redis in production), apart from the mailbox's answers: dropping those does
not forget who someone is. Nothing calls RingCentral to find a name.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

from django.core.cache import cache

from inbox.cache import CACHE_ERRORS, PREFIX
from inbox.conversations.presenters import MessageView, party_names_of

log = logging.getLogger(__name__)

# kept a year from when it was learned (or changed); forgotten, it is learned again from the
# next list row, thread or synced record that carries it
NAME_TTL = 365 * 24 * 3600


def _key(account_id: int, extension_id: int, number: str) -> str:
    return f"{PREFIX}:name:{account_id}:{extension_id}:{number}"


def party_names_recall(
    *, account_id: int, extension_id: int, numbers: Iterable[str]
) -> dict[str, str]:
    """The names the mailbox remembers for these numbers (number → name); numbers it knows
    no name for are left out."""
    keys = {_key(account_id, extension_id, number): number for number in set(numbers)}
    if not keys:
        return {}
    try:
        found = cache.get_many(list(keys))
    except CACHE_ERRORS as exc:
        log.warning("Inbox cache read failed: %s", exc)
        return {}
    return {keys[key]: str(value) for key, value in found.items()}


def party_names_remember(
    *,
    account_id: int,
    extension_id: int,
    names: Mapping[str, str],
    known: Mapping[str, str],
) -> None:
    """Remember `names` (number → name) where they differ from `known` (what
    `party_names_recall` gave): nothing unchanged is written again."""
    changed = {
        _key(account_id, extension_id, number): name
        for number, name in names.items()
        if number and name and known.get(number) != name
    }
    if not changed:
        return
    try:
        cache.set_many(changed, NAME_TTL)
    except CACHE_ERRORS as exc:
        log.warning("Inbox cache write failed: %s", exc)


def party_names_learn(*, account_id: int, extension_id: int, views: Iterable[MessageView]) -> None:
    """Remember the names these messages give (the live sync's records, as they arrive)."""
    seen = party_names_of(views)
    if not seen:
        return
    known = party_names_recall(account_id=account_id, extension_id=extension_id, numbers=seen)
    party_names_remember(account_id=account_id, extension_id=extension_id, names=seen, known=known)
