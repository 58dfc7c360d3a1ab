"""Indexed messages as an export shows them: one CSV row per message, or one entry of a
printable transcript. Plain functions of the index's rows (`IndexedMessage`: RingCentral's
record and its thread) and of the names a lookup gives for their numbers; no query of their
own, so any export can stream any rows through them — a conversation, a mailbox, and later
a search's results.

Parties are named as the pages name them: the address book's contact name first, then the
name RingCentral gives on the message itself, then one it gave on another message of the
thread (the index keeps those per thread); a number no one named stays a number. Customer
text is left as written: the CSV's cells are guarded against formulas (`inbox.csv_cells`),
the transcript's template escapes it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice

from django.db.models import QuerySet

from inbox.conversations.presenters import message_view
from inbox.csv_cells import CsvLines
from inbox.models import IndexedMessage
from rcapi import Message, Party

COLUMNS = (
    "time", "direction", "type", "from", "to", "text", "attachments", "status", "message_id",
)  # fmt: skip
CONVERSATION_COLUMN = "conversation_id"
MAILBOX_COLUMN = "mailbox_extension_id"  # a search's rows may come from several mailboxes
# rows named by one lookup (one query or two for all of them), and fetched from the database
# at a time: what an export holds in memory at once, however many rows it streams
NAMES_BATCH = 500


@dataclass(frozen=True)
class PartyNames:
    """The names a batch of rows' numbers go by: the address book's (`contacts`), and those
    RingCentral gave on some message of their threads (`known`), by E.164 number."""

    contacts: Mapping[str, str] = field(default_factory=dict)
    known: Mapping[str, str] = field(default_factory=dict)

    def name_of(self, number: str, given: str = "") -> str:
        """The contact's name, else `given` (RingCentral's on this message), else a name
        another message of the thread gave the number; "" when no one named it."""
        return self.contacts.get(number) or given or self.known.get(number, "")


# how an export names the numbers of a batch of rows (one call per `NAMES_BATCH` rows)
NamesLookup = Callable[[Sequence[IndexedMessage]], PartyNames]


@dataclass(frozen=True)
class PartyShown:
    """Someone on a message: their name (if anyone named them) and number (E.164, or
    "ext. 103" for a colleague reached by extension)."""

    name: str
    number: str

    @property
    def text(self) -> str:
        """ "Fatima Rossi (+14155550142)", or the number alone, or the name alone."""
        if self.name and self.number:
            return f"{self.name} ({self.number})"
        return self.name or self.number or "Unknown"


@dataclass(frozen=True)
class ExportedMessage:
    """One message as an export shows it."""

    id: int
    conversation_id: int | None  # None: a fax or voicemail, which has no conversation
    extension_id: int  # the mailbox's
    created: datetime | None
    direction: str  # Inbound or Outbound, as RingCentral says
    type_label: str  # SMS, MMS, Pager, Fax, Voicemail
    sender: PartyShown
    recipients: tuple[PartyShown, ...]
    text: str
    attachments: tuple[str, ...]  # "photo.png (image/png)", "message.wav (audio/wav, 0:42)"
    status: str  # "Delivered", "Failed: the number cannot receive text messages", …

    @property
    def inbound(self) -> bool:
        return self.direction == "Inbound"

    @property
    def time(self) -> str:
        """ISO 8601 in UTC, to the second: "2026-01-05T14:03:27Z"."""
        if self.created is None:
            return ""
        return self.created.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")

    @property
    def recipients_text(self) -> str:
        return "; ".join(party.text for party in self.recipients)


def _party(party: Party | None, names: PartyNames) -> PartyShown:
    if party is None:
        return PartyShown("", "")
    if party.phone_number:
        return PartyShown(names.name_of(party.phone_number, party.name or ""), party.phone_number)
    extension = f"ext. {party.extension_number}" if party.extension_number else ""
    return PartyShown(party.name or "", extension)


def exported_message(row: IndexedMessage, names: PartyNames) -> ExportedMessage:
    """The row's message, its parties named by `names`."""
    message = Message.from_json(row.record)
    view = message_view(message)
    attachments = []
    for attachment in view.attachments:
        about = [attachment.content_type]
        if attachment.duration_label:
            about.append(attachment.duration_label)
        if view.type == "Fax" and attachment.kind == "pdf" and view.fax_page_count:
            pages = view.fax_page_count
            about.append(f"{pages} page{'s' if pages != 1 else ''}")
        attachments.append(f"{attachment.file_name} ({', '.join(about)})")
    status = view.status_label
    if view.failed:
        status = f"{status}: {view.failure_reason}"
    return ExportedMessage(
        id=view.id,
        conversation_id=row.thread_id if row.thread_kind == "conversation" else None,
        extension_id=row.extension_id,
        created=view.created,
        direction=view.direction,
        type_label=view.type_label,
        sender=_party(message.from_, names),
        recipients=tuple(_party(party, names) for party in message.to),
        text=view.text,
        attachments=tuple(attachments),
        status=status,
    )


def exported_messages(
    rows: Iterable[IndexedMessage], names: NamesLookup
) -> Iterator[ExportedMessage]:
    """`rows` as exported messages, in their order, named a batch at a time. A QuerySet is
    read with `.iterator()` (never held whole); any other iterable should be as lazy."""
    if isinstance(rows, QuerySet):
        rows = rows.iterator(chunk_size=NAMES_BATCH)
    pending = iter(rows)
    while batch := list(islice(pending, NAMES_BATCH)):
        batch_names = names(batch)
        for row in batch:
            yield exported_message(row, batch_names)
        del batch, batch_names  # gone before the next batch is read, not after


def message_csv_header(
    *, conversation_column: bool = False, mailbox_column: bool = False
) -> tuple[str, ...]:
    return (
        *COLUMNS,
        *((CONVERSATION_COLUMN,) if conversation_column else ()),
        *((MAILBOX_COLUMN,) if mailbox_column else ()),
    )


def message_csv_cells(
    message: ExportedMessage, *, conversation_column: bool = False, mailbox_column: bool = False
) -> list[object]:
    cells: list[object] = [
        message.time,
        message.direction,
        message.type_label,
        message.sender.text,
        message.recipients_text,
        message.text,
        "; ".join(message.attachments),
        message.status,
        message.id,
    ]
    if conversation_column:
        cells.append(message.conversation_id)
    if mailbox_column:
        cells.append(message.extension_id)
    return cells


def message_csv_rows(
    rows: Iterable[IndexedMessage],
    names: NamesLookup,
    *,
    conversation_column: bool = False,
    mailbox_column: bool = False,
) -> Iterator[str]:
    """CSV lines for indexed message rows: the header (`COLUMNS`, then `conversation_id` with
    `conversation_column` and the mailbox's extension id with `mailbox_column`), then one line
    per row in the order given. Every export of
    messages streams through it: give it the rows lazily (a QuerySet is read with
    `.iterator()`) and a lookup that names their numbers (`selectors.party_names_lookup()`),
    and it holds at most `NAMES_BATCH` rows at a time. Cells are guarded against formulas;
    each line ends with CRLF."""
    lines = CsvLines()
    columns = {"conversation_column": conversation_column, "mailbox_column": mailbox_column}
    yield lines.line(message_csv_header(**columns))
    for message in exported_messages(rows, names):
        yield lines.line(message_csv_cells(message, **columns))
