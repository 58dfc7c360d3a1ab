"""Reads of presence: who else is in a thread right now, and whether someone else replied in
it since a moment (the composer's collision check)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from inbox.conversations.selectors import mailbox_get_for_user
from inbox.models import IndexedMessage, Send
from inbox.presence.services import first_name
from inbox.presence.store import ACCESS_TTL, CACHE_ERRORS, KINDS, access_key, index_key, person_key

log = logging.getLogger(__name__)


def presence_account_for_user(*, user: User, extension_id: int) -> int:
    """The account id of the mailbox `extension_id` if `user` may open it; Http404 otherwise
    (`mailbox_get_for_user`). A granted check is kept `ACCESS_TTL` seconds, so a page's
    once-a-second poll costs no database query; a refused one is never kept."""
    key = access_key(user_id=user.pk, extension_id=extension_id)
    try:
        account_id = cache.get(key)
    except CACHE_ERRORS as exc:
        log.warning("Presence read failed: %s", exc)
        account_id = None
    if isinstance(account_id, int) and account_id == user.rc_account_id:
        return account_id
    mailbox = mailbox_get_for_user(user=user, extension_id=extension_id)
    try:
        cache.set(key, mailbox.account_id, ACCESS_TTL)
    except CACHE_ERRORS as exc:
        log.warning("Presence write failed: %s", exc)
    return mailbox.account_id


def names_joined(names: tuple[str, ...]) -> str:
    """ "Riley", "Riley and Sam", "Alex, Riley and Sam"."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


@dataclass(frozen=True)
class ThreadPresence:
    """The other people in a thread: those typing a reply, and those only viewing it."""

    viewing: tuple[str, ...] = ()
    typing: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """ "Riley is typing… Sam and Alex are viewing", or "" when nobody else is there."""
        parts = []
        if self.typing:
            verb = "is" if len(self.typing) == 1 else "are"
            parts.append(f"{names_joined(self.typing)} {verb} typing…")
        if self.viewing:
            verb = "is" if len(self.viewing) == 1 else "are"
            parts.append(f"{names_joined(self.viewing)} {verb} viewing")
        return " ".join(parts)


def presence_for_thread(
    *, account_id: int, extension_id: int, conversation_id: int, viewer: User
) -> ThreadPresence:
    """Who besides `viewer` has the thread open or is typing in it, by first name."""
    try:
        entries = cache.get(
            index_key(
                account_id=account_id, extension_id=extension_id, conversation_id=conversation_id
            )
        )
        now = time.time()
        people = sorted(uid for uid, at in (entries or {}).items() if at > now and uid != viewer.pk)
        if not people:
            return ThreadPresence()
        keys = {
            (kind, uid): person_key(
                account_id=account_id,
                extension_id=extension_id,
                kind=kind,
                conversation_id=conversation_id,
                user_id=uid,
            )
            for kind in KINDS
            for uid in people
        }
        found = cache.get_many(list(keys.values()))
    except CACHE_ERRORS as exc:
        log.warning("Presence read failed: %s", exc)
        return ThreadPresence()
    names: dict[str, dict[int, str]] = {kind: {} for kind in KINDS}
    for (kind, uid), key in keys.items():
        if key in found:
            names[kind][uid] = found[key]["name"]
    typing = names["typing"]
    viewing = {uid: name for uid, name in names["viewing"].items() if uid not in typing}
    return ThreadPresence(
        viewing=tuple(sorted(viewing.values())), typing=tuple(sorted(typing.values()))
    )


@dataclass(frozen=True)
class Reply:
    """A reply someone else sent in a conversation: who ("Someone" when it did not go out
    through the dashboard) and when."""

    name: str
    at: datetime

    def seconds_ago(self, now: datetime | None = None) -> int:
        return max(1, int(((now or timezone.now()) - self.at).total_seconds()))

    def ago(self, now: datetime | None = None) -> str:
        seconds = self.seconds_ago(now)
        if seconds < 60:
            return f"{seconds} s ago"
        if seconds < 3600:
            return f"{seconds // 60} min ago"
        return f"{seconds // 3600} h ago"

    def question(self, now: datetime | None = None) -> str:
        return f"{self.name} replied {self.ago(now)} — send anyway?"


# sends that never were, or are not yet, a reply
NOT_A_REPLY = (Send.Status.FAILED, Send.Status.CANCELLED, Send.Status.SCHEDULED)


def reply_since_get(
    *, user: User, account_id: int, extension_id: int, conversation_id: int, since: datetime
) -> Reply | None:
    """The newest reply in the conversation since `since` that `user` did not send: another
    person's send through the dashboard, or an outbound message RingCentral has (the index)
    that none of `user`'s sends made — someone replying from a RingCentral app."""
    others = (
        Send.objects.filter(
            account_id=account_id,
            extension_id=extension_id,
            conversation_id=conversation_id,
            created_at__gt=since,
        )
        .exclude(owner=user)
        .exclude(status__in=NOT_A_REPLY)
        .select_related("owner")
        .order_by("-created_at")
        .first()
    )
    own_messages = Send.objects.filter(
        owner=user, account_id=account_id, extension_id=extension_id, rc_message_id__isnull=False
    ).values("rc_message_id")
    outside = (
        IndexedMessage.objects.filter(
            account_id=account_id,
            extension_id=extension_id,
            thread_kind="conversation",
            thread_id=conversation_id,
            direction="Outbound",
            created_at__gt=since,
        )
        .exclude(Q(message_id__in=own_messages))
        .exclude(availability="Purged")
        .order_by("-created_at")
        .first()
    )
    found: list[Reply] = []
    if others is not None:
        found.append(Reply(first_name(others.owner), others.created_at))
    if outside is not None and outside.created_at is not None:
        sender = (
            Send.objects.filter(
                account_id=account_id, extension_id=extension_id, rc_message_id=outside.message_id
            )
            .select_related("owner")
            .first()
        )
        name = first_name(sender.owner) if sender is not None else "Someone"
        found.append(Reply(name, outside.created_at))
    return max(found, key=lambda reply: reply.at, default=None)
