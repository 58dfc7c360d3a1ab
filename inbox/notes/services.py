"""Notes in a thread for the mailbox's team: add, edit and delete one's own, and the mentions
they make (a member `@mentioned` has the thread in their Mentions view until they open it).

Notes are the dashboard's own records: nothing here calls RingCentral, changes a message's
read state, or a thread's owner or status. Every change is in the audit log, with the text
before and after. Whoever holds the `Mailbox` (`mailbox_get_for_user`) may add a note; only
its author edits or deletes it (`NoteRefused` otherwise). Other open pages of the mailbox
follow through `mailbox_changed`, sent after the commit: the mentioned person's sidebar
among them, as its cache is keyed by the mailbox's change counter.
"""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from inbox.conversations.selectors import Mailbox
from inbox.conversations.services import audit_entry_write
from inbox.models import AuditEntry, ConversationNote, NoteMention
from inbox.notes.presenters import THREAD_KINDS, ThreadKey, mentioned, person_label
from inbox.notes.selectors import note_members
from inbox.path_ids import INT64_MAX
from inbox.signals import mailbox_changed

TEXT_MAX = 5000  # characters of a note
AUDIT_TEXT_MAX = 500  # characters of a note's text an audit entry keeps


class NoteRefused(Exception):
    """A note that cannot be written as asked; nothing was changed. `message` is a sentence
    for the person; `forbidden` says the person may not change this note at all."""

    def __init__(self, message: str, *, forbidden: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.forbidden = forbidden


def note_text_check(text: str) -> str:
    """The note's text without surrounding blank space; NoteRefused when empty or too long."""
    cleaned = text.strip()
    if not cleaned:
        raise NoteRefused("Write something in the note first.")
    if len(cleaned) > TEXT_MAX:
        raise NoteRefused(
            f"A note holds at most {TEXT_MAX:,} characters; this one has {len(cleaned):,}. "
            "Shorten it, or split it into two notes."
        )
    return cleaned


def _quoted(text: str) -> str:
    return f"“{text[:AUDIT_TEXT_MAX]}{'…' if len(text) > AUDIT_TEXT_MAX else ''}”"


def _audit(
    *,
    by: User,
    mailbox: Mailbox,
    note: ConversationNote,
    action: AuditEntry.Action,
    detail: str,
    ip: str | None,
) -> None:
    conversation = note.thread_kind == "conversation"
    audit_entry_write(
        user=by,
        mailbox=mailbox,
        action=action,
        outcome=AuditEntry.Outcome.DONE,
        conversation_id=note.thread_id if conversation else None,
        message_ids=() if conversation else (note.thread_id,),
        detail=detail,
        ip_address=ip,
    )


def _changed(mailbox: Mailbox) -> None:
    transaction.on_commit(
        partial(
            mailbox_changed.send,
            sender=Mailbox,
            account_id=mailbox.account_id,
            extension_id=mailbox.extension_id,
        )
    )


def _mentions_set(note: ConversationNote, mailbox: Mailbox, *, author: User) -> None:
    """Mention the members the note's text names (not its author): new ones are added,
    those the text no longer names removed; those kept keep whether they were opened."""
    wanted = {p.pk for p in mentioned(note.text, note_members(mailbox=mailbox))} - {author.pk}
    present = set(note.mentions.values_list("person_id", flat=True))
    note.mentions.exclude(person_id__in=wanted).delete()
    NoteMention.objects.bulk_create(
        NoteMention(
            note=note,
            person_id=person_id,
            account_id=note.account_id,
            extension_id=note.extension_id,
            thread_kind=note.thread_kind,
            thread_id=note.thread_id,
        )
        for person_id in sorted(wanted - present)
    )


@transaction.atomic
def note_add(
    *, user: User, mailbox: Mailbox, key: ThreadKey, text: str, ip_address: str | None = None
) -> ConversationNote:
    """A note by `user` in the thread `key` of the mailbox, mentioning the members it names."""
    kind, thread_id = key
    if kind not in THREAD_KINDS or not 1 <= thread_id <= INT64_MAX:
        raise NoteRefused("There is no such conversation.")
    note = ConversationNote.objects.create(
        account_id=mailbox.account_id,
        extension_id=mailbox.extension_id,
        thread_kind=kind,
        thread_id=thread_id,
        author=user,
        author_label=person_label(user),
        text=note_text_check(text),
    )
    _mentions_set(note, mailbox, author=user)
    _audit(
        by=user,
        mailbox=mailbox,
        note=note,
        action=AuditEntry.Action.NOTE_ADD,
        detail=f"Note {note.pk}: {_quoted(note.text)}",
        ip=ip_address,
    )
    _changed(mailbox)
    return note


def _own(note: ConversationNote, user: User, doing: str) -> ConversationNote:
    locked = ConversationNote.objects.select_for_update().get(pk=note.pk)
    if locked.author_id is None or locked.author_id != user.pk:
        raise NoteRefused(
            f"Only {locked.author_label or 'its author'} can {doing} this note.", forbidden=True
        )
    return locked


@transaction.atomic
def note_edit(
    *,
    user: User,
    mailbox: Mailbox,
    note: ConversationNote,
    text: str,
    ip_address: str | None = None,
) -> bool:
    """Change the text of `user`'s own note (of the mailbox); whether it changed."""
    current = _own(note, user, "edit")
    cleaned = note_text_check(text)
    if cleaned == current.text:
        return False
    before = current.text
    current.text = cleaned
    current.edited_at = timezone.now()
    current.save(update_fields=["text", "edited_at"])
    _mentions_set(current, mailbox, author=user)
    _audit(
        by=user,
        mailbox=mailbox,
        note=current,
        action=AuditEntry.Action.NOTE_EDIT,
        detail=f"Note {current.pk}: {_quoted(before)} became {_quoted(cleaned)}",
        ip=ip_address,
    )
    _changed(mailbox)
    return True


@transaction.atomic
def note_delete(
    *, user: User, mailbox: Mailbox, note: ConversationNote, ip_address: str | None = None
) -> None:
    """Delete `user`'s own note (of the mailbox) and the mentions it made."""
    current = _own(note, user, "delete")
    _audit(
        by=user,
        mailbox=mailbox,
        note=current,
        action=AuditEntry.Action.NOTE_DELETE,
        detail=f"Note {current.pk}: {_quoted(current.text)}",
        ip=ip_address,
    )
    current.delete()
    _changed(mailbox)


def mentions_open(*, user: User, mailbox: Mailbox, key: ThreadKey) -> int:
    """`user` opened the thread: their mentions in it leave the Mentions view. How many."""
    kind, thread_id = key
    opened = NoteMention.objects.filter(
        person=user,
        account_id=mailbox.account_id,
        extension_id=mailbox.extension_id,
        thread_kind=kind,
        thread_id=thread_id,
        opened_at__isnull=True,
    ).update(opened_at=timezone.now())
    if opened:
        # the person's sidebar (keyed by the mailbox's counter) counts one thread fewer
        _changed(mailbox)
    return opened
