"""Notes' pages: adding, editing and deleting a note in a thread, the Mentions view, and what
a thread page shows of notes (registered in `InboxConfig.ready`: the notes among the
messages, the note form, and the person's mentions in the thread marked opened).

Every mailbox is reached through `mailbox_get_for_user` (a 404 for anyone without access), and
every note through `note_get_for_user` within it; someone else's note is a 403. Changes
redirect back where the person was (`next`, a path of this site only) with a sentence saying
what happened. Nothing here calls RingCentral.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from inbox.conversations.selectors import Mailbox, Thread, mailbox_get_for_user
from inbox.notes import selectors, services
from inbox.notes.presenters import THREAD_KINDS, ThreadKey, mention_handle, notes_placed
from inbox.web import client_ip, same_site, signed_in_user


def thread_page_url(mailbox: Mailbox, key: ThreadKey) -> str:
    kind, thread_id = key
    name = "inbox:thread" if kind == "conversation" else "inbox:message"
    return reverse(name, args=[mailbox.extension_id, thread_id])


# --------------------------------------------------------------------------- what the
# thread page shows (registered in `InboxConfig.ready`)


def thread_notes_context(*, user: User, thread: Thread) -> dict[str, Any]:
    """The thread's notes placed among its messages (`notes_placed`), the note form with
    the teammates one may mention; and, the person having opened the thread, their
    mentions in it leave the Mentions view."""
    mailbox = thread.mailbox
    key = thread.key
    members = selectors.note_members(mailbox=mailbox)
    opened = services.mentions_open(user=user, mailbox=mailbox, key=key)
    return {
        "notes": notes_placed(
            selectors.thread_notes(mailbox=mailbox, key=key),
            thread.messages,
            viewer=user,
            members=members,
            has_older=thread.has_older,
            newest_page=thread.page == 1,
        ),
        "note_form": {
            "action": reverse("inbox:notes_add", args=[mailbox.extension_id, key[0], key[1]]),
            "handles": [f"@{mention_handle(p, members)}" for p in members if p.pk != user.pk],
            "text_max": services.TEXT_MAX,
        },
        "mentions_opened": opened,
    }


# --------------------------------------------------------------------------- changes


def _back(request: HttpRequest, default: str) -> str:
    return same_site(request, request.POST.get("next", "")) or default


@require_POST
@login_required
def note_add(request: HttpRequest, extension_id: int, kind: str, thread_id: int) -> HttpResponse:
    """Add a note to the thread; back to it, saying what happened."""
    user = signed_in_user(request)
    mailbox = mailbox_get_for_user(user=user, extension_id=extension_id)
    if kind not in THREAD_KINDS:
        raise Http404("No such conversation.")
    key = (kind, thread_id)
    back = _back(request, thread_page_url(mailbox, key))
    try:
        note = services.note_add(
            user=user,
            mailbox=mailbox,
            key=key,
            text=request.POST.get("text", ""),
            ip_address=client_ip(request),
        )
    except services.NoteRefused as refused:
        messages.error(request, refused.message)
        return redirect(back)
    told = note.mentions.count()
    messages.success(
        request,
        f"Note added; {told} teammate{'s' if told != 1 else ''} told."
        if told
        else "Note added. Only your team sees it.",
    )
    return redirect(back)


def _note_of(request: HttpRequest, extension_id: int, note_id: int) -> tuple[User, Mailbox, Any]:
    user = signed_in_user(request)
    mailbox = mailbox_get_for_user(user=user, extension_id=extension_id)
    return user, mailbox, selectors.note_get_for_user(mailbox=mailbox, note_id=note_id)


@require_POST
@login_required
def note_edit(request: HttpRequest, extension_id: int, note_id: int) -> HttpResponse:
    """Change one's own note's text; someone else's note is a 403."""
    user, mailbox, note = _note_of(request, extension_id, note_id)
    back = _back(request, thread_page_url(mailbox, (note.thread_kind, note.thread_id)))
    try:
        changed = services.note_edit(
            user=user,
            mailbox=mailbox,
            note=note,
            text=request.POST.get("text", ""),
            ip_address=client_ip(request),
        )
    except services.NoteRefused as refused:
        if refused.forbidden:
            raise PermissionDenied(refused.message) from refused
        messages.error(request, refused.message)
        return redirect(back)
    messages.success(request, "Note changed." if changed else "The note already says that.")
    return redirect(back)


@require_POST
@login_required
def note_delete(request: HttpRequest, extension_id: int, note_id: int) -> HttpResponse:
    """Delete one's own note; someone else's note is a 403."""
    user, mailbox, note = _note_of(request, extension_id, note_id)
    back = _back(request, thread_page_url(mailbox, (note.thread_kind, note.thread_id)))
    try:
        services.note_delete(user=user, mailbox=mailbox, note=note, ip_address=client_ip(request))
    except services.NoteRefused as refused:
        raise PermissionDenied(refused.message) from refused
    messages.success(request, "Note deleted.")
    return redirect(back)


# --------------------------------------------------------------------------- Mentions


@require_GET
@login_required
@never_cache
def mentions(request: HttpRequest) -> HttpResponse:
    """The threads where a teammate mentioned the person and they have not opened them since,
    across the mailboxes they work."""
    user = signed_in_user(request)
    mailboxes = selectors.mailboxes_worked(user=user)
    if not mailboxes:
        raise Http404("No mentions without a RingCentral connection.")
    here = request.get_full_path()
    rows = [
        {
            "row": row,
            "url": thread_page_url(row.mailbox, row.key),
            "id": f"{row.mailbox.extension_id}-{row.thread_kind}-{row.thread_id}",
        }
        for row in selectors.mention_rows(user=user, mailboxes=mailboxes)
    ]
    return render(
        request,
        "inbox/notes/mentions.html",
        {"rows": rows, "here": here, "several": len(mailboxes) > 1},
    )
