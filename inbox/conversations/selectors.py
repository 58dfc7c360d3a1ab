"""What a user may read in the inbox: mailboxes, conversation lists, threads and messages.

Access: a mailbox is (account id, extension id). A user may open their own and the team
mailboxes they are a member of; an admin may open any extension of their own account and every
team mailbox; everyone else gets a 404, before any RingCentral call. `mailbox_get_for_user` is
the only way views reach a mailbox, and every read below takes the `Mailbox` it returned.
A team mailbox is read with its own session, any other with the user's own token
(`inbox.ringcentral.Caller`); RingCentral then enforces its own rules (a message it will not
show is a 404 too, see `inbox.ringcentral`).

Conversation lists and unread counts come from the conversation index (`inbox.index`) when
the mailbox's sync has filled it and the list's window lies within it: no RingCentral call at
all, the filters applied as RingCentral applies them. A window older than the index ("Look
further back") and a mailbox not indexed yet read RingCentral as below; the latter's list says
it is still syncing (`ConversationList.syncing`).

Threads are read from RingCentral, through the cache, until the index is known to hold one
whole: the first read of a thread (its newest page, with no older one) tells where it begins,
and when that is within the index's window the index has every message of it
(`inbox.index.services.index_thread_whole`). From then on the thread is shown from the index
— no RingCentral call, kept current by the sync like the lists (delivery statuses included:
RingCentral gives a changed status a new `lastModifiedTime`), and a person's own read and
delete changes written into it at once (`index_local_change`). A thread that began before the
window, or longer than a page, keeps being read from RingCentral, which pages it: that is
the choice that keeps a team of twenty working one shared extension within its Light budget
(50 calls a minute), where a thread read per person per `ANSWER_TTL` seconds would not.
Single messages (faxes, voicemails) are read from RingCentral through the cache; the unread
count for the tab title comes from the index.

Reads are cached per (mailbox, query) for `ANSWER_TTL` seconds (`inbox.cache`); what a page
needs and the cache lacks is fetched from RingCentral side by side, never one after another.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from django.db.models import Q
from django.http import Http404
from django.urls import reverse

from accounts.models import User
from inbox.cache import (
    ANSWER_TTL,
    DIRECTORY_TTL,
    cached_get,
    cached_set,
    directory_key,
    mailbox_key,
)
from inbox.contacts.selectors import contact_names
from inbox.conversations.party_names import party_names_recall, party_names_remember
from inbox.conversations.presenters import (
    MessageView,
    message_view,
    party_names_of,
    unnamed_numbers,
    with_contact_names,
    with_party_names,
)
from inbox.conversations.queries import ConversationQuery, unread_params
from inbox.index.selectors import (
    IndexState,
    index_page,
    index_party_names,
    index_state_get,
    index_thread,
    index_thread_newer,
    index_unread,
    indexed_conversations_naming,
)
from inbox.index.services import index_thread_whole
from inbox.models import TeamMailbox
from inbox.ringcentral import (
    BUSY_CODE,
    HISTORY_START,
    Caller,
    InboxError,
    ringcentral_reads,
    team_mailbox_of,
)
from rcapi import RingCentralClient

THREAD_PAGE_SIZE = 100
INDEX_ROWS_A_READ = 1000  # rows of the index read at once when every page is wanted


@dataclass(frozen=True)
class Mailbox:
    """One extension's message store, as a user may see it."""

    account_id: int
    extension_id: int
    extension_number: str
    name: str
    is_own: bool
    # the team mailbox this extension is connected as (read and sent with its session)
    team: TeamMailbox | None = field(default=None, compare=False)
    # the numbers it sends SMS from (own and team mailboxes; admins send from neither other)
    sms_numbers: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        if self.team is not None:
            return self.name
        return f"{self.name} (ext. {self.extension_number})" if self.extension_number else self.name

    @property
    def is_team(self) -> bool:
        return self.team is not None

    @property
    def can_send(self) -> bool:
        """Whether SMS go out from here: one's own mailbox, or a team mailbox one works."""
        return self.is_own or self.is_team

    def caller(self, user: User) -> Caller:
        """How `user` calls RingCentral about this mailbox."""
        return Caller(user, self.team)


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


ThreadKey = tuple[str, int]  # `MessageView.thread_key`


@dataclass(frozen=True)
class UnreadCount:
    """Conversations with a received message unread (sent messages never wait to be read)."""

    count: int
    more: bool = False  # the platform gave no total and there were more than counted
    # the conversations counted (the newest `unread_params()["per_page"]`): a conversation
    # whose newest message is a reply can still hold a received message nobody has read
    threads: frozenset[ThreadKey] = frozenset()
    # the names those unread messages give their senders (number, name): a customer's name
    # stays on the list when the conversation's newest message is a reply
    names: tuple[tuple[str, str], ...] = ()

    def __str__(self) -> str:
        return f"{self.count}+" if self.more else str(self.count)

    def without(self, thread_key: ThreadKey) -> UnreadCount:
        """The count once the conversation `thread_key` is read."""
        if thread_key not in self.threads:
            return self
        return replace(self, count=max(0, self.count - 1), threads=self.threads - {thread_key})


@dataclass(frozen=True)
class ConversationList:
    mailbox: Mailbox
    query: ConversationQuery
    page: ConversationPage
    unread: UnreadCount
    mailboxes: tuple[Mailbox, ...]
    # the mailbox's first sync has not filled its index yet: the list is RingCentral's
    syncing: bool = False
    # the number filter holds a part of a number and the window is older than the index: the
    # list would be RingCentral's, which takes whole numbers only, so it is left empty
    number_part_unasked: bool = False


@dataclass(frozen=True)
class Thread:
    mailbox: Mailbox
    conversation_id: int | None
    messages: tuple[MessageView, ...]  # oldest first
    has_older: bool
    page: int
    # shown from the index while RingCentral was busy: older messages may be missing
    partial: bool = False

    @property
    def other_party(self) -> str:
        return self.messages[-1].other_party if self.messages else ""

    @property
    def unread(self) -> bool:
        return any(m.unread for m in self.messages)

    @property
    def unread_ids(self) -> tuple[int, ...]:
        """The received messages shown that nobody has read."""
        return tuple(m.id for m in self.messages if m.unread)

    @property
    def key(self) -> ThreadKey:
        """Its `MessageView.thread_key`: the conversation, or the message alone."""
        if self.conversation_id is not None:
            return ("conversation", self.conversation_id)
        return self.messages[0].thread_key


# --------------------------------------------------------------------------- fetching


@dataclass(frozen=True)
class _Fetch:
    key: str
    ttl: int
    operation: Callable[[RingCentralClient], Any]


def _cached_reads(caller: Caller | User, fetches: list[_Fetch]) -> list[Any]:
    """The value of each fetch, from the cache or, for those missing, from RingCentral, all
    missing ones at the same time."""
    values = [cached_get(fetch.key) for fetch in fetches]
    missing = [i for i, value in enumerate(values) if value is None]
    results = ringcentral_reads(caller, [fetches[i].operation for i in missing])
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
        sms_numbers=tuple(str(number) for number in user.sms_numbers or ()),
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


def _team_mailbox(team: TeamMailbox) -> Mailbox:
    return Mailbox(
        team.account_id,
        team.extension_id,
        team.extension_number,
        team.name,
        False,
        team,
        tuple(str(number) for number in team.sms_numbers or ()),
    )


def _teams_of(user: User) -> list[TeamMailbox]:
    """The team mailboxes `user` may open: those they are a member of (admins: all)."""
    assert user.rc_account_id is not None
    teams = TeamMailbox.objects.select_related("credential").filter(account_id=user.rc_account_id)
    if not _is_admin(user):
        teams = teams.filter(members=user)
    return list(teams.order_by("name", "pk"))


def _directory_mailboxes(
    user: User, entries: tuple[DirectoryEntry, ...], teams: list[TeamMailbox]
) -> tuple[Mailbox, ...]:
    """Own first, then the team mailboxes, then the account's other users (admins)."""
    own = _own_mailbox(user)
    team_extensions = {team.extension_id for team in teams}
    boxes = [own, *(_team_mailbox(team) for team in teams)]
    for entry in entries:
        if entry.extension_id != own.extension_id and entry.extension_id not in team_extensions:
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


def mailbox_people(*, mailbox: Mailbox) -> list[User]:
    """The people who work a mailbox: a team mailbox's members and the account's admins; any
    other mailbox, its own person only (an admin looking into someone's mailbox does not make
    it theirs). Who a thread may be assigned to, who a note may mention."""
    people = User.objects.filter(
        is_active=True, rc_account_id=mailbox.account_id, rc_extension_id__isnull=False
    )
    if mailbox.team is not None:
        admins = Q(rc_account_id=mailbox.account_id, role=User.Role.ADMIN)
        people = people.filter(admins | Q(team_mailboxes=mailbox.team))
    else:
        people = people.filter(rc_extension_id=mailbox.extension_id)
    return list(people.distinct().order_by("first_name", "last_name", "username", "pk"))


def mailbox_get_for_user(*, user: User, extension_id: int) -> Mailbox:
    """The mailbox of `extension_id` if `user` may open it; Http404 otherwise."""
    if not _signed_in(user):
        raise Http404("No such mailbox.")
    if extension_id == user.rc_extension_id:
        return _own_mailbox(user)
    assert user.rc_account_id is not None
    team = team_mailbox_of(account_id=user.rc_account_id, extension_id=extension_id)
    if team is not None:
        if _is_admin(user) or team.members.filter(pk=user.pk).exists():
            return _team_mailbox(team)
        raise Http404("No such mailbox.")
    if not _is_admin(user):
        raise Http404("No such mailbox.")
    (entries,) = _cached_reads(user, [_directory_fetch(user)])
    for mailbox in _directory_mailboxes(user, entries, []):
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
    """The mailboxes `user` may open: their own first, then their team mailboxes, then
    (admins) the account's others."""
    if not _signed_in(user):
        return ()
    if not _is_admin(user):
        return _directory_mailboxes(user, (), _teams_of(user))
    (entries,) = _cached_reads(user, [_directory_fetch(user)])
    return _directory_mailboxes(user, entries, _teams_of(user))


# --------------------------------------------------------------------------- lists


def _list_fetch(mailbox: Mailbox, query: ConversationQuery) -> _Fetch:
    params = query.ringcentral_params()

    def operation(client: RingCentralClient) -> ConversationPage:
        if query.matches_nothing:
            return ConversationPage(rows=(), page=query.page, has_next=False, total=0)
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
        views = [message_view(m) for m in answer.records]
        counted = answer.total_elements
        return UnreadCount(
            len(views) if counted is None else counted,
            more=counted is None and answer.has_next,
            threads=frozenset(v.thread_key for v in views),
            names=tuple(party_names_of(views).items()),
        )

    key = mailbox_key(mailbox.account_id, mailbox.extension_id, "unread", params)
    return _Fetch(key, ANSWER_TTL, operation)


def _index_state(mailbox: Mailbox) -> IndexState:
    return index_state_get(account_id=mailbox.account_id, extension_id=mailbox.extension_id)


def _index_covers_unread(index: IndexState) -> bool:
    return index.covers(unread_params()["date_from"])


def _names_from_index(mailbox: Mailbox, rows: tuple[MessageView, ...]) -> dict[str, str]:
    """The names the index knows for the parties of these rows' threads: a customer's name
    stays on the row when the thread's newest message is a reply."""
    return index_party_names(
        account_id=mailbox.account_id,
        extension_id=mailbox.extension_id,
        thread_keys=[row.thread_key for row in rows],
    )


def _page_from_index(
    mailbox: Mailbox, query: ConversationQuery
) -> tuple[ConversationPage, dict[str, str]]:
    """A page of the list from the index, and the names its threads give their parties."""
    if query.matches_nothing:
        return ConversationPage(rows=(), page=query.page, has_next=False, total=0), {}
    found = index_page(
        account_id=mailbox.account_id,
        extension_id=mailbox.extension_id,
        **query.ringcentral_params(),
    )
    rows = tuple(message_view(m) for m in found.records)
    names = found.names if found.names is not None else _names_from_index(mailbox, rows)
    return ConversationPage(rows, found.page, found.has_next, found.total), names


def _unread_from_index(mailbox: Mailbox) -> UnreadCount:
    threads = index_unread(
        account_id=mailbox.account_id,
        extension_id=mailbox.extension_id,
        date_from=unread_params()["date_from"],
    )
    return UnreadCount(len(threads), threads=threads)


def _with_unread(rows: tuple[MessageView, ...], unread: UnreadCount) -> tuple[MessageView, ...]:
    """Rows marked unread when their conversation holds an unread received message, even if
    the newest message, the one the row shows, is a reply."""
    return tuple(
        replace(row, unread=True) if not row.unread and row.thread_key in unread.threads else row
        for row in rows
    )


def conversation_list_for_user(
    *, user: User, mailbox: Mailbox, query: ConversationQuery
) -> ConversationList:
    """One page of the mailbox's conversations (the newest message of each, its parties named
    from the whole conversation), the mailbox's unread count and, for admins, the mailboxes
    they may switch to. From the index when it covers the query's window (no RingCentral
    call), else from RingCentral."""
    index = _index_state(mailbox)
    from_index = index.covers(query.ringcentral_params()["date_from"])
    # a part of a number is the index's to find: RingCentral matches whole numbers only
    number_part_unasked = not from_index and query.number_is_part
    unread_from_index = _index_covers_unread(index)
    fetches: list[_Fetch] = []
    if not from_index and not number_part_unasked:
        fetches.append(_list_fetch(mailbox, query))
    if not unread_from_index:
        fetches.append(_unread_fetch(mailbox))
    # the switcher's directory comes with the same reads when they use the admin's own session
    directory_too = _is_admin(user) and not mailbox.is_team
    if directory_too:
        fetches.append(_directory_fetch(user))
    values = iter(_cached_reads(mailbox.caller(user), fetches))
    page: ConversationPage
    names: dict[str, str] = {}
    if from_index:
        page, names = _page_from_index(mailbox, query)
    elif number_part_unasked:
        page = ConversationPage(rows=(), page=query.page, has_next=False, total=0)
    else:
        page = next(values)
    unread: UnreadCount = _unread_from_index(mailbox) if unread_from_index else next(values)
    rows = _with_party_names(mailbox, _with_unread(page.rows, unread), names | dict(unread.names))
    if directory_too:
        mailboxes = _directory_mailboxes(user, next(values), _teams_of(user))
    else:
        mailboxes = mailboxes_for_user(user=user)
    return ConversationList(
        mailbox,
        query,
        replace(page, rows=rows),
        unread,
        mailboxes,
        syncing=not index.indexed,
        number_part_unasked=number_part_unasked,
    )


def conversation_rows_from_index(
    *, mailbox: Mailbox, query: ConversationQuery
) -> list[MessageView] | None:
    """Every row the list shows for `query`, on every page, from the index (no RingCentral
    call); None when the index does not reach back to the query's window."""
    params = query.ringcentral_params()
    if not _index_state(mailbox).covers(params["date_from"]):
        return None
    if query.matches_nothing:
        return []
    rows: list[MessageView] = []
    page = 1
    while True:
        found = index_page(
            account_id=mailbox.account_id,
            extension_id=mailbox.extension_id,
            **{**params, "page": page, "per_page": INDEX_ROWS_A_READ},
        )
        rows += [message_view(m) for m in found.records]
        if not found.has_next:
            return rows
        page += 1


def unread_count_if_indexed(*, mailbox: Mailbox) -> int | None:
    """The mailbox's unread conversations when the index covers them; None otherwise (no
    RingCentral call: for counts shown beside other pages, like the sidebar's)."""
    if not _index_covers_unread(_index_state(mailbox)):
        return None
    return _unread_from_index(mailbox).count


def unread_count_for_mailbox(*, user: User, mailbox: Mailbox) -> UnreadCount:
    """The mailbox's unread conversations: from the index once it is filled."""
    if _index_covers_unread(_index_state(mailbox)):
        return _unread_from_index(mailbox)
    (count,) = _cached_reads(mailbox.caller(user), [_unread_fetch(mailbox)])
    result: UnreadCount = count
    return result


# --------------------------------------------------------------------------- names


def _with_party_names(
    mailbox: Mailbox, views: tuple[MessageView, ...], seen_too: Mapping[str, str] | None = None
) -> tuple[MessageView, ...]:
    """`views` with every party they show as a bare number named, when a message of theirs
    named them: on `views` themselves, in `seen_too` (other records already read), or in what
    the mailbox remembers (`party_names`). What is seen is remembered. A number of the
    account's address book shows its contact's name over all of these (one query for all
    `views`). No RingCentral call: a page waits on nothing more."""
    seen = {**(seen_too or {}), **party_names_of(views)}
    known = party_names_recall(
        account_id=mailbox.account_id,
        extension_id=mailbox.extension_id,
        numbers=seen.keys() | unnamed_numbers(views),
    )
    party_names_remember(
        account_id=mailbox.account_id, extension_id=mailbox.extension_id, names=seen, known=known
    )
    names = {**known, **seen}
    contacts = contact_names(account_id=mailbox.account_id, numbers=_numbers_shown(views))
    return tuple(with_contact_names(with_party_names(view, names), contacts) for view in views)


def _numbers_shown(views: tuple[MessageView, ...]) -> set[str]:
    return {p.phone_number for view in views for p in view.others} | {
        view.from_number for view in views if view.inbound
    }


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
    if page == 1 and not has_older:
        # read whole: from now on the index may show it (when it began within its window)
        index_thread_whole(
            account_id=mailbox.account_id,
            extension_id=mailbox.extension_id,
            thread=("conversation", conversation_id),
            oldest=messages[0].created,
        )
    named = _with_party_names(mailbox, messages)
    return Thread(mailbox, conversation_id, named, has_older, page)


def _thread_from_index(
    mailbox: Mailbox, conversation_id: int, page: int, *, whole_only: bool = True
) -> Thread | None:
    if page != 1:
        return None
    records = index_thread(
        account_id=mailbox.account_id,
        extension_id=mailbox.extension_id,
        thread=("conversation", conversation_id),
        limit=THREAD_PAGE_SIZE,
        whole_only=whole_only,
    )
    if records is None:
        return None
    named = _with_party_names(mailbox, tuple(message_view(m) for m in records))
    return Thread(mailbox, conversation_id, named, False, page, partial=not whole_only)


def _thread_read(caller: Caller, mailbox: Mailbox, conversation_id: int, page: int) -> Thread:
    """The thread from RingCentral (through the cache); while RingCentral is busy (the
    mailbox's rate budget is spent), what the index has of it, marked partial, rather than a
    page that says to come back later."""
    try:
        (value,) = _cached_reads(caller, [_thread_fetch(mailbox, conversation_id, page)])
    except InboxError as busy:
        if busy.code != BUSY_CODE:
            raise
        fallback = _thread_from_index(mailbox, conversation_id, page, whole_only=False)
        if fallback is None:
            raise
        return fallback
    return _thread(mailbox, conversation_id, page, value)


def thread_get_for_user(
    *, user: User, mailbox: Mailbox, conversation_id: int, page: int = 1
) -> Thread:
    """A conversation's messages in time order (the newest `THREAD_PAGE_SIZE`; older ones on
    the next pages). Http404 when the mailbox has no such conversation."""
    indexed = _thread_from_index(mailbox, conversation_id, page)
    if indexed is not None:
        return indexed
    return _thread_read(mailbox.caller(user), mailbox, conversation_id, page)


def thread_page_for_user(
    *, user: User, mailbox: Mailbox, conversation_id: int, page: int = 1
) -> ThreadPage:
    """`thread_get_for_user` and the mailbox's unread count (for the tab title)."""
    fetch = _thread_fetch(mailbox, conversation_id, page)
    if _index_covers_unread(_index_state(mailbox)):
        thread = _thread_from_index(mailbox, conversation_id, page)
        if thread is None:
            thread = _thread_read(mailbox.caller(user), mailbox, conversation_id, page)
        return ThreadPage(thread, _unread_from_index(mailbox))
    value, unread = _cached_reads(mailbox.caller(user), [fetch, _unread_fetch(mailbox)])
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
    (message,) = _cached_reads(mailbox.caller(user), [_message_fetch(mailbox, message_id)])
    (named,) = _with_party_names(mailbox, (_alive(message),))
    return named


def message_page_for_user(*, user: User, mailbox: Mailbox, message_id: int) -> ThreadPage:
    """A message on its own (faxes, voicemails: no conversation) as a one-message thread, and
    the mailbox's unread count."""
    fetch = _message_fetch(mailbox, message_id)
    if _index_covers_unread(_index_state(mailbox)):
        (message,) = _cached_reads(mailbox.caller(user), [fetch])
        unread = _unread_from_index(mailbox)
    else:
        message, unread = _cached_reads(mailbox.caller(user), [fetch, _unread_fetch(mailbox)])
    shown = _with_party_names(mailbox, (_alive(message),))
    return ThreadPage(Thread(mailbox, shown[0].conversation_id, shown, False, 1), unread)


def _newer_fetch(mailbox: Mailbox, message: MessageView) -> _Fetch:
    """RingCentral's count of the conversation's messages from `message`'s time on (itself
    among them): one record asked for, the total read off the paging."""
    assert message.conversation_id is not None and message.created is not None
    params: dict[str, Any] = {
        "conversation_id": message.conversation_id,
        "date_from": message.created,
        "page": 1,
        "per_page": 1,
    }

    def operation(client: RingCentralClient) -> int | None:
        answer = client.list_messages(extension_id=mailbox.extension_id, **params)
        return answer.total_elements

    key = mailbox_key(mailbox.account_id, mailbox.extension_id, "thread_from", params)
    return _Fetch(key, ANSWER_TTL, operation)


def thread_page_of_message(*, user: User, mailbox: Mailbox, message: MessageView) -> int:
    """The page of its conversation (`thread_page_for_user`'s `page`: the newest
    `THREAD_PAGE_SIZE` messages are page 1) that shows `message`. The messages after it are
    counted in the index when it holds every message from the message's time on (no
    RingCentral call), else by RingCentral (one call, cached); 1 when neither can say."""
    if message.conversation_id is None or message.created is None:
        return 1
    if _index_state(mailbox).covers(message.created):
        newer = index_thread_newer(
            account_id=mailbox.account_id,
            extension_id=mailbox.extension_id,
            thread=("conversation", message.conversation_id),
            created=message.created,
            message_id=message.id,
        )
    else:
        (total,) = _cached_reads(mailbox.caller(user), [_newer_fetch(mailbox, message)])
        if total is None:
            return 1
        newer = max(0, int(total) - 1)
    return newer // THREAD_PAGE_SIZE + 1


def thread_page_as_read(*, found: ThreadPage) -> ThreadPage:
    """The page as it is once its unread received messages are read: what a person who opens
    it sees, while `services.thread_read_on_open` marks them read at RingCentral."""
    thread = found.thread
    if not thread.unread:
        return found
    messages = tuple(replace(m, unread=False) if m.unread else m for m in thread.messages)
    return ThreadPage(replace(thread, messages=messages), found.unread.without(thread.key))


# --------------------------------------------------------------------------- earlier


@dataclass(frozen=True)
class EarlierConversation:
    """Another conversation of the mailbox with the same customer, for the details panel."""

    url: str
    type: str
    preview: str
    at: datetime | None


def earlier_conversations(
    *, mailbox: Mailbox, thread: Thread, limit: int = 5
) -> tuple[EarlierConversation, ...]:
    """The mailbox's other conversations with this thread's other parties, newest first, as
    the index has them (none before the index has read the mailbox; never a RingCentral
    call)."""
    numbers = {
        party.phone_number
        for message in thread.messages[-1:]
        for party in message.others
        if party.phone_number
    }
    if not numbers:
        return ()
    kind, thread_id = thread.key
    rows = indexed_conversations_naming(
        account_id=mailbox.account_id, extension_id=mailbox.extension_id, phone_numbers=numbers
    ).exclude(thread_kind=kind, thread_id=thread_id)[:limit]
    return tuple(
        EarlierConversation(
            url=reverse(
                "inbox:thread" if row.thread_kind == "conversation" else "inbox:message",
                args=[mailbox.extension_id, row.thread_id],
            ),
            type=row.last_type,
            preview=row.preview,
            at=row.last_message_at,
        )
        for row in rows
    )
