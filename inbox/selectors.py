"""What a user may read in the inbox: mailboxes, conversation lists, threads and messages.

Access: a mailbox is (account id, extension id). A user may open their own; an admin may open
any extension of their own account; everyone else gets a 404, before any RingCentral call.
`mailbox_get_for_user` is the only way views reach a mailbox, and every read below takes the
`Mailbox` it returned. RingCentral then enforces its own rules with the user's own token (a
message it will not show is a 404 too, see `inbox.ringcentral`).

Reads are cached per (mailbox, query) for `ANSWER_TTL` seconds (`inbox.cache`); what a page
needs and the cache lacks is fetched from RingCentral side by side, never one after another.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import Http404

from accounts.models import User
from inbox.cache import (
    ANSWER_TTL,
    DIRECTORY_TTL,
    cached_get,
    cached_set,
    directory_key,
    mailbox_key,
)
from inbox.presenters import MessageView, message_view
from inbox.queries import HISTORY_START, ConversationQuery, unread_params
from inbox.ringcentral import ringcentral_reads
from rcapi import RingCentralClient

THREAD_PAGE_SIZE = 100


@dataclass(frozen=True)
class Mailbox:
    """One extension's message store, as a user may see it."""

    account_id: int
    extension_id: int
    extension_number: str
    name: str
    is_own: bool

    @property
    def label(self) -> str:
        return f"{self.name} (ext. {self.extension_number})" if self.extension_number else self.name


@dataclass(frozen=True)
class DirectoryEntry:
    extension_id: int
    extension_number: str
    name: str


@dataclass(frozen=True)
class ConversationPage:
    rows: tuple[MessageView, ...]
    page: int
    has_next: bool
    total: int | None


@dataclass(frozen=True)
class UnreadCount:
    count: int
    more: bool = False  # the platform gave no total and there were more than counted

    def __str__(self) -> str:
        return f"{self.count}+" if self.more else str(self.count)


@dataclass(frozen=True)
class ConversationList:
    mailbox: Mailbox
    query: ConversationQuery
    page: ConversationPage
    unread: UnreadCount
    mailboxes: tuple[Mailbox, ...]


@dataclass(frozen=True)
class Thread:
    mailbox: Mailbox
    conversation_id: int | None
    messages: tuple[MessageView, ...]  # oldest first
    has_older: bool
    page: int

    @property
    def other_party(self) -> str:
        return self.messages[-1].other_party if self.messages else ""

    @property
    def unread(self) -> bool:
        return any(m.unread for m in self.messages)


# --------------------------------------------------------------------------- fetching


@dataclass(frozen=True)
class _Fetch:
    key: str
    ttl: int
    operation: Callable[[RingCentralClient], Any]


def _cached_reads(user: User, fetches: list[_Fetch]) -> list[Any]:
    """The value of each fetch, from the cache or, for those missing, from RingCentral, all
    missing ones at the same time."""
    values = [cached_get(fetch.key) for fetch in fetches]
    missing = [i for i, value in enumerate(values) if value is None]
    results = ringcentral_reads(user, [fetches[i].operation for i in missing])
    for i, result in zip(missing, results, strict=True):
        values[i] = result
        cached_set(fetches[i].key, result, fetches[i].ttl)
    return values


# --------------------------------------------------------------------------- mailboxes


def _own_mailbox(user: User) -> Mailbox:
    assert user.rc_account_id is not None and user.rc_extension_id is not None
    return Mailbox(
        account_id=user.rc_account_id,
        extension_id=user.rc_extension_id,
        extension_number=user.rc_extension_number,
        name=user.get_full_name() or user.username,
        is_own=True,
    )


def _directory_fetch(user: User) -> _Fetch:
    assert user.rc_account_id is not None

    def operation(client: RingCentralClient) -> tuple[DirectoryEntry, ...]:
        entries: list[DirectoryEntry] = []
        page = 1
        while True:
            answer = client.list_extensions(page=page, per_page=1000, type=["User"])
            entries += [
                DirectoryEntry(e.id, e.extension_number or "", e.name or f"Extension {e.id}")
                for e in answer.records
                if e.status in (None, "Enabled")
            ]
            if not answer.has_next:
                return tuple(entries)
            page += 1

    return _Fetch(directory_key(user.rc_account_id), DIRECTORY_TTL, operation)


def _directory_mailboxes(user: User, entries: tuple[DirectoryEntry, ...]) -> tuple[Mailbox, ...]:
    own = _own_mailbox(user)
    boxes = [own]
    for entry in entries:
        if entry.extension_id != own.extension_id:
            boxes.append(
                Mailbox(
                    own.account_id, entry.extension_id, entry.extension_number, entry.name, False
                )
            )
    return tuple(boxes)


def _is_admin(user: User) -> bool:
    return user.role == User.Role.ADMIN


def _signed_in(user: User) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and user.rc_account_id is not None
        and user.rc_extension_id is not None
    )


def mailbox_get_for_user(*, user: User, extension_id: int) -> Mailbox:
    """The mailbox of `extension_id` if `user` may open it; Http404 otherwise."""
    if not _signed_in(user):
        raise Http404("No such mailbox.")
    if extension_id == user.rc_extension_id:
        return _own_mailbox(user)
    if not _is_admin(user):
        raise Http404("No such mailbox.")
    (entries,) = _cached_reads(user, [_directory_fetch(user)])
    for mailbox in _directory_mailboxes(user, entries):
        if mailbox.extension_id == extension_id:
            return mailbox
    raise Http404("No such mailbox.")


def account_directory_for_user(*, user: User) -> tuple[DirectoryEntry, ...]:
    """The enabled users of `user`'s RingCentral account (`user` among them), as cached for
    the mailbox switcher; () without a connection."""
    if user.rc_account_id is None or user.rc_extension_id is None:
        return ()
    (entries,) = _cached_reads(user, [_directory_fetch(user)])
    result: tuple[DirectoryEntry, ...] = entries
    return result


def mailboxes_for_user(*, user: User) -> tuple[Mailbox, ...]:
    """The mailboxes `user` may open: their own first, then (admins) the account's others."""
    if not _signed_in(user):
        return ()
    if not _is_admin(user):
        return (_own_mailbox(user),)
    (entries,) = _cached_reads(user, [_directory_fetch(user)])
    return _directory_mailboxes(user, entries)


# --------------------------------------------------------------------------- lists


def _list_fetch(mailbox: Mailbox, query: ConversationQuery) -> _Fetch:
    params = query.ringcentral_params()

    def operation(client: RingCentralClient) -> ConversationPage:
        answer = client.list_messages(extension_id=mailbox.extension_id, **params)
        return ConversationPage(
            rows=tuple(message_view(m) for m in answer.records),
            page=answer.page or query.page,
            has_next=answer.has_next,
            total=answer.total_elements,
        )

    key = mailbox_key(mailbox.account_id, mailbox.extension_id, "list", params)
    return _Fetch(key, ANSWER_TTL, operation)


def _unread_fetch(mailbox: Mailbox) -> _Fetch:
    params = unread_params()

    def operation(client: RingCentralClient) -> UnreadCount:
        answer = client.list_messages(extension_id=mailbox.extension_id, **params)
        if answer.total_elements is not None:
            return UnreadCount(answer.total_elements)
        return UnreadCount(len(answer.records), more=answer.has_next)

    key = mailbox_key(mailbox.account_id, mailbox.extension_id, "unread", params)
    return _Fetch(key, ANSWER_TTL, operation)


def conversation_list_for_user(
    *, user: User, mailbox: Mailbox, query: ConversationQuery
) -> ConversationList:
    """One page of the mailbox's conversations (the newest message of each), the mailbox's
    unread count and, for admins, the mailboxes they may switch to."""
    fetches = [_list_fetch(mailbox, query), _unread_fetch(mailbox)]
    if _is_admin(user):
        fetches.append(_directory_fetch(user))
    values = _cached_reads(user, fetches)
    page, unread = values[0], values[1]
    mailboxes = _directory_mailboxes(user, values[2]) if _is_admin(user) else (mailbox,)
    return ConversationList(mailbox, query, page, unread, mailboxes)


def unread_count_for_mailbox(*, user: User, mailbox: Mailbox) -> UnreadCount:
    (count,) = _cached_reads(user, [_unread_fetch(mailbox)])
    result: UnreadCount = count
    return result


# --------------------------------------------------------------------------- threads


@dataclass(frozen=True)
class ThreadPage:
    """A thread and the mailbox's unread count, read at the same time."""

    thread: Thread
    unread: UnreadCount


def _thread_fetch(mailbox: Mailbox, conversation_id: int, page: int) -> _Fetch:
    params: dict[str, Any] = {
        "conversation_id": conversation_id,
        "date_from": HISTORY_START,
        "page": page,
        "per_page": THREAD_PAGE_SIZE,
    }

    def operation(client: RingCentralClient) -> tuple[tuple[MessageView, ...], bool]:
        answer = client.list_messages(extension_id=mailbox.extension_id, **params)
        return tuple(message_view(m) for m in reversed(answer.records)), answer.has_next

    key = mailbox_key(mailbox.account_id, mailbox.extension_id, "thread", params)
    return _Fetch(key, ANSWER_TTL, operation)


def _thread(mailbox: Mailbox, conversation_id: int, page: int, value: Any) -> Thread:
    messages, has_older = value
    if not messages:
        raise Http404("No such conversation.")
    return Thread(mailbox, conversation_id, messages, has_older, page)


def thread_get_for_user(
    *, user: User, mailbox: Mailbox, conversation_id: int, page: int = 1
) -> Thread:
    """A conversation's messages in time order (the newest `THREAD_PAGE_SIZE`; older ones on
    the next pages). Http404 when the mailbox has no such conversation."""
    (value,) = _cached_reads(user, [_thread_fetch(mailbox, conversation_id, page)])
    return _thread(mailbox, conversation_id, page, value)


def thread_page_for_user(
    *, user: User, mailbox: Mailbox, conversation_id: int, page: int = 1
) -> ThreadPage:
    """`thread_get_for_user` and the mailbox's unread count (for the tab title)."""
    value, unread = _cached_reads(
        user, [_thread_fetch(mailbox, conversation_id, page), _unread_fetch(mailbox)]
    )
    return ThreadPage(_thread(mailbox, conversation_id, page, value), unread)


def _message_fetch(mailbox: Mailbox, message_id: int) -> _Fetch:
    def operation(client: RingCentralClient) -> MessageView:
        record = client.get_message(extension_id=mailbox.extension_id, message_id=message_id)
        return message_view(record)

    params = {"message_id": message_id}
    key = mailbox_key(mailbox.account_id, mailbox.extension_id, "message", params)
    return _Fetch(key, ANSWER_TTL, operation)


def _alive(message: MessageView) -> MessageView:
    if message.availability != "Alive":
        raise Http404("This message was deleted.")
    return message


def message_get_for_user(*, user: User, mailbox: Mailbox, message_id: int) -> MessageView:
    """One message of the mailbox; Http404 when RingCentral does not show it to `user` or it
    was deleted."""
    (message,) = _cached_reads(user, [_message_fetch(mailbox, message_id)])
    return _alive(message)


def message_page_for_user(*, user: User, mailbox: Mailbox, message_id: int) -> ThreadPage:
    """A message on its own (faxes, voicemails: no conversation) as a one-message thread, and
    the mailbox's unread count."""
    message, unread = _cached_reads(
        user, [_message_fetch(mailbox, message_id), _unread_fetch(mailbox)]
    )
    shown = _alive(message)
    return ThreadPage(Thread(mailbox, shown.conversation_id, (shown,), False, 1), unread)
