from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A person who signs in with their own RingCentral account.

    `role` is the role in force: admin when RingCentral says the extension is an admin
    (`rc_is_admin`, refreshed at each sign-in) or when an admin of this dashboard granted it
    (`role_granted`, which no sign-in changes); agent otherwise.
    """

    class Role(models.TextChoices):
        ADMIN = "admin", "Admin"
        AGENT = "agent", "Agent"

    # RingCentral ids are int64; they stay ints end to end.
    rc_account_id = models.BigIntegerField("RingCentral account id", null=True, blank=True)
    rc_extension_id = models.BigIntegerField("RingCentral extension id", null=True, blank=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.AGENT)
    rc_extension_number = models.CharField("extension number", max_length=32, blank=True)
    # E.164 numbers this person may send SMS from (phone numbers with the SmsSender feature)
    sms_numbers = models.JSONField("SMS numbers", default=list, blank=True)
    rc_is_admin = models.BooleanField(
        "admin at RingCentral",
        default=False,
        help_text="What RingCentral said at the last sign-in.",
    )
    role_granted = models.BooleanField(
        "admin granted here",
        default=False,
        help_text="Makes this person an admin here whatever RingCentral says; "
        "signing in again does not change it.",
    )

    class Meta(AbstractUser.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["rc_account_id", "rc_extension_id"],
                name="accounts_user_unique_rc_extension",
            )
        ]

    def __str__(self) -> str:
        return self.username


class RingCentralCredential(models.Model):
    """A RingCentral session of one extension: its tokens, encrypted (see `accounts.tokens`),
    and whether it still works. Read and changed only through `accounts.services`.

    A person's own session has their `user`; a session of an extension no person owns (a
    shared number's, connected by an admin as a team mailbox) has none. Both are refreshed
    the same way, under the row's lock."""

    class Status(models.TextChoices):
        CONNECTED = "connected", "Connected"
        RECONNECT = "reconnect", "Needs reconnecting"
        SIGNED_OUT = "signed_out", "Signed out"

    user = models.OneToOneField(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="rc_credential"
    )
    # the extension the session is of (RingCentral ids, int64)
    account_id = models.BigIntegerField("RingCentral account id", null=True, blank=True)
    extension_id = models.BigIntegerField("RingCentral extension id", null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CONNECTED)
    # why the credential needs reconnecting, as a sentence a person can read
    status_reason = models.TextField(blank=True)
    access_token_encrypted = models.TextField(blank=True)
    refresh_token_encrypted = models.TextField(blank=True)
    access_expires_at = models.DateTimeField(null=True, blank=True)
    # the access token's lifetime as the server gave it (`expires_in`), in seconds
    access_lifetime = models.PositiveIntegerField(default=0)
    refresh_expires_at = models.DateTimeField(null=True, blank=True)
    scope = models.TextField(blank=True)
    session_id = models.CharField("RingCentral session id", max_length=128, blank=True)
    refreshed_at = models.DateTimeField("tokens issued at", null=True, blank=True)
    verified_at = models.DateTimeField("last seen working at", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "RingCentral credential"
        constraints = [
            models.UniqueConstraint(
                fields=["account_id", "extension_id"],
                name="accounts_credential_one_per_extension",
            )
        ]

    def __str__(self) -> str:
        if self.user_id is not None:
            return f"RingCentral credential of {self.user}"
        return f"RingCentral credential of extension {self.extension_id}"
