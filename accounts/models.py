from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A person who signs in with their own RingCentral account."""

    class Role(models.TextChoices):
        ADMIN = "admin", "Admin"
        AGENT = "agent", "Agent"

    # RingCentral ids are int64; they stay ints end to end.
    rc_account_id = models.BigIntegerField("RingCentral account id", null=True, blank=True)
    rc_extension_id = models.BigIntegerField("RingCentral extension id", null=True, blank=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.AGENT)

    def __str__(self) -> str:
        return self.username
