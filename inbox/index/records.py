"""What the index reads off a RingCentral message record: its thread, its version, the numbers
the list's number filter matches, the other parties, and the line a conversation row shows.

Plain functions of `rcapi.Message`, no database: the index's services and selectors share
them, and tests call them directly.
"""

from __future__ import annotations

from datetime import datetime

from rcapi import Message, Party

ThreadKey = tuple[str, int]  # ("conversation", id) or, for faxes and voicemails, ("message", id)

ALIVE = "Alive"
PREVIEW_CHARS = 200  # `IndexedConversation.preview`'s length


def thread_key_of(message: Message) -> ThreadKey:
    """Where the message's thread lives: its conversation, or the message alone (faxes and
    voicemails have no conversation), as `MessageView.thread_key` says."""
    if message.conversation_id is not None:
        return ("conversation", message.conversation_id)
    return ("message", message.id)


def version_of(message: Message) -> datetime | None:
    """The moment RingCentral last changed the record: a newer one replaces it, an older one
    (ISync overlaps, repeats and may reorder) never does."""
    return message.last_modified_time or message.creation_time


def is_alive(message: Message) -> bool:
    return (message.availability or ALIVE) == ALIVE


def e164(number: str | None) -> str:
    """A phone number as the index keeps it: `+` and its digits ("" without any)."""
    digits = "".join(ch for ch in number or "" if ch.isdigit())
    return f"+{digits}" if digits else ""


def numbers_of(message: Message) -> str:
    """Every phone number on the message, the mailbox's own too, space-separated with a space
    at each end: RingCentral's `phoneNumber` filter matches any of them."""
    parties = [message.from_, *message.to] if message.from_ is not None else list(message.to)
    found = dict.fromkeys(n for n in (e164(p.phone_number) for p in parties) if n)
    return f" {' '.join(found)} " if found else ""


def others_of(message: Message) -> tuple[Party, ...]:
    """Everyone on the message but the mailbox's owner: the sender of an inbound message and
    the other recipients of a group message; the recipients of an outbound one. The index's
    rows and the pages' (`inbox.conversations.presenters`) both name parties by it."""
    raw_to = message.raw.get("to")
    targets = [
        isinstance(item, dict) and item.get("target") is True
        for item in (raw_to if isinstance(raw_to, list) else [])
    ]
    own_numbers: set[str] = set()
    if message.direction == "Outbound" and message.from_ is not None:
        own_numbers = {n for n in (message.from_.phone_number, message.from_.extension_number) if n}

    def is_owner(position: int, party: Party) -> bool:
        if message.extension_id is not None and party.extension_id == message.extension_id:
            return True
        if position < len(targets) and targets[position]:
            return True
        return bool(own_numbers & {party.phone_number, party.extension_number})

    recipients = tuple(p for i, p in enumerate(message.to) if not is_owner(i, p))
    if message.direction == "Inbound":
        sender = (message.from_,) if message.from_ is not None else ()
        # a one-to-one message's only recipient is the owner, even without `target`
        return sender + (recipients if len(message.to) > 1 else ())
    return recipients or message.to


def _duration(seconds: int) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"{minutes}:{rest:02d}"


def preview_of(message: Message) -> str:
    """The line a conversation row shows: the text of an SMS, MMS or pager message, else what
    the message is ("Fax, 2 pages", "Voicemail (0:42)", "1 attachment")."""
    if message.type in ("SMS", "Pager", "Text"):
        line = " ".join((message.subject or "").split())
        if line:
            return line if len(line) <= PREVIEW_CHARS else line[: PREVIEW_CHARS - 1] + "…"
    if message.type == "VoiceMail":
        seconds = next((a.vm_duration for a in message.attachments if a.vm_duration), None)
        return f"Voicemail ({_duration(seconds)})" if seconds else "Voicemail"
    if message.type == "Fax":
        pages = message.fax_page_count
        return f"Fax, {pages} page{'s' if pages != 1 else ''}" if pages else "Fax"
    shown = [a for a in message.attachments if a.type != "Text"]
    if shown:
        return f"{len(shown)} attachment{'s' if len(shown) != 1 else ''}"
    return ""


def party_text_of(parties: list[dict[str, str]]) -> str:
    """What search matches a thread's parties by (`IndexedConversation.party_text`): each
    party's number as digits and name in lower case, space-separated, a space at each end."""
    words: list[str] = []
    for party in parties:
        digits = "".join(ch for ch in party.get("number") or "" if ch.isdigit())
        name = " ".join((party.get("name") or "").lower().split())
        words.extend(word for word in (digits, name) if word)
    return f" {' '.join(words)} " if words else ""
