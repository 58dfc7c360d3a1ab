"""Message Store filters: query parameters parsed as the platform reads them, turned into SQL.

List (`listMessages`), sync (`syncMessages`) and delete-by-filter (`deleteMessageByFilter`)
share these rules, so one parser and one SQL builder serve all three:

* Multi-valued filters are repeated keys (`?messageType=SMS&messageType=Pager`, REFERENCE
  §1.2); a value outside the enum, a comma-joined list included, is 400 CMN-101
  "Parameter [x] value is invalid.".
* Booleans accept `true`/`false` in any letter case: the Python SDK writes a Python bool
  with `str()`, i.e. `True`.
* Dates are filtered on `creationTime` (REFERENCE §17.3: the guide calls the sync frame a
  "creationDate range"); the order is newest first by `creationTime`, ties by id.
* Filtering, counting and paging happen in SQLite (the mailbox index on
  `(extension_id, creation_ts)` also orders by id, the rowid it carries), never in Python.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from emulator import clock
from emulator.errors import invalid_parameter
from emulator.mailstore import AVAILABILITIES, DIRECTIONS, MESSAGE_TYPES, READ_STATUSES, digits

ORDER = "creation_ts DESC, id DESC"
# A message without a conversation (fax, voicemail) is a conversation of its own.
CONVERSATION_KEY = "COALESCE(conversation_id, -id)"
OWNER_VALUES = ("Any", "Personal", "Shared")


# --------------------------------------------------------------------------- parameters


def enum_list(args: Any, name: str, allowed: Sequence[str]) -> list[str]:
    values: list[str] = args.getlist(name)
    for value in values:
        if value not in allowed:
            raise invalid_parameter(name, value)
    return values


def enum_value(args: Any, name: str, allowed: Sequence[str], default: str) -> str:
    value: str | None = args.get(name)
    if value is None:
        return default
    if value not in allowed:
        raise invalid_parameter(name, value)
    return value


def boolean(args: Any, name: str, default: bool = False) -> bool:
    value: str | None = args.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    raise invalid_parameter(name, value)


def date_time(args: Any, name: str) -> float | None:
    value: str | None = args.get(name)
    if value is None:
        return None
    try:
        return clock.parse_iso(value)
    except ValueError as exc:
        raise invalid_parameter(name, value) from exc


def identifier(args: Any, name: str) -> int | None:
    """A numeric id given as a string (`conversationId`); anything else is CMN-101."""
    value: str | None = args.get(name)
    if value is None:
        return None
    stripped = value.strip()
    if not stripped.isdigit() or len(stripped) > 19:
        raise invalid_parameter(name, value)
    return int(stripped)


def positive_int(args: Any, name: str) -> int | None:
    value: str | None = args.get(name)
    if value is None:
        return None
    try:
        number = int(value)
    except ValueError as exc:
        raise invalid_parameter(name, value) from exc
    if number < 1:
        raise invalid_parameter(name, value)
    return number


def owner_matches(args: Any, extension_id: int) -> bool:
    """`owner` filters shared voicemail/SMS (REFERENCE §3). The emulator has no shared
    mailboxes: every message is `Personal`, so `Shared`, or a list of other extensions' ids,
    selects nothing, and `Any`/`Personal` (the default) select everything."""
    values: list[str] = args.getlist("owner")
    if not values:
        return True
    for value in values:
        if value not in OWNER_VALUES and not value.isdigit():
            raise invalid_parameter("owner", value)
    return any(v in ("Any", "Personal") or v == str(extension_id) for v in values)


def phone_digits(args: Any, name: str = "phoneNumber") -> str | None:
    """Digits of the `phoneNumber` filter; a 10-digit North American number gets its `1`."""
    value: str | None = args.get(name)
    if value is None:
        return None
    plain = digits(value)
    if not plain:
        raise invalid_parameter(name, value)
    return "1" + plain if len(plain) == 10 else plain


# --------------------------------------------------------------------------- filter → SQL


@dataclass(frozen=True)
class MessageFilter:
    """Which messages of one mailbox a request means. Empty tuples mean "any"."""

    extension_id: int
    types: tuple[str, ...] = ()
    directions: tuple[str, ...] = ()
    read_statuses: tuple[str, ...] = ()
    availabilities: tuple[str, ...] = ("Alive",)
    conversation_ids: tuple[int, ...] = ()
    phone: str | None = None
    created_from: float | None = None  # creation_ts >= created_from
    created_to: float | None = None  # creation_ts <= created_to
    created_before: float | None = None  # creation_ts < created_before
    modified_since: float | None = None  # modified_ts >= modified_since
    selects_nothing: bool = False
    distinct: bool = False

    def where(self) -> tuple[str, list[Any]]:
        clauses = ["extension_id = ?"]
        params: list[Any] = [self.extension_id]

        def one_of(column: str, values: Sequence[Any]) -> None:
            if values:
                clauses.append(f"{column} IN ({','.join('?' * len(values))})")
                params.extend(values)

        one_of("type", self.types)
        one_of("direction", self.directions)
        one_of("read_status", self.read_statuses)
        one_of("availability", self.availabilities)
        one_of("conversation_id", self.conversation_ids)
        if self.phone is not None:
            clauses.append("numbers LIKE ?")
            params.append(f"% {self.phone} %")
        for column, operator, value in (
            ("creation_ts", ">=", self.created_from),
            ("creation_ts", "<=", self.created_to),
            ("creation_ts", "<", self.created_before),
            ("modified_ts", ">=", self.modified_since),
        ):
            if value is not None:
                clauses.append(f"{column} {operator} ?")
                params.append(value)
        if self.selects_nothing:
            clauses.append("0")
        return " AND ".join(clauses), params


def count(db: sqlite3.Connection, query: MessageFilter) -> int:
    where, params = query.where()
    what = f"COUNT(DISTINCT {CONVERSATION_KEY})" if query.distinct else "COUNT(*)"
    row = db.execute(f"SELECT {what} FROM message WHERE {where}", params).fetchone()  # noqa: S608 (clauses are ours)  # nosec B608
    return int(row[0])


def select(
    db: sqlite3.Connection, query: MessageFilter, *, limit: int | None = None, offset: int = 0
) -> list[sqlite3.Row]:
    """Matching messages, newest first; with `distinct`, the newest of each conversation."""
    where, params = query.where()
    page = ""
    if limit is not None:
        page = " LIMIT ? OFFSET ?"
        params = [*params, limit, offset]
    if query.distinct:
        sql = (
            "SELECT * FROM (SELECT *, ROW_NUMBER() OVER ("  # noqa: S608 (clauses are ours)  # nosec B608
            f"PARTITION BY {CONVERSATION_KEY} ORDER BY {ORDER}) AS conversation_rank "
            f"FROM message WHERE {where}) WHERE conversation_rank = 1 ORDER BY {ORDER}{page}"
        )
    else:
        sql = f"SELECT * FROM message WHERE {where} ORDER BY {ORDER}{page}"  # noqa: S608 (clauses are ours)  # nosec B608
    return db.execute(sql, params).fetchall()


@contextmanager
def snapshot(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One read transaction, so a count, its page and their attachments agree."""
    if db.in_transaction:
        yield db
        return
    db.execute("BEGIN")
    try:
        yield db
    finally:
        db.execute("COMMIT")


# --------------------------------------------------------------------------- list


@dataclass(frozen=True)
class ListQuery:
    filter: MessageFilter
    echo: list[tuple[str, str]] = field(default_factory=list)  # effective filters, for URIs


LIST_WINDOW = 24 * 3600  # spec listMessages: dateFrom defaults to dateTo minus 24 hours


def list_query(args: Any, extension_id: int, *, now: float) -> ListQuery:
    """The effective filter of `listMessages` and the filters its URIs echo.

    The echo follows the official sample (`?direction=Inbound&readStatus=Unread&
    availability=Alive&dateFrom=2018-09-17T12:53:00.000Z&page=1&perPage=2`): the client's
    own filters, then `availability` (defaulted to `Alive`), then `dateFrom` (the default is
    shown truncated to the minute, so the emulator also filters on that very minute: following
    a navigation link repeats the same query). An explicit `dateTo` is echoed; the default
    ("now") is not, as in every sample.
    """
    types = enum_list(args, "messageType", MESSAGE_TYPES)
    conversation = identifier(args, "conversationId")
    directions = enum_list(args, "direction", DIRECTIONS)
    read_statuses = enum_list(args, "readStatus", READ_STATUSES)
    phone = phone_digits(args)
    distinct = boolean(args, "distinctConversations")
    availabilities = enum_list(args, "availability", AVAILABILITIES) or ["Alive"]
    date_to = date_time(args, "dateTo")
    date_from = date_time(args, "dateFrom")
    owner_ok = owner_matches(args, extension_id)

    echo: list[tuple[str, str]] = [("messageType", value) for value in types]
    if conversation is not None:
        echo.append(("conversationId", str(conversation)))
    echo += [("direction", value) for value in directions]
    echo += [("readStatus", value) for value in read_statuses]
    if phone is not None:
        echo.append(("phoneNumber", args["phoneNumber"]))
    if "distinctConversations" in args:
        echo.append(("distinctConversations", "true" if distinct else "false"))
    echo += [("owner", value) for value in args.getlist("owner")]
    echo += [("availability", value) for value in availabilities]
    if date_from is None:
        default_from = clock.iso_minute((date_to if date_to is not None else now) - LIST_WINDOW)
        date_from = clock.parse_iso(default_from)
        echo.append(("dateFrom", default_from))
    else:
        echo.append(("dateFrom", clock.iso(date_from)))
    if date_to is not None:
        echo.append(("dateTo", clock.iso(date_to)))

    query = MessageFilter(
        extension_id=extension_id,
        types=tuple(types),
        directions=tuple(directions),
        read_statuses=tuple(read_statuses),
        availabilities=tuple(dict.fromkeys(availabilities)),
        conversation_ids=() if conversation is None else (conversation,),
        phone=phone,
        created_from=date_from,
        created_to=date_to if date_to is not None else now,
        selects_nothing=not owner_ok,
        distinct=distinct,
    )
    return ListQuery(query, echo)
