from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from accounts.services import credential_keys_rotate


class Command(BaseCommand):
    help = (
        "Encrypt every stored RingCentral token again with the first key of "
        "TOKEN_ENCRYPTION_KEYS, so that the older keys can then be removed."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        rewritten = credential_keys_rotate()
        self.stdout.write(
            f"Encrypted the tokens of {rewritten} RingCentral credential(s) again with the "
            "first key of TOKEN_ENCRYPTION_KEYS."
        )
