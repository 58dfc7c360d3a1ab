"""Search across every mailbox a person may open, in the conversation index (nothing here calls
RingCentral).

**Where it looks.** The mailboxes of `mailboxes_for_user` that the index has read (a mailbox
whose RingCentral session ended keeps what was indexed, and is searched, marked stale). A
mailbox filter outside them finds nothing; no read here can reach another mailbox's rows.

**What matches** (`inbox.search.queries`):

* words — every word in the message's text, each from the start of a word ("refund" finds
  "refunded"). On PostgreSQL, full-text search over the stored `search_vector` (the 'simple'
  configuration: no stemming, no stop words, any language), with its GIN index; each match
  is ranked by `ts_rank`, divided by its age in months plus one, so a strong match of last
  week comes before a weak one of last year. Ranking reads every match's row, which for a
  common word is tens of thousands of them; so matches are ranked within bands of age (the
  last month, 1 to 3 months, 3 to 7, 7 to 15, 15 to 31, older), newest band first, and a
  page reads only the bands it needs. Within a band (but the oldest) the age factor at most
  doubles, and a single word's rank varies less than that, so the order differs from
  ranking every match at once only for matches either side of a band's edge. On SQLite, a
  case-insensitive regular expression per word (from a word's start), newest first, reading
  every row: enough for a development machine, not for a large mailbox.
* names — the typed phrase inside a party's RingCentral name or address-book name: one hit per
  conversation (its last message), before the word hits.
* numbers — the digits inside any party's number ("415", "555-01"): one hit per conversation,
  newest first.

Only `Alive` messages are found (RingCentral's deleted and purged ones are not); filters by
mailbox, type, direction, dates, assignee and status (a thread nobody has assigned, closed or
snoozed is open and unassigned) apply to every hit.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from typing import Any

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString

from accounts.models import User
from inbox.contacts.selectors import contact_names
from inbox.conversations.presenters import TYPE_LABELS, format_number
from inbox.conversations.selectors import Mailbox, mailbox_people, mailboxes_for_user
from inbox.index.records import ALIVE
from inbox.index.selectors import IndexState
from inbox.models import (
    ContactNumber,
    ConversationState,
    IndexedConversation,
    IndexedMessage,
    MailboxSync,
)
from inbox.search.highlight import excerpt, highlighted, number_highlighted
from inbox.search.queries import ASSIGNEE_ME, ASSIGNEE_NOBODY, SearchQuery, digits_of

PAGE_SIZE = 25
NAME_HITS_MAX = 200  # conversations a name matches, at most: a name is not a browse
CONTACT_NUMBERS_MAX = 200  # address-book numbers a name search follows, at most
EXPORT_CHUNK = 500
OPEN = ConversationState.Status.OPEN.value
MONTH_SECONDS = 30 * 24 * 3600
# words' matches are ranked within bands of age, newest first: the last month, 1 to 3
# months, 3 to 7, 7 to 15, 15 to 31, older (within each, the age factor `months + 1` at most
# doubles)
RANK_BANDS_MONTHS = (1, 3, 7, 15, 31)

MessageKey = tuple[int, int, int]  # (account id, extension id, message id)


# --------------------------------------------------------------------------- scope


@dataclass(frozen=True)
class SearchScope:
    """The mailboxes a person's search reads, and the people its assignee filter offers."""

    mailboxes: tuple[Mailbox, ...]  # indexed, in the order the sidebar lists them
    waiting: tuple[Mailbox, ...]  # not indexed yet: searched once their first sync is in
    stale: frozenset[int]  # extension ids whose RingCentral session ended

    def chosen(self, extension_id: int | None) -> tuple[Mailbox, ...]:
        if extension_id is None:
            return self.mailboxes
        return tuple(m for m in self.mailboxes if m.extension_id == extension_id)

    def get(self, account_id: int, extension_id: int) -> Mailbox | None:
        for mailbox in self.mailboxes:
            if (mailbox.account_id, mailbox.extension_id) == (account_id, extension_id):
                return mailbox
        return None


def search_scope_for_user(*, user: User) -> SearchScope:
    mailboxes = mailboxes_for_user(user=user)
    # every mailbox's index state in one query (an admin's scope is the account's every
    # mailbox: one query each would cost a search page tens of them)
    states = {
        (account_id, extension_id): (IndexState(indexed_at, window_start), stale_since)
        for account_id, extension_id, indexed_at, window_start, stale_since in (
            MailboxSync.objects.filter(_of_mailboxes(mailboxes)).values_list(
                "account_id", "extension_id", "indexed_at", "index_window_start", "stale_since"
            )
        )
    }
    indexed: list[Mailbox] = []
    waiting: list[Mailbox] = []
    stale: set[int] = set()
    for mailbox in mailboxes:
        state, stale_since = states.get(
            (mailbox.account_id, mailbox.extension_id), (IndexState(), None)
        )
        (indexed if state.indexed else waiting).append(mailbox)
        if state.indexed and stale_since is not None:
            stale.add(mailbox.extension_id)
    return SearchScope(tuple(indexed), tuple(waiting), frozenset(stale))


def search_people(*, user: User, scope: SearchScope) -> list[tuple[int, str]]:
    """Whom the assignee filter offers: the people who work the scope's mailboxes."""
    found: dict[int, str] = {}
    if user.role == User.Role.ADMIN and user.rc_account_id is not None:
        people: list[User] = list(
            User.objects.filter(
                is_active=True, rc_account_id=user.rc_account_id, rc_extension_id__isnull=False
            ).order_by("first_name", "last_name", "username", "pk")
        )
    else:
        people = [
            p for m in scope.mailboxes if m.is_own or m.is_team for p in mailbox_people(mailbox=m)
        ]
    for person in people:
        found.setdefault(person.pk, person.get_full_name() or person.get_username())
    return list(found.items())


def _of_mailboxes(mailboxes: Sequence[Mailbox]) -> Q:
    """The rows of `mailboxes`: one `extension_id IN (…)` per account, which PostgreSQL reads
    with one scan of the (account, extension, …) indexes, where a pair of conditions per
    mailbox made one scan per mailbox and a filter of twice as many conditions as mailboxes on
    every row."""
    by_account: dict[int, list[int]] = {}
    for mailbox in mailboxes:
        by_account.setdefault(mailbox.account_id, []).append(mailbox.extension_id)
    wanted = Q(pk__in=[])
    for account_id, extension_ids in by_account.items():
        wanted |= Q(account_id=account_id, extension_id__in=extension_ids)
    return wanted


@dataclass(frozen=True)
class HistoryPending:
    """A searched mailbox whose older history is still being read into the index
    (`inbox.history`): a search finds its messages back to `reached` so far."""

    mailbox: Mailbox
    reached: datetime


def search_history_pending(*, mailboxes: Sequence[Mailbox]) -> tuple[HistoryPending, ...]:
    """Those of `mailboxes` (indexed ones) whose back-fill has not reached the start of their
    history yet, each with how far back the index holds its messages: the earlier of the
    sync's window and what the back-fill has read."""
    reached: dict[tuple[int, int], datetime] = {}
    rows = MailboxSync.objects.filter(
        _of_mailboxes(mailboxes), history_done_at__isnull=True, index_window_start__isnull=False
    ).values_list("account_id", "extension_id", "index_window_start", "history_start")
    for account_id, extension_id, window_start, history_start in rows:
        starts = [moment for moment in (window_start, history_start) if moment is not None]
        reached[(account_id, extension_id)] = min(starts)
    return tuple(
        HistoryPending(mailbox, reached[(mailbox.account_id, mailbox.extension_id)])
        for mailbox in mailboxes
        if (mailbox.account_id, mailbox.extension_id) in reached
    )


# --------------------------------------------------------------------------- hits


@dataclass(frozen=True)
class SearchHit:
    """One message a search found, with what to show of it."""

    mailbox: Mailbox
    message_id: int
    thread_kind: str
    thread_id: int
    type: str
    direction: str
    created_at: datetime | None
    text: str  # the message's text (customer text: escape it)
    party: str  # the other parties, by the address book's names first
    party_number: str  # the first other party's number, formatted
    matched: str  # "words", "name" or "number"
    marked: SafeString  # `text` (an excerpt of it), escaped, with the matches in <mark>
    number_marked: SafeString  # `party_number`, escaped, the searched digits in <mark>
    stale: bool  # the mailbox's RingCentral session ended: what is shown may be old

    @property
    def inbound(self) -> bool:
        return self.direction == "Inbound"

    @property
    def type_label(self) -> str:
        return TYPE_LABELS.get(self.type, self.type)

    @property
    def url(self) -> str:
        """The thread, opened at this message."""
        path = reverse(
            "inbox:message",
            kwargs={"extension_id": self.mailbox.extension_id, "message_id": self.message_id},
        )
        return f"{path}#message-{self.message_id}"


@dataclass(frozen=True)
class SearchPage:
    hits: tuple[SearchHit, ...]
    page: int
    has_next: bool
    searched: int  # mailboxes searched
    waiting: tuple[Mailbox, ...]  # not indexed yet, so not searched


def _with_state(rows: QuerySet[Any]) -> QuerySet[Any]:
    state = ConversationState.objects.filter(
        account_id=OuterRef("account_id"),
        extension_id=OuterRef("extension_id"),
        thread_kind=OuterRef("thread_kind"),
        thread_id=OuterRef("thread_id"),
    )
    annotated: QuerySet[Any] = rows.annotate(
        state_status=Coalesce(Subquery(state.values("status")[:1]), Value(OPEN)),
        state_assignee=Subquery(state.values("assignee_id")[:1]),
    )
    return annotated


def _state_filtered(rows: QuerySet[Any], query: SearchQuery, user: User) -> QuerySet[Any]:
    if not (query.status or query.assignee):
        return rows
    rows = _with_state(rows)
    if query.status:
        rows = rows.filter(state_status=query.status)
    if query.assignee == ASSIGNEE_ME:
        rows = rows.filter(state_assignee=user.pk)
    elif query.assignee == ASSIGNEE_NOBODY:
        rows = rows.filter(state_assignee__isnull=True)
    elif query.assignee.isdigit():
        rows = rows.filter(state_assignee=int(query.assignee))
    return rows


def _day_bounds(query: SearchQuery) -> tuple[datetime | None, datetime | None]:
    start = datetime.combine(query.start, time.min, tzinfo=UTC) if query.start else None
    end = datetime.combine(query.end, time.max, tzinfo=UTC) if query.end else None
    return start, end


def _messages(scope: Sequence[Mailbox], query: SearchQuery, user: User) -> QuerySet[Any]:
    rows = IndexedMessage.objects.filter(_of_mailboxes(scope), availability=ALIVE)
    start, end = _day_bounds(query)
    if start:
        rows = rows.filter(created_at__gte=start)
    if end:
        rows = rows.filter(created_at__lte=end)
    if query.message_type:
        rows = rows.filter(type=query.message_type)
    if query.direction:
        rows = rows.filter(direction=query.direction)
    return _state_filtered(rows, query, user)


def _conversations(scope: Sequence[Mailbox], query: SearchQuery, user: User) -> QuerySet[Any]:
    rows = IndexedConversation.objects.filter(_of_mailboxes(scope))
    start, end = _day_bounds(query)
    if start:
        rows = rows.filter(last_message_at__gte=start)
    if end:
        rows = rows.filter(last_message_at__lte=end)
    if query.message_type:
        rows = rows.filter(last_type=query.message_type)
    if query.direction:
        rows = rows.filter(last_direction=query.direction)
    return _state_filtered(rows, query, user)


def _word_matches(rows: QuerySet[Any], words: Sequence[str]) -> QuerySet[Any]:
    """`rows` whose text holds every word, best first (see the module's description)."""
    if connection.vendor == "postgresql":
        # the words are \w+ only (`words_of`): nothing in them is tsquery syntax
        terms = " & ".join(f"{word}:*" for word in words)
        table = connection.ops.quote_name(IndexedMessage._meta.db_table)
        vector = f"{table}.search_vector"
        matched = RawSQL(  # noqa: S611  # nosec B611: the table's own name; the words are parameters
            f"{vector} @@ to_tsquery('simple', %s)", [terms], output_field=BooleanField()
        )
        score = RawSQL(  # noqa: S611  # nosec B611: the table's own name; the words are parameters
            f"ts_rank({vector}, to_tsquery('simple', %s))"
            f" / (1 + extract(epoch from (now() - {table}.created_at)) / %s)",
            [terms, MONTH_SECONDS],
            output_field=FloatField(),
        )
        ranked: QuerySet[Any] = (
            rows.filter(matched)
            .annotate(score=score)
            .order_by(F("score").desc(nulls_last=True), "-created_at", "-message_id")
        )
        return ranked
    for word in words:
        # Django's SQLite connections evaluate REGEXP with Python's `re`
        rows = rows.filter(text__iregex=rf"\b{re.escape(word)}")
    return rows.order_by(F("created_at").desc(nulls_last=True), "-message_id")


def _word_rows(
    rows: QuerySet[Any], words: Sequence[str], start: int, count: int
) -> list[tuple[Any, ...]]:
    """Message columns of the word matches from position `start` of their order, at most
    `count` of them. On PostgreSQL the order is the ranking's within each band of age, newest
    band first (see the module's description), read in two steps: the last month's matches,
    which are all a page of a common word needs (ranking reads every match's row: a hundred
    thousand, for a word that common, across every band); then, only when those run out, the
    older bands', ranked together in one statement."""
    ranked = _word_matches(rows, words)
    if connection.vendor != "postgresql":
        return list(ranked.values_list(*MESSAGE_COLUMNS)[start : start + count])
    edges = [timezone.now() - timedelta(seconds=m * MONTH_SECONDS) for m in RANK_BANDS_MONTHS]
    newest = ranked.filter(created_at__gte=edges[0])
    found = list(newest.values_list(*MESSAGE_COLUMNS)[start : start + count])
    if len(found) >= count:
        return found
    # a page past the newest band starts in the older ones as far on as that band falls short
    skip = max(0, start - newest.count()) if start and not found else 0
    band = Case(
        *(When(created_at__gte=edge, then=Value(n)) for n, edge in enumerate(edges[1:], 1)),
        When(created_at__isnull=False, then=Value(len(edges))),
        default=Value(len(edges) + 1),
        output_field=IntegerField(),
    )
    older = (
        ranked.filter(Q(created_at__lt=edges[0]) | Q(created_at__isnull=True))
        .annotate(band=band)
        .order_by("band", F("score").desc(nulls_last=True), "-created_at", "-message_id")
    )
    return found + list(older.values_list(*MESSAGE_COLUMNS)[skip : skip + count - len(found)])


def _named_numbers(scope: Sequence[Mailbox], phrase: str) -> dict[int, list[str]]:
    """The address book's numbers (as digits) of contacts whose name holds `phrase`, by
    account."""
    accounts = sorted({m.account_id for m in scope})
    found: dict[int, list[str]] = {}
    rows = ContactNumber.objects.filter(
        account_id__in=accounts, contact__name__icontains=phrase
    ).values_list("account_id", "number")[:CONTACT_NUMBERS_MAX]
    for account_id, number in rows:
        digits = digits_of(number)
        if digits:
            found.setdefault(account_id, []).append(digits)
    return found


def _conversation_matches(
    scope: Sequence[Mailbox], query: SearchQuery, user: User
) -> QuerySet[Any]:
    """The conversations a number or a name finds, newest first."""
    rows = _conversations(scope, query, user)
    if query.digits:
        return rows.filter(party_text__contains=query.digits).order_by(
            F("last_message_at").desc(nulls_last=True), "-last_message_id"
        )
    phrase = " ".join(query.words)
    if not any(ch.isalpha() for ch in phrase):
        return rows.none()  # names have letters; digits alone would match inside numbers
    wanted = Q(party_text__contains=phrase)
    for account_id, numbers in _named_numbers(scope, phrase).items():
        for digits in numbers:
            wanted |= Q(account_id=account_id, party_text__contains=f" {digits} ")
    return rows.filter(wanted).order_by(
        F("last_message_at").desc(nulls_last=True), "-last_message_id"
    )


MESSAGE_COLUMNS = (
    "account_id", "extension_id", "message_id", "thread_kind", "thread_id", "type",
    "direction", "created_at", "text",
)  # fmt: skip


def _last_messages(keys: Sequence[MessageKey]) -> dict[MessageKey, tuple[Any, ...]]:
    wanted = Q(pk__in=[])
    for account_id, extension_id, message_id in keys:
        wanted |= Q(account_id=account_id, extension_id=extension_id, message_id=message_id)
    return {
        (row[0], row[1], row[2]): row
        for row in IndexedMessage.objects.filter(wanted).values_list(*MESSAGE_COLUMNS)
    }


def _parties_of(rows: Sequence[tuple[Any, ...]]) -> dict[tuple[int, int, str, int], list[Any]]:
    """The parties of the threads of `rows` (message columns), from the conversation rows."""
    wanted = Q(pk__in=[])
    for row in rows:
        wanted |= Q(account_id=row[0], extension_id=row[1], thread_kind=row[3], thread_id=row[4])
    return {
        (a, e, kind, thread): parties if isinstance(parties, list) else []
        for a, e, kind, thread, parties in IndexedConversation.objects.filter(wanted).values_list(
            "account_id", "extension_id", "thread_kind", "thread_id", "parties"
        )
    }


def _hits(
    scope: SearchScope, rows: Sequence[tuple[Any, ...]], matched: Sequence[str], query: SearchQuery
) -> list[SearchHit]:
    """Hits of message rows (`MESSAGE_COLUMNS`), with their parties named: the address book's
    names first, in one query per account."""
    parties = _parties_of(rows)
    numbers_by_account: dict[int, set[str]] = {}
    for (account_id, *_rest), found in parties.items():
        numbers_by_account.setdefault(account_id, set()).update(
            str(p.get("number") or "") for p in found if isinstance(p, dict)
        )
    names = {
        account_id: contact_names(account_id=account_id, numbers=numbers)
        for account_id, numbers in numbers_by_account.items()
    }
    hits: list[SearchHit] = []
    for row, how in zip(rows, matched, strict=True):
        account_id, extension_id, message_id, kind, thread_id, type_, direction, at, text = row
        mailbox = scope.get(account_id, extension_id)
        if mailbox is None:  # never: every row came from the scope's mailboxes
            continue
        others = [
            p
            for p in parties.get((account_id, extension_id, kind, thread_id), [])
            if isinstance(p, dict)
        ]
        known = names.get(account_id, {})
        labels = [
            str(
                known.get(str(p.get("number") or ""))
                or p.get("name")
                or format_number(str(p.get("number") or ""))
            )
            for p in others
        ]
        number = format_number(str(others[0].get("number") or "")) if others else ""
        shown = excerpt(text or "", query.words)
        hits.append(
            SearchHit(
                mailbox=mailbox,
                message_id=message_id,
                thread_kind=kind,
                thread_id=thread_id,
                type=type_,
                direction=direction,
                created_at=at,
                text=text or "",
                party=", ".join(label for label in labels if label) or "Unknown",
                party_number=number,
                matched=how,
                marked=highlighted(shown, query.words if how == "words" else ()),
                number_marked=number_highlighted(number, query.digits if how == "number" else ""),
                stale=extension_id in scope.stale,
            )
        )
    return hits


def search_for_user(
    *, user: User, query: SearchQuery, scope: SearchScope | None = None, per_page: int = PAGE_SIZE
) -> SearchPage:
    """A page of what `query` finds in `user`'s mailboxes: conversations a name or number
    finds first, then messages by their words (see the module's description)."""
    scope = scope or search_scope_for_user(user=user)
    mailboxes = scope.chosen(query.mailbox)
    if query.is_empty or not mailboxes:
        return SearchPage((), query.page, False, len(mailboxes), scope.waiting)
    start = (query.page - 1) * per_page
    conversations = _conversation_matches(mailboxes, query, user)
    if query.digits:
        picked = list(
            conversations.values_list("account_id", "extension_id", "last_message_id")[
                start : start + per_page + 1
            ]
        )
        has_next = len(picked) > per_page
        keys: list[MessageKey] = [tuple(k) for k in picked[:per_page]]
        found = _last_messages(keys)
        rows = [found[k] for k in keys if k in found]
        return SearchPage(
            tuple(_hits(scope, rows, ["number"] * len(rows), query)),
            query.page, has_next, len(mailboxes), scope.waiting,
        )  # fmt: skip
    named_keys: list[MessageKey] = [
        tuple(k)
        for k in conversations.values_list("account_id", "extension_id", "last_message_id")[
            :NAME_HITS_MAX
        ]
    ]
    named = len(named_keys)
    rows_shown: list[tuple[Any, ...]] = []
    matched: list[str] = []
    if start < named:
        keys = named_keys[start : start + per_page]
        found = _last_messages(keys)
        for key in keys:
            if key in found:
                rows_shown.append(found[key])
                matched.append("name")
    wanted = per_page - len(rows_shown)
    word_start = max(0, start - named)
    seen = set(named_keys)
    word_rows = _word_rows(_messages(mailboxes, query, user), query.words, word_start, wanted + 1)
    has_next = len(word_rows) > wanted or start + per_page < named
    for row in word_rows[:wanted]:
        if (row[0], row[1], row[2]) in seen:
            continue  # shown among the names already
        rows_shown.append(row)
        matched.append("words")
    return SearchPage(
        tuple(_hits(scope, rows_shown, matched, query)),
        query.page, has_next, len(mailboxes), scope.waiting,
    )  # fmt: skip


def search_rows_for_user(
    *, user: User, query: SearchQuery, scope: SearchScope | None = None
) -> Iterator[SearchHit]:
    """Every hit of `query`, in the order of its pages, read a chunk at a time (for a streamed
    export: memory stays flat however many there are)."""
    scope = scope or search_scope_for_user(user=user)
    page = 1
    while True:
        found = search_for_user(
            user=user, query=_page(query, page), scope=scope, per_page=EXPORT_CHUNK
        )
        yield from found.hits
        if not found.has_next:
            return
        page += 1


def _page(query: SearchQuery, page: int) -> SearchQuery:
    return replace(query, page=page)
