"""Notes in the words and places a person reads them: who a `@word` names, the note's text cut
into plain text and mentions, and where each note sits among the messages of a thread page.

A mention is `@` followed by a member's first name (`@Sam`), their first and last names
joined by a dot (`@sam.rivera`, for when two members share a first name), or their user
name; case does not matter. A first name two members share names neither: the dotted form
does. An `@word` that names no member of the mailbox stays plain text, and so does an
e-mail address (`sam@example.com`: the `@` follows a letter).

Nothing here marks text safe: note text stays a plain string that templates escape.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from accounts.models import User
from inbox.conversations.presenters import MessageView
from inbox.models import ConversationNote

ThreadKey = tuple[str, int]  # `MessageView.thread_key`: ("conversation" | "message", id)
THREAD_KINDS = ("conversation", "message")

# `@` not glued to a word before it (an e-mail address), then a name that ends in a letter
# or digit, so that "@Sam," and "@Sam." mention Sam
MENTION = re.compile(r"(?<![\w@])@(\w(?:[\w.-]*\w)?)")


def person_label(user: User | None) -> str:
    """How the dashboard names a person: their full name, else their user name."""
    if user is None:
        return ""
    return user.get_full_name() or user.username


def _squashed(name: str) -> str:
    return re.sub(r"\s+", "", name).lower()


def mention_handles(members: Iterable[User]) -> dict[str, User]:
    """What an `@word` may say (lower case) for each member: a first name only one of them
    has, first.last, and the user name."""
    people = list(members)
    firsts: dict[str, list[User]] = {}
    for person in people:
        if person.first_name.strip():
            firsts.setdefault(_squashed(person.first_name), []).append(person)
    handles: dict[str, User] = {}
    for person in people:
        handles[person.username.lower()] = person
        first, last = _squashed(person.first_name), _squashed(person.last_name)
        if first and last:
            handles[f"{first}.{last}"] = person
    for first, named in firsts.items():
        if len(named) == 1:
            handles[first] = named[0]
    return handles


def mention_handle(person: User, members: Sequence[User]) -> str:
    """The shortest way to mention `person` among `members`, as the composer suggests it."""
    handles = mention_handles(members)
    first, last = _squashed(person.first_name), _squashed(person.last_name)
    if first and handles.get(first) == person:
        return person.first_name.strip().replace(" ", "")
    if first and last:
        return f"{person.first_name.strip()}.{person.last_name.strip()}".replace(" ", "")
    return person.username


def mentioned(text: str, members: Iterable[User]) -> list[User]:
    """The members `text` mentions, each once, in the order first mentioned."""
    handles = mention_handles(members)
    found: dict[int, User] = {}
    for match in MENTION.finditer(text):
        person = handles.get(match[1].lower())
        if person is not None:
            found.setdefault(person.pk, person)
    return list(found.values())


@dataclass(frozen=True)
class Segment:
    """A piece of a note's text: plain, or a mention of `person` (their name)."""

    text: str
    person: str = ""


def segments(text: str, members: Iterable[User]) -> tuple[Segment, ...]:
    """`text` cut where it mentions a member, so the template can show mentions apart
    without marking anything safe."""
    handles = mention_handles(members)
    parts: list[Segment] = []
    start = 0
    for match in MENTION.finditer(text):
        person = handles.get(match[1].lower())
        if person is None:
            continue
        if match.start() > start:
            parts.append(Segment(text[start : match.start()]))
        parts.append(Segment(match[0], person_label(person)))
        start = match.end()
    if start < len(text):
        parts.append(Segment(text[start:]))
    return tuple(parts)


@dataclass(frozen=True)
class NoteView:
    """A note as the thread shows it, and where: just before the message
    `before_message_id`, or after the page's last message (None)."""

    id: int
    author: str
    own: bool  # the viewer wrote it: they may edit or delete it
    text: str
    segments: tuple[Segment, ...]
    created_at: datetime
    edited_at: datetime | None
    before_message_id: int | None


def notes_placed(
    notes: Sequence[ConversationNote],
    messages: Sequence[MessageView],
    *,
    viewer: User,
    members: Sequence[User],
    has_older: bool,
    newest_page: bool,
) -> tuple[NoteView, ...]:
    """The notes that belong on a page of a thread (`messages`, oldest first), each placed
    before the first message newer than it. Notes older than the page's oldest message
    belong on an older page when there is one; notes newer than its newest message, on a
    newer page when this is not the newest."""
    timed = [m for m in messages if m.created is not None]
    oldest = timed[0].created if timed else None
    newest = timed[-1].created if timed else None
    placed: list[NoteView] = []
    for note in notes:
        if has_older and oldest is not None and note.created_at < oldest:
            continue
        if not newest_page and newest is not None and note.created_at > newest:
            continue
        following = next(
            (m.id for m in timed if m.created is not None and m.created > note.created_at), None
        )
        placed.append(
            NoteView(
                id=note.pk,
                author=note.author_label,
                own=note.author_id is not None and note.author_id == viewer.pk,
                text=note.text,
                segments=segments(note.text, members),
                created_at=note.created_at,
                edited_at=note.edited_at,
                before_message_id=following,
            )
        )
    return tuple(placed)


def excerpt(text: str, limit: int = 120) -> str:
    """The note's text on one line, cut at `limit` characters."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"
