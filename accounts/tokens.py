"""Encryption of RingCentral tokens at rest, with the keys of `settings.TOKEN_ENCRYPTION_KEYS`.

The first key encrypts; every key decrypts (`MultiFernet`), so a new key can be put first
while rows written with older keys are still read. `token_reencrypt` rewrites a value with the
newest key; `accounts.services.credential_keys_rotate` applies it to every stored credential.

Nothing here logs, and no error raised here carries the value it failed on.
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class TokenDecryptionError(Exception):
    """A stored token that none of the configured keys opens (a key was dropped too early)."""


@lru_cache(maxsize=4)
def _multi_fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def _cipher() -> MultiFernet:
    # keyed on the keys themselves, so a change of settings (tests, rotation) is seen at once
    return _multi_fernet(tuple(settings.TOKEN_ENCRYPTION_KEYS))


def token_encrypt(value: str) -> str:
    """`value` encrypted with the first key; the empty string stays empty."""
    if not value:
        return ""
    return _cipher().encrypt(value.encode()).decode("ascii")


def token_decrypt(stored: str) -> str:
    if not stored:
        return ""
    try:
        return _cipher().decrypt(stored.encode("ascii")).decode()
    except (InvalidToken, UnicodeError):
        raise TokenDecryptionError(
            "A stored RingCentral token cannot be decrypted with the configured "
            "TOKEN_ENCRYPTION_KEYS."
        ) from None


def token_reencrypt(stored: str) -> str:
    """`stored` decrypted and encrypted again with the first key."""
    if not stored:
        return ""
    try:
        return _cipher().rotate(stored.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeError):
        raise TokenDecryptionError(
            "A stored RingCentral token cannot be decrypted with the configured "
            "TOKEN_ENCRYPTION_KEYS."
        ) from None
