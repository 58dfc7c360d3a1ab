"""The cache keys presence lives under, and how long each lasts.

Per thread there is one key per person and kind (`…:viewing:…:<user id>`,
`…:typing:…:<user id>`) and one small index of the people with a key, so that reading a
thread's presence is two cache round trips whatever the size of the team. The index's entries
carry their own expiry and are pruned on every write; the index itself expires with its
newest entry. Everything here works the same on Redis, the file cache and the memory cache.
"""

from __future__ import annotations

import logging

import redis

log = logging.getLogger(__name__)

VIEWING_TTL = 10  # seconds: pages refresh it every 3 s while they are visible
TYPING_TTL = 4  # seconds: the composer refreshes it while keys are pressed
ACCESS_TTL = 10  # seconds a granted access check is trusted by the once-a-second poll
KINDS = ("viewing", "typing")
TTLS = {"viewing": VIEWING_TTL, "typing": TYPING_TTL}

# presence is a courtesy: a cache that does not answer shows nobody, and breaks nothing
CACHE_ERRORS = (OSError, redis.RedisError)

PREFIX = "presence"


def person_key(
    *, account_id: int, extension_id: int, kind: str, conversation_id: int, user_id: int
) -> str:
    return f"{PREFIX}:{account_id}:{extension_id}:{kind}:{conversation_id}:{user_id}"


def index_key(*, account_id: int, extension_id: int, conversation_id: int) -> str:
    return f"{PREFIX}:{account_id}:{extension_id}:index:{conversation_id}"


def access_key(*, user_id: int, extension_id: int) -> str:
    return f"{PREFIX}:access:{user_id}:{extension_id}"
