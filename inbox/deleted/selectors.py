"""Recently deleted: what a mailbox holds in RingCentral's `Deleted` state, and which of it a
request names.

RingCentral keeps a deleted message, attachments included, until it is purged: by a second
delete, by a purge, or on its own after about `KEPT_DAYS` days (REFERENCE §6.2). Lists hide
deleted messages unless `availability=Deleted` is asked for (§3), and the date filters apply
to when a message was created, not when it was deleted, so the list looks back over the
whole history.

The mailbox comes from `inbox.conversations.selectors.mailbox_get_for_user` (a 404 for anyone
who may not open it); every id a request names is looked up among that mailbox's deleted
messages before anything is changed (`DeletedSelection`, used by `inbox.deleted.services`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from accounts.models import User
from inbox.cache import ANSWER_TTL, cached_get, cached_set, mailbox_key
from inbox.contacts.selectors import contact_names
from inbox.conversations.presenters import MessageView, message_view, with_contact_names
from inbox.conversations.selectors import Mailbox
from inbox.ringcentral import HISTORY_START, InboxError, ringcentral_do
from rcapi import Rejected, RingCentralClient

DELETED_PAGE_SIZE = 50
KEPT_DAYS = 5  # how long RingCentral keeps a deleted message before purging it (§6.2)
MAX_SELECTED = 100  # items one request may name: two pages of the list
CONVERSATION = "conversation"
MESSAGE = "message"


@dataclass(frozen=True)
class DeletedRow:
    """A deleted conversation (shown by its newest deleted message) or a deleted message
    without a conversation (a fax, a voicemail)."""

    message: MessageView
    deleted_at: datetime | None  # RingCentral's lastModifiedTime: when it was deleted

    @property
    def key(self) -> str:
        """The row's value in a restore or purge request."""
        if self.message.conversation_id is not None:
            return f"{CONVERSATION}:{self.message.conversation_id}"
        return f"{MESSAGE}:{self.message.id}"

    @property
    def what(self) -> str:
        """The row in words: "conversation", "fax", "voicemail"."""
        if self.message.conversation_id is not None:
            return "conversation"
        return self.message.type_label.lower()


@dataclass(frozen=True)
class DeletedPage:
    rows: tuple[DeletedRow, ...]
    page: int
    has_next: bool
    total: int | None


def deleted_page_for_user(*, user: User, mailbox: Mailbox, page: int = 1) -> DeletedPage:
    """One page of the mailbox's deleted conversations and messages, newest first (one Light
    call, cached like the inbox's lists and dropped with them)."""
    query = {"page": page, "per_page": DELETED_PAGE_SIZE}
    key = mailbox_key(mailbox.account_id, mailbox.extension_id, "deleted", query)
    cached = cached_get(key)
    if isinstance(cached, DeletedPage):
        return _named_page(mailbox, cached)

    def operation(client: RingCentralClient) -> DeletedPage:
        answer = client.list_messages(
            extension_id=mailbox.extension_id,
            availability=["Deleted"],
            date_from=HISTORY_START,
            distinct_conversations=True,
            page=page,
            per_page=DELETED_PAGE_SIZE,
        )
        rows = tuple(DeletedRow(message_view(m), m.last_modified_time) for m in answer.records)
        return DeletedPage(rows, answer.page or page, answer.has_next, answer.total_elements)

    found = ringcentral_do(mailbox.caller(user), operation)
    cached_set(key, found, ANSWER_TTL)
    return _named_page(mailbox, found)


def _named(mailbox: Mailbox, rows: tuple[DeletedRow, ...]) -> tuple[DeletedRow, ...]:
    """`rows` with the address book's names for their numbers (one query for all of them).
    Named after the cache, so that a contact added or renamed shows at once."""
    numbers = {p.phone_number for row in rows for p in row.message.others} | {
        row.message.from_number for row in rows if row.message.inbound
    }
    contacts = contact_names(account_id=mailbox.account_id, numbers=numbers)
    if not contacts:
        return rows
    return tuple(
        DeletedRow(with_contact_names(row.message, contacts), row.deleted_at) for row in rows
    )


def _named_page(mailbox: Mailbox, found: DeletedPage) -> DeletedPage:
    return DeletedPage(_named(mailbox, found.rows), found.page, found.has_next, found.total)


# --------------------------------------------------------------------------- selections


class SelectionError(ValueError):
    """A restore or purge request whose items cannot be read; `message` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class DeletedSelection:
    """The conversations and messages a request names, as ids; nothing checked yet."""

    conversation_ids: frozenset[int]
    message_ids: frozenset[int]

    @classmethod
    def parse(cls, values: Iterable[str]) -> DeletedSelection:
        """`conversation:<id>` and `message:<id>` values (the rows' `key`)."""
        conversations: set[int] = set()
        messages: set[int] = set()
        for value in values:
            kind, _, raw = value.partition(":")
            if kind not in (CONVERSATION, MESSAGE) or not raw.isascii() or not raw.isdigit():
                raise SelectionError(f"{value!r} is not a conversation or message of this list.")
            number = int(raw)
            if not 0 < number < 2**63:  # RingCentral ids are positive int64
                raise SelectionError(f"{value!r} is not a conversation or message of this list.")
            (conversations if kind == CONVERSATION else messages).add(number)
        if len(conversations) + len(messages) > MAX_SELECTED:
            raise SelectionError(f"Select at most {MAX_SELECTED} at a time.")
        return cls(frozenset(conversations), frozenset(messages))

    def __len__(self) -> int:
        return len(self.conversation_ids) + len(self.message_ids)

    def __bool__(self) -> bool:
        return bool(self.conversation_ids or self.message_ids)

    @property
    def keys(self) -> list[str]:
        return [f"{CONVERSATION}:{i}" for i in sorted(self.conversation_ids)] + [
            f"{MESSAGE}:{i}" for i in sorted(self.message_ids)
        ]

    def describe(self) -> str:
        """ "2 conversations and 1 message" — what was selected, in words."""
        parts = []
        for count, noun in ((len(self.conversation_ids), "conversation"),
                            (len(self.message_ids), "message")):  # fmt: skip
            if count:
                parts.append(f"{count} {noun}{'' if count == 1 else 's'}")
        return " and ".join(parts)


@dataclass(frozen=True)
class DeletedItems:
    """What a selection names, found among the mailbox's deleted messages just now."""

    rows: tuple[DeletedRow, ...]  # one per selected item: its newest deleted message
    message_ids: tuple[int, ...]  # every deleted message of the selection, newest first
    conversation_ids: tuple[int, ...]


SCAN_PAGE_SIZE = 1000  # listMessages' largest page (REFERENCE §3)
SCAN_PAGES = 10  # at most 10,000 deleted messages are searched in one request
TOO_MANY_DELETED = (
    "This mailbox holds more than 10,000 deleted messages, too many to search in one go. "
    "Restore from the bulk job's page, or wait until RingCentral has purged the oldest."
)


def deleted_items_find(
    client: RingCentralClient, *, mailbox: Mailbox, selection: DeletedSelection
) -> DeletedItems:
    """The deleted messages of `selection`, read from RingCentral (never from the cache: what
    is changed next must be deleted now). The whole deleted store is read a thousand messages
    a call — usually one call, however many conversations are selected. Anything selected
    that is not deleted in this mailbox (alive, purged, another mailbox's, made up) is
    RingCentral's "not found", which the caller's `ringcentral_do` turns into a 404."""
    newest: dict[str, DeletedRow] = {}
    message_ids: list[int] = []
    page = 1
    while True:
        answer = client.list_messages(
            extension_id=mailbox.extension_id,
            availability=["Deleted"],
            date_from=HISTORY_START,
            page=page,
            per_page=SCAN_PAGE_SIZE,
        )
        for record in answer.records:
            keys = []
            if record.conversation_id in selection.conversation_ids:
                keys.append(f"{CONVERSATION}:{record.conversation_id}")
            if record.id in selection.message_ids:
                keys.append(f"{MESSAGE}:{record.id}")
            if keys:
                message_ids.append(record.id)
            for key in keys:
                newest.setdefault(key, DeletedRow(message_view(record), record.last_modified_time))
        if not answer.has_next:
            break
        if page >= SCAN_PAGES:
            raise InboxError(TOO_MANY_DELETED, status=409, code="too_many_deleted")
        page += 1
    if set(selection.keys) - newest.keys():
        raise Rejected("not a deleted message of this mailbox", status=404, error_code="CMN-102")
    return DeletedItems(
        rows=tuple(newest[key] for key in selection.keys),
        message_ids=tuple(message_ids),
        conversation_ids=tuple(sorted(selection.conversation_ids)),
    )


def deleted_items_for_user(
    *, user: User, mailbox: Mailbox, selection: DeletedSelection
) -> DeletedItems:
    """`deleted_items_find` as `user` (the purge confirmation shows what it will purge),
    named as the list names them."""
    found = ringcentral_do(
        mailbox.caller(user),
        lambda client: deleted_items_find(client, mailbox=mailbox, selection=selection),
    )
    return replace(found, rows=_named(mailbox, found.rows))
