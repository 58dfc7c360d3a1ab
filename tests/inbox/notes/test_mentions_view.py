"""Mentions: a member `@mentioned` in a note has the conversation in their Mentions view, and
the sidebar counts it, until they open it; only members are mentioned; an edit that drops a
mention drops it from their view."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from inbox.models import ConversationNote, NoteMention
from tests.inbox.notes.support import add_url, delete_url, edit_url, thread_url
from tests.inbox.support import found
from tests.inbox.team.conftest import person
from tests.support.emulator import RunningEmulator

MENTIONS = reverse("inbox:notes_mentions")
SIDEBAR = reverse("inbox:sidebar")


def mentions_count(client: Client) -> int:
    nav = client.get(SIDEBAR).content.decode()
    return int(found(r'data-mentions="(\d+)"', nav))


def test_a_mention_waits_in_mentions_until_the_person_opens_the_conversation(
    rc: RunningEmulator,
    alice_client: Client,
    bob_client: Client,
    team_thread: tuple[int, int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    assert mentions_count(bob_client) == 0  # the sidebar is now cached for Sam

    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(add_url(team_thread), {"text": "@Sam can you call them back?"})

    sam = person(rc, "agent")
    (mention,) = NoteMention.objects.filter(person=sam)
    assert mention.opened_at is None and mention.thread_id == team_thread[1]
    nav = bob_client.get(SIDEBAR).content.decode()
    assert 'data-mentions="1"' in nav
    assert 'data-mention-author="Alex Morgan"' in nav
    assert f'data-mention-latest="{mention.pk}"' in nav
    item = found(
        r'(<li class="nav-item">\s*<a class="nav-link" href="/inbox/mentions/".*?</li>)', nav
    )
    assert '<span class="nav-label">Mentions</span>' in item
    assert '1<span class="visually-hidden"> conversation with a mention of you</span>' in item
    page = bob_client.get(MENTIONS).content.decode()
    row = found(r'(<li class="conversation is-unread" data-row.*?</li>)', page)
    assert "Alex Morgan mentioned you" in row
    assert "@Sam can you call them back?" in row
    assert thread_url(team_thread) in row

    with django_capture_on_commit_callbacks(execute=True):
        opened = bob_client.get(thread_url(team_thread)).content.decode()

    assert 'data-mentions-opened="1"' in opened
    mention.refresh_from_db()
    assert mention.opened_at is not None
    assert mentions_count(bob_client) == 0
    assert "No mentions waiting" in bob_client.get(MENTIONS).content.decode()


def test_the_mention_is_shown_in_the_note(
    alice_client: Client, bob_client: Client, team_thread: tuple[int, int]
) -> None:
    alice_client.post(add_url(team_thread), {"text": "@sam and @Riley, look"})

    page = bob_client.get(thread_url(team_thread)).content.decode()
    note = found(r'(<p class="note-text">.*?</p>)', page)
    assert '<strong class="mention" title="Mentions Sam Rivera">@sam</strong>' in note
    assert "and @Riley, look" in note  # Riley is no member of Support Line: plain text


def test_only_members_of_the_mailbox_are_mentioned(
    rc: RunningEmulator, alice_client: Client, charlie_client: Client, team_thread: tuple[int, int]
) -> None:
    alice_client.post(add_url(team_thread), {"text": "@Riley @Alex @Sam, and @Nobody"})

    mentioned = set(NoteMention.objects.values_list("person__first_name", flat=True))
    assert mentioned == {"Sam"}  # Riley is no member; Alex wrote it
    assert mentions_count(charlie_client) == 0


def test_the_note_form_says_how_to_mention_and_whom(
    bob_client: Client, team_thread: tuple[int, int]
) -> None:
    page = bob_client.get(thread_url(team_thread)).content.decode()

    form = found(r'(<section class="note-composer".*?</section>)', page)
    assert "Add an internal note" in form
    assert '<label for="note-text">Internal note</label>' in form
    assert "@ and a name to mention a teammate" in form
    assert "(@Alex)" in form  # the admin; Sam himself is not offered, Riley is no member
    assert form.count("csrfmiddlewaretoken") == 1


def test_an_edit_adds_and_drops_mentions_and_a_deleted_note_takes_them_along(
    rc: RunningEmulator,
    alice_client: Client,
    bob_client: Client,
    team_thread: tuple[int, int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    bob_client.post(add_url(team_thread), {"text": "No one yet"})
    note = ConversationNote.objects.get(thread_id=team_thread[1])
    alex = person(rc, "admin")
    assert mentions_count(alice_client) == 0

    with django_capture_on_commit_callbacks(execute=True):
        bob_client.post(edit_url(team_thread[0], note.pk), {"text": "@alex.morgan please check"})
    assert list(NoteMention.objects.filter(note=note).values_list("person", flat=True)) == [alex.pk]
    assert mentions_count(alice_client) == 1

    with django_capture_on_commit_callbacks(execute=True):
        bob_client.post(edit_url(team_thread[0], note.pk), {"text": "Never mind"})
    assert not NoteMention.objects.filter(note=note).exists()
    assert mentions_count(alice_client) == 0

    with django_capture_on_commit_callbacks(execute=True):
        bob_client.post(edit_url(team_thread[0], note.pk), {"text": "@Alex after all"})
    assert mentions_count(alice_client) == 1
    with django_capture_on_commit_callbacks(execute=True):
        bob_client.post(delete_url(team_thread[0], note.pk))
    assert not NoteMention.objects.exists()
    assert mentions_count(alice_client) == 0


def test_mentions_need_a_ringcentral_connection(dave_client: Client) -> None:
    assert dave_client.get(MENTIONS).status_code == 404


def test_an_admin_mentioned_by_a_member_is_told_in_the_sidebar(
    rc: RunningEmulator,
    alice_client: Client,
    bob_client: Client,
    team_thread: tuple[int, int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    assert mentions_count(alice_client) == 0  # the sidebar is now cached for Alex

    with django_capture_on_commit_callbacks(execute=True):
        bob_client.post(add_url(team_thread), {"text": "@Alex can you approve the refund?"})

    assert mentions_count(alice_client) == 1
    assert "Sam Rivera mentioned you" in alice_client.get(MENTIONS).content.decode()
