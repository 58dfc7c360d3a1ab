"""Reads for faxing: the cover pages RingCentral offers, and the fax a resend or forward starts
from (always through the inbox's access-checked selectors)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.core.cache import cache
from django.http import Http404

from accounts.errors import ReconnectRequired
from accounts.models import User
from inbox.cache import CACHE_ERRORS
from inbox.conversations import selectors
from inbox.conversations.presenters import MessageView, message_view
from inbox.models import Send
from inbox.ringcentral import InboxError, ringcentral_do
from inbox.sending.rules import SendInvalid
from rcapi import RingCentralClient

log = logging.getLogger(__name__)

COVER_PAGES_TTL = 3600  # the list is a dictionary of the platform: it changes with releases
COVER_PAGES_KEY = "inbox:v1:fax-cover-pages:{account_id}"


@dataclass(frozen=True)
class CoverPageChoice:
    id: int
    name: str


def fax_cover_page_name(*, user: User, cover_index: int) -> str:
    """What RingCentral calls cover page `cover_index` ("Confidential"); "Cover page 6" when
    RingCentral cannot be asked just now, so a fax's page still shows without its answer."""
    try:
        pages = fax_cover_pages_for_user(user=user)
    except (InboxError, ReconnectRequired, Http404) as exc:
        log.info("Cover page names not read for user %s: %s", user.pk, exc)
        pages = ()
    return next(
        (page.name for page in pages if page.id == cover_index), f"Cover page {cover_index}"
    )


def fax_cover_pages_for_user(*, user: User) -> tuple[CoverPageChoice, ...]:
    """The cover pages RingCentral offers `user` (index 0, "None", first), cached an hour per
    account. Raises `InboxError` when RingCentral cannot be asked."""
    key = COVER_PAGES_KEY.format(account_id=user.rc_account_id)
    try:
        cached = cache.get(key)
    except CACHE_ERRORS as exc:
        log.warning("Cover page cache read failed: %s", exc)
        cached = None
    if cached is not None:
        pages: tuple[CoverPageChoice, ...] = cached
        return pages

    def fetch(client: RingCentralClient) -> tuple[CoverPageChoice, ...]:
        found: list[CoverPageChoice] = []
        page = 1
        while page <= 10:  # 1000 a page: ten pages would be far more than the platform has
            records = client.fax_cover_pages(page=page, per_page=1000)
            found += [CoverPageChoice(r.id, r.name or f"Cover page {r.id}") for r in records]
            if len(records) < 1000:
                break
            page += 1
        return tuple(sorted(found, key=lambda choice: choice.id))

    pages = ringcentral_do(user, fetch)
    try:
        cache.set(key, pages, COVER_PAGES_TTL)
    except CACHE_ERRORS as exc:
        log.warning("Cover page cache write failed: %s", exc)
    return pages


@dataclass(frozen=True)
class FaxOriginal:
    """A fax of the user's own mailbox, as RingCentral has it now."""

    message: MessageView
    # outbound: each recipient's number and messageStatus; inbound: empty
    recipients: tuple[tuple[str, str], ...]

    @property
    def failed_numbers(self) -> list[str]:
        return [number for number, status in self.recipients if status == "SendingFailed"]


def fax_original_get_for_user(*, user: User, message_id: int) -> FaxOriginal:
    """The fax `message_id` of `user`'s own mailbox, to resend or forward: Http404 when the
    mailbox has no such message (or `user` no mailbox); `SendInvalid` when it is not a fax or
    cannot be sent again yet.

    Only the user's own mailbox: RingCentral resends from the caller's extension and finds the
    original there only. Read afresh, not from the cache: its status decides what is allowed.
    """
    extension_id = user.rc_extension_id if user.rc_extension_id is not None else -1
    mailbox = selectors.mailbox_get_for_user(user=user, extension_id=extension_id)
    record = ringcentral_do(
        user,
        lambda client: client.get_message(extension_id=mailbox.extension_id, message_id=message_id),
    )
    message = message_view(record)
    if message.availability != "Alive":
        raise Http404("This message was deleted.")
    if message.type != "Fax":
        raise SendInvalid(
            "Only a fax can be resent or forwarded as a fax.", field="original_message_id"
        )
    if message.direction == "Outbound" and message.status == "Queued":
        raise SendInvalid(
            "This fax is still waiting to be sent: it can be sent again once it has gone "
            "out or failed.",
            field="original_message_id",
        )
    recipients: tuple[tuple[str, str], ...] = ()
    if message.direction == "Outbound":
        recipients = tuple(
            (party.phone_number, party.message_status or "")
            for party in record.to
            if party.phone_number
        )
    return FaxOriginal(message, recipients)


def fax_can_resend(message: MessageView) -> bool:
    """A failed outbound fax: RingCentral sends the same document again to its recipients."""
    return message.type == "Fax" and message.direction == "Outbound" and message.failed


def fax_can_forward(message: MessageView) -> bool:
    """Any fax that is not still in RingCentral's queue may go to another number."""
    return message.type == "Fax" and not (
        message.direction == "Outbound" and message.status == "Queued"
    )


def fax_send_get_for_user(*, user: User, mailbox: selectors.Mailbox, send_id: int) -> Send:
    """The fax send `send_id` of `user` from `mailbox`: Http404 for anyone else's, for another
    mailbox's, and for sends that are not faxes."""
    send = (
        Send.objects.filter(
            pk=send_id,
            owner=user,
            kind=Send.Kind.FAX,
            account_id=mailbox.account_id,
            extension_id=mailbox.extension_id,
        )
        .prefetch_related("documents")
        .first()
    )
    if send is None:
        raise Http404("No such fax.")
    return send


def fax_sends_recent_for_user(*, user: User, limit: int = 10) -> list[Send]:
    """`user`'s latest fax sends, newest first."""
    return list(
        Send.objects.filter(owner=user, kind=Send.Kind.FAX)
        .order_by("-created_at", "-id")
        .prefetch_related("documents")[:limit]
    )
