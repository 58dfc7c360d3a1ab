"""WebHook subscriptions at RingCentral, one per working credential (REFERENCE §16): each
person's own mailbox and each team mailbox, kept current whether or not a page is open.

Created when a person signs in or an admin connects a team mailbox (a task, so neither waits
on RingCentral), checked by Celery beat every `LIVE_SUBSCRIPTION_CHECK_EVERY` seconds (renewed
when less than a quarter of its life is left; deleted and created again when RingCentral
blacklisted it or forgot it, followed by a sync that catches up what the webhook missed;
created for a connected credential that has none), and deleted when the person signs out or
the team mailbox is disconnected. Every call is made with the subscription's own credential.

The webhook's address carries the row's random `hook_id`; the verification token is kept as
its SHA-256 digest only.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.errors import ReconnectRequired
from accounts.models import RingCentralCredential, User
from accounts.services import ringcentral_call
from inbox.live.sync import mailbox_sync_request, task_options
from inbox.models import MailboxSubscription
from inbox.queueing import task_enqueue
from rcapi import Rejected, RingCentralClient, RingCentralError, Subscription

log = logging.getLogger(__name__)

SUBSCRIPTION_ENSURE_TASK = "inbox.live.tasks.rc_subscription_ensure"
CREDENTIAL_SUBSCRIPTION_ENSURE_TASK = "inbox.live.tasks.rc_credential_subscription_ensure"

T = TypeVar("T")

EVENT_FILTERS = (
    "/restapi/v1.0/account/~/extension/~/message-store",
    "/restapi/v1.0/account/~/extension/~/message-store/instant?type=SMS",
)
LIVE = (MailboxSubscription.Status.CREATING, MailboxSubscription.Status.ACTIVE)
# a sign-in's task still waiting after this long is dropped: the beat's check creates it anyway
SIGNIN_TASK_EXPIRES = 600

NOT_REACHABLE = (
    "RingCentral could not create the subscription ({reason}). Check that WEBHOOK_BASE_URL "
    "is an address RingCentral can reach; until then the inbox syncs every {every} seconds."
)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(*, subscription: MailboxSubscription, token: str) -> bool:
    """Whether `token` is the subscription's verification token (constant-time compare)."""
    return secrets.compare_digest(token_digest(token), subscription.token_digest)


def webhook_address(hook_id: uuid.UUID) -> str:
    return settings.WEBHOOK_BASE_URL + reverse("inbox:webhook", args=[hook_id])


# --------------------------------------------------------------------------- sign-in / sign-out


def subscription_ensure_enqueue(*, user_id: int) -> None:
    """After the current transaction: make sure the user's mailbox has a subscription."""
    transaction.on_commit(
        lambda: task_enqueue(
            SUBSCRIPTION_ENSURE_TASK,
            args=[user_id],
            expires=SIGNIN_TASK_EXPIRES,
            **task_options(),
        )
    )


def credential_subscription_ensure_enqueue(*, credential_id: int) -> None:
    """After the current transaction: make sure the credential's mailbox (a team mailbox's)
    has a subscription."""
    transaction.on_commit(
        lambda: task_enqueue(
            CREDENTIAL_SUBSCRIPTION_ENSURE_TASK,
            args=[credential_id],
            expires=SIGNIN_TASK_EXPIRES,
            **task_options(),
        )
    )


def subscription_drop(*, user: User) -> int:
    """The user signs out: see `credential_subscriptions_drop`."""
    credential = RingCentralCredential.objects.filter(user=user).first()
    return 0 if credential is None else credential_subscriptions_drop(credential=credential)


def credential_subscriptions_drop(*, credential: RingCentralCredential) -> int:
    """The session ends (sign-out, a team mailbox disconnected): delete its subscriptions at
    RingCentral (while its token still works) and here. RingCentral's failures are logged and
    otherwise ignored; a subscription left behind there expires on its own. The number
    dropped."""
    rows = list(
        MailboxSubscription.objects.filter(credential=credential).exclude(
            status=MailboxSubscription.Status.DELETED
        )
    )
    for row in rows:
        if row.rc_subscription_id and row.status != MailboxSubscription.Status.FAILED:
            _delete_quietly(credential, row.rc_subscription_id)
        MailboxSubscription.objects.filter(pk=row.pk).update(
            status=MailboxSubscription.Status.DELETED, updated_at=timezone.now()
        )
    return len(rows)


# --------------------------------------------------------------------------- ensure / maintain


def subscription_ensure(*, user_id: int) -> MailboxSubscription | None:
    """The user's live subscription (see `credential_subscription_ensure`); None when the user
    has no working RingCentral session."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    credential = (
        RingCentralCredential.objects.filter(user=user).first() if user is not None else None
    )
    return None if credential is None else credential_subscription_ensure(credential=credential)


def credential_subscription_ensure(
    *, credential: RingCentralCredential
) -> MailboxSubscription | None:
    """The credential's live subscription: kept if it is good for a while, renewed if it ends
    soon, created otherwise. None when the session does not work."""
    if not _connected(credential):
        return None
    current = _current(credential)
    if current is not None and current.status == MailboxSubscription.Status.ACTIVE:
        if not _ends_soon(current):
            return current
        renewed = _renew(credential, current)
        if renewed is not None:
            return renewed
    return _create(credential)


def subscriptions_maintain() -> int:
    """The beat's check of every subscription; the number created, renewed or recreated."""
    touched = 0
    for row in MailboxSubscription.objects.select_related("credential__user").filter(
        status=MailboxSubscription.Status.ACTIVE, credential__isnull=False
    ):
        assert row.credential is not None
        if _connected(row.credential):
            touched += _check(row, row.credential)
    # working credentials without a live subscription (a lost task, an earlier failure)
    have = MailboxSubscription.objects.filter(status__in=LIVE, credential__isnull=False).values(
        "credential_id"
    )
    working = RingCentralCredential.objects.filter(
        status=RingCentralCredential.Status.CONNECTED
    ).exclude(pk__in=have)
    for credential in working.select_related("user").order_by("pk"):
        if _connected(credential) and _create(credential) is not None:
            touched += 1
    return touched


def _check(row: MailboxSubscription, credential: RingCentralCredential) -> int:
    """Ask RingCentral how the subscription is; act on what it says."""
    try:
        found: Subscription | None = _call(
            credential,
            lambda client: client.get_subscription(subscription_id=row.rc_subscription_id),
        )
    except Rejected as exc:
        if exc.status != 404:
            _note_error(row, f"RingCentral refused to show the subscription: {exc}")
            return 0
        found = None  # expired (SUB-507) or unknown (CMN-120) there
    except (RingCentralError, ReconnectRequired) as exc:
        _note_error(row, f"RingCentral could not be asked about the subscription: {exc}")
        return 0
    MailboxSubscription.objects.filter(pk=row.pk).update(checked_at=timezone.now())
    if found is None or found.status != "Active":
        status = (
            MailboxSubscription.Status.BLACKLISTED if found else MailboxSubscription.Status.DELETED
        )
        reason = "blacklisted it" if found else "no longer knows it"
        log.info("RingCentral %s: subscription of extension %s", reason, row.extension_id)
        if found is not None:
            _delete_quietly(credential, row.rc_subscription_id)
        MailboxSubscription.objects.filter(pk=row.pk).update(
            status=status, last_error=f"RingCentral {reason}; a new one was created."
        )
        created = _create(credential)
        # notifications were lost meanwhile: a sync catches up
        mailbox_sync_request(account_id=row.account_id, extension_id=row.extension_id)
        return 1 if created else 0
    if found.expires_at is not None:
        MailboxSubscription.objects.filter(pk=row.pk).update(expires_at=found.expires_at)
        row.expires_at = found.expires_at
    if _ends_soon(row) and _renew(credential, row) is not None:
        return 1
    return 0


def _mailbox_of(credential: RingCentralCredential) -> tuple[int, int]:
    user = credential.user
    if user is not None and user.rc_account_id is not None and user.rc_extension_id is not None:
        return user.rc_account_id, user.rc_extension_id
    assert credential.account_id is not None and credential.extension_id is not None
    return credential.account_id, credential.extension_id


def _create(credential: RingCentralCredential) -> MailboxSubscription | None:
    """A new subscription for the credential's mailbox. Its row exists (with the token's
    digest) before RingCentral is asked, because RingCentral calls the webhook before it
    answers."""
    account_id, extension_id = _mailbox_of(credential)
    token = secrets.token_urlsafe(32)
    row = MailboxSubscription.objects.create(
        credential=credential,
        owner=credential.user,
        account_id=account_id,
        extension_id=extension_id,
        hook_id=uuid.uuid4(),
        token_digest=token_digest(token),
    )
    address = webhook_address(row.hook_id)
    try:
        created = _call(
            credential,
            lambda client: client.create_subscription(
                event_filters=EVENT_FILTERS,
                address=address,
                verification_token=token,
                expires_in=settings.LIVE_SUBSCRIPTION_TTL,
            ),
        )
    except (RingCentralError, ReconnectRequired) as exc:
        sentence = NOT_REACHABLE.format(reason=exc, every=settings.LIVE_SYNC_EVERY)
        log.info("Subscribing extension %s failed: %s", extension_id, exc)
        MailboxSubscription.objects.filter(pk=row.pk).update(
            status=MailboxSubscription.Status.FAILED, last_error=sentence
        )
        return None
    now = timezone.now()
    MailboxSubscription.objects.filter(pk=row.pk).update(
        rc_subscription_id=created.id,
        status=MailboxSubscription.Status.ACTIVE,
        expires_at=created.expires_at,
        checked_at=now,
        last_error="",
    )
    # the older ones of this mailbox are replaced
    for old in MailboxSubscription.objects.filter(
        credential=credential, status=MailboxSubscription.Status.ACTIVE
    ).exclude(pk=row.pk):
        _delete_quietly(credential, old.rc_subscription_id)
        MailboxSubscription.objects.filter(pk=old.pk).update(
            status=MailboxSubscription.Status.DELETED
        )
    MailboxSubscription.objects.filter(
        credential=credential, status=MailboxSubscription.Status.FAILED
    ).update(status=MailboxSubscription.Status.DELETED)
    row.refresh_from_db()
    log.info("Subscribed extension %s to message events", extension_id)
    return row


def _renew(
    credential: RingCentralCredential, row: MailboxSubscription
) -> MailboxSubscription | None:
    try:
        renewed = _call(
            credential,
            lambda client: client.renew_subscription(subscription_id=row.rc_subscription_id),
        )
    except (RingCentralError, ReconnectRequired) as exc:
        _note_error(row, f"RingCentral did not renew the subscription: {exc}")
        return None
    MailboxSubscription.objects.filter(pk=row.pk).update(
        expires_at=renewed.expires_at, renewed_at=timezone.now(), last_error=""
    )
    row.refresh_from_db()
    return row


def _ends_soon(row: MailboxSubscription) -> bool:
    if row.expires_at is None:
        return True
    ahead = timedelta(seconds=settings.LIVE_SUBSCRIPTION_TTL / 4)
    return row.expires_at - ahead <= timezone.now()


def _current(credential: RingCentralCredential) -> MailboxSubscription | None:
    return (
        MailboxSubscription.objects.filter(
            credential=credential, status=MailboxSubscription.Status.ACTIVE
        )
        .order_by("-created_at")
        .first()
    )


def _connected(credential: RingCentralCredential) -> bool:
    """A working session of a mailbox: a person's (active, signed in) or a team mailbox's."""
    credential.refresh_from_db(fields=["status"])
    if credential.status != RingCentralCredential.Status.CONNECTED:
        return False
    user = credential.user
    if user is not None:
        return user.is_active and user.rc_extension_id is not None
    return credential.extension_id is not None


def _note_error(row: MailboxSubscription, sentence: str) -> None:
    MailboxSubscription.objects.filter(pk=row.pk).update(
        last_error=sentence, checked_at=timezone.now()
    )


def _delete_quietly(credential: RingCentralCredential, subscription_id: str) -> None:
    if not subscription_id:
        return
    try:
        _call(
            credential, lambda client: client.delete_subscription(subscription_id=subscription_id)
        )
    except (RingCentralError, ReconnectRequired) as exc:
        log.info("Deleting subscription %s failed: %s", subscription_id, exc)


def _call(credential: RingCentralCredential, operation: Callable[[RingCentralClient], T]) -> T:
    return ringcentral_call(credential, operation)
