"""RingCentral answers kept for a short while, per (mailbox, query), in Django's cache (Redis
when `REDIS_URL` is set).

Each mailbox has a generation number; every key of the mailbox includes it, so dropping all of
a mailbox's answers is one write (`mailbox_cache_drop`), whatever queries were cached. The
user's own writes drop them; the live-updates work will call the same function on
RingCentral's notifications.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Mapping
from typing import Any

import redis
from django.core.cache import cache

log = logging.getLogger(__name__)

ANSWER_TTL = 30  # seconds: repeated views cost at most one RingCentral call per 30 s
DIRECTORY_TTL = 300  # the account's extensions change rarely
GENERATION_TTL = 7 * 24 * 3600
PREFIX = "inbox:v1"

# cache failures must not take the inbox down: it then simply asks RingCentral
CACHE_ERRORS = (OSError, redis.RedisError)


def _generation_key(account_id: int, extension_id: int) -> str:
    return f"{PREFIX}:gen:{account_id}:{extension_id}"


def _generation(account_id: int, extension_id: int) -> str:
    key = _generation_key(account_id, extension_id)
    try:
        value = cache.get(key)
        if value is None:
            cache.add(key, f"{time.time_ns():x}", GENERATION_TTL)
            value = cache.get(key)
    except CACHE_ERRORS as exc:
        log.warning("Inbox cache read failed: %s", exc)
        value = None
    # without a generation nothing cached can be trusted: a key of its own, never read again
    return str(value) if value is not None else f"uncached-{time.time_ns():x}"


def query_digest(query: Mapping[str, Any]) -> str:
    """A stable digest of a normalised query (keys sorted, values as JSON)."""
    text = json.dumps(query, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def mailbox_key(account_id: int, extension_id: int, kind: str, query: Mapping[str, Any]) -> str:
    generation = _generation(account_id, extension_id)
    return f"{PREFIX}:{account_id}:{extension_id}:{generation}:{kind}:{query_digest(query)}"


def cached_get(key: str) -> Any:
    try:
        return cache.get(key)
    except CACHE_ERRORS as exc:
        log.warning("Inbox cache read failed: %s", exc)
        return None


def cached_set(key: str, value: Any, ttl: int = ANSWER_TTL) -> None:
    try:
        cache.set(key, value, ttl)
    except CACHE_ERRORS as exc:
        log.warning("Inbox cache write failed: %s", exc)


def mailbox_cache_drop(*, account_id: int, extension_id: int) -> None:
    """Forget every cached answer about this mailbox (lists, threads, messages, counts)."""
    try:
        cache.set(_generation_key(account_id, extension_id), f"{time.time_ns():x}", GENERATION_TTL)
    except CACHE_ERRORS as exc:
        log.warning("Inbox cache drop failed: %s", exc)


def directory_key(account_id: int) -> str:
    return f"{PREFIX}:directory:{account_id}"
