"""Notes in a thread: added by any member, shown among the messages in time order and unlike
them, escaped; edited and deleted by their author only (someone else's note is a 403, a
stranger's and another mailbox's a 404); audited; never a RingCentral call, a read mark or a
status change."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from django.test import Client
from django.utils import timezone

from inbox.live.selectors import live_counter_get
from inbox.models import (
    AuditEntry,
    ConversationEvent,
    ConversationNote,
    ConversationState,
    NoteMention,
    TeamMailbox,
)
from tests.emulator.factories import conversation_of, make_sms, message_row, unique_number
from tests.inbox.notes.support import add_url, delete_url, edit_url, thread_url
from tests.inbox.support import found, rc_calls
from tests.inbox.team.conftest import person
from tests.support.emulator import RunningEmulator


def note_in(ids: tuple[int, int]) -> ConversationNote:
    return ConversationNote.objects.get(extension_id=ids[0], thread_id=ids[1])


def test_a_member_adds_a_note_and_is_sent_back_to_the_thread(
    bob_client: Client, team_thread: tuple[int, int]
) -> None:
    answer = bob_client.post(add_url(team_thread), {"text": "  Customer called, see ticket 12  "})

    assert answer.status_code == 302
    assert answer["Location"] == thread_url(team_thread)
    note = note_in(team_thread)
    assert note.text == "Customer called, see ticket 12"
    assert note.author_label == "Sam Rivera"
    assert note.thread_kind == "conversation"
    page = bob_client.get(answer["Location"]).content.decode()
    assert "Note added. Only your team sees it." in page
    shown = found(rf'(<li class="thread-note" id="note-{note.pk}".*?</li>)', page)
    assert "Internal note by Sam Rivera" in shown
    assert "Customer called, see ticket 12" in shown
    assert "bubble" not in shown  # it looks like no message


def test_writing_a_note_calls_no_ringcentral_and_changes_no_read_state_or_status(
    rc: RunningEmulator, bob_client: Client, support_line: TeamMailbox
) -> None:
    message = make_sms(rc.db_path, support_line.extension_id, text="Unread still")
    ids = (support_line.extension_id, conversation_of(rc.db_path, message))
    since = time.time()

    added = bob_client.post(add_url(ids), {"text": "Leave it unread for Alex"})
    note = note_in(ids)
    edited = bob_client.post(edit_url(ids[0], note.pk), {"text": "Leave it for Alex"})
    deleted = bob_client.post(delete_url(ids[0], note.pk))

    assert [added.status_code, edited.status_code, deleted.status_code] == [302, 302, 302]
    assert rc_calls(rc, since) == 0
    assert message_row(rc.db_path, message)["read_status"] == "Unread"
    assert not ConversationState.objects.filter(thread_id=ids[1]).exists()
    assert not ConversationEvent.objects.filter(thread_id=ids[1]).exists()


def test_a_note_is_told_to_the_mailboxs_open_pages(
    bob_client: Client, team_thread: tuple[int, int], django_capture_on_commit_callbacks: Any
) -> None:
    sam_account = TeamMailbox.objects.get(extension_id=team_thread[0]).account_id
    before = live_counter_get(account_id=sam_account, extension_id=team_thread[0])

    with django_capture_on_commit_callbacks(execute=True):
        bob_client.post(add_url(team_thread), {"text": "Heads up"})

    assert live_counter_get(account_id=sam_account, extension_id=team_thread[0]) > before


def test_note_text_is_shown_as_text(bob_client: Client, team_thread: tuple[int, int]) -> None:
    bob_client.post(add_url(team_thread), {"text": '<script>alert("x")</script> & <b>bold</b>'})

    page = bob_client.get(thread_url(team_thread)).content.decode()
    shown = found(r'(<li class="thread-note".*?</li>)', page)
    assert (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in shown
    )
    assert "<script>alert" not in page and "<b>bold</b>" not in page


def test_notes_sit_among_the_messages_in_time_order(
    rc: RunningEmulator, bob_client: Client, support_line: TeamMailbox
) -> None:
    customer = unique_number()
    first = make_sms(
        rc.db_path,
        support_line.extension_id,
        other_number=customer,
        text="First message",
        created_ts=time.time() - 3600,
    )
    make_sms(
        rc.db_path,
        support_line.extension_id,
        other_number=customer,
        text="Second message",
        created_ts=time.time() - 60,
    )
    ids = (support_line.extension_id, conversation_of(rc.db_path, first))
    bob_client.post(add_url(ids), {"text": "Between the two"})
    bob_client.post(add_url(ids), {"text": "After both"})
    between = ConversationNote.objects.get(text="Between the two")
    ConversationNote.objects.filter(pk=between.pk).update(
        created_at=timezone.now() - timedelta(minutes=30)
    )

    page = bob_client.get(thread_url(ids)).content.decode()

    thread = found(r'(<ol class="thread".*?</ol>)', page)
    order = [thread.index(t) for t in ("First message", "Between the two", "Second message")]
    assert order == sorted(order)
    assert thread.index("Second message") < thread.index("After both")


def test_a_note_needs_text_and_fits_a_limit(
    bob_client: Client, team_thread: tuple[int, int]
) -> None:
    empty = bob_client.post(add_url(team_thread), {"text": "   "}, follow=True)
    long = bob_client.post(add_url(team_thread), {"text": "x" * 5001}, follow=True)

    assert "Write something in the note first." in empty.content.decode()
    assert "A note holds at most 5,000 characters; this one has 5,001." in long.content.decode()
    assert not ConversationNote.objects.filter(thread_id=team_thread[1]).exists()


def test_only_its_author_edits_or_deletes_a_note(
    alice_client: Client, bob_client: Client, team_thread: tuple[int, int]
) -> None:
    bob_client.post(add_url(team_thread), {"text": "Sam wrote this"})
    note = note_in(team_thread)

    page = alice_client.get(thread_url(team_thread)).content.decode()
    shown = found(r'(<li class="thread-note".*?</li>)', page)
    assert "Sam wrote this" in shown and "Edit or delete" not in shown
    assert (
        alice_client.post(edit_url(team_thread[0], note.pk), {"text": "Mine now"}).status_code
        == 403
    )
    assert alice_client.post(delete_url(team_thread[0], note.pk)).status_code == 403
    note.refresh_from_db()
    assert note.text == "Sam wrote this"

    own = bob_client.get(thread_url(team_thread)).content.decode()
    assert "Edit or delete" in found(r'(<li class="thread-note".*?</li>)', own)
    bob_client.post(edit_url(team_thread[0], note.pk), {"text": "Sam changed this"})
    note.refresh_from_db()
    assert note.text == "Sam changed this" and note.edited_at is not None
    assert "(edited)" in bob_client.get(thread_url(team_thread)).content.decode()
    bob_client.post(delete_url(team_thread[0], note.pk))
    assert not ConversationNote.objects.filter(pk=note.pk).exists()


def test_strangers_and_other_mailboxes_get_404(
    rc: RunningEmulator,
    bob_client: Client,
    charlie_client: Client,
    dave_client: Client,
    team_thread: tuple[int, int],
) -> None:
    bob_client.post(add_url(team_thread), {"text": "Members only"})
    note = note_in(team_thread)
    sam = person(rc, "agent")
    assert sam.rc_extension_id is not None

    for stranger in (charlie_client, dave_client):  # not a member; no RingCentral at all
        assert stranger.post(add_url(team_thread), {"text": "Hi"}).status_code == 404
        assert stranger.post(edit_url(team_thread[0], note.pk), {"text": "Hi"}).status_code == 404
        assert stranger.post(delete_url(team_thread[0], note.pk)).status_code == 404
    # the note through a mailbox its author may open, but not the note's
    assert bob_client.post(edit_url(sam.rc_extension_id, note.pk), {"text": "x"}).status_code == 404
    assert bob_client.post(delete_url(sam.rc_extension_id, note.pk)).status_code == 404
    assert bob_client.post(add_url((team_thread[0], 0)), {"text": "x"}).status_code == 404
    bad_kind = f"/inbox/{team_thread[0]}/threads/fax/{team_thread[1]}/notes/"
    assert bob_client.post(bad_kind, {"text": "x"}).status_code == 404
    assert bob_client.get(add_url(team_thread)).status_code == 405
    assert ConversationNote.objects.filter(thread_id=team_thread[1]).count() == 1
    note.refresh_from_db()
    assert note.text == "Members only"


def test_every_change_is_in_the_audit_log(bob_client: Client, team_thread: tuple[int, int]) -> None:
    bob_client.post(add_url(team_thread), {"text": "First words"})
    note = note_in(team_thread)
    bob_client.post(edit_url(team_thread[0], note.pk), {"text": "Second words"})
    bob_client.post(delete_url(team_thread[0], note.pk))

    entries = list(
        AuditEntry.objects.filter(extension_id=team_thread[0], action__startswith="note_").order_by(
            "created_at", "pk"
        )
    )
    assert [e.action for e in entries] == ["note_add", "note_edit", "note_delete"]
    assert all(e.actor_label.startswith("Sam Rivera") for e in entries)
    assert all(e.conversation_id == team_thread[1] for e in entries)
    assert entries[0].detail == f"Note {note.pk}: “First words”"
    assert entries[1].detail == f"Note {note.pk}: “First words” became “Second words”"
    assert entries[2].detail == f"Note {note.pk}: “Second words”"
    assert all(e.ip_address == "127.0.0.1" for e in entries)


def test_a_note_on_a_fax_or_voicemail_is_kept_with_the_message(
    rc: RunningEmulator, bob_client: Client, support_line: TeamMailbox
) -> None:
    url = f"/inbox/{support_line.extension_id}/threads/message/8000000000001/notes/"

    answer = bob_client.post(url, {"text": "Fax looks blurry"})

    assert answer["Location"] == f"/inbox/{support_line.extension_id}/messages/8000000000001/"
    note = ConversationNote.objects.get(text="Fax looks blurry")
    assert (note.thread_kind, note.thread_id) == ("message", 8000000000001)
    assert not NoteMention.objects.filter(note=note).exists()
