"""Ownership's pages: the views (Mine, Unassigned, All open, Snoozed, Done) of one mailbox
and across the mailboxes a person works, the change a thread's panel or a view's bulk bar
posts, and what the conversations' pages show of it (registered in `InboxConfig.ready`: the
thread's panel and events, the list's navigation to the views).

Every mailbox is reached through `mailbox_get_for_user` (a 404 for anyone without access).
Changes redirect back where the person was (`next`, a path of this site only) with a sentence
saying what happened. Nothing here calls RingCentral.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from inbox.conversations.presenters import MessageView
from inbox.conversations.queries import page_number
from inbox.conversations.selectors import Mailbox, Thread, mailbox_get_for_user
from inbox.ownership import selectors, services
from inbox.ownership.forms import ThreadsChangeForm, ViewFilterForm, thread_values_parse
from inbox.ownership.presenters import (
    SNOOZE_CHOICES,
    ThreadKey,
    events_placed,
    person_label,
    snooze_preset_until,
    status_label,
)
from inbox.web import same_site, signed_in_user

# --------------------------------------------------------------------------- addresses


def view_url(view: str, mailbox: Mailbox | None = None) -> str:
    """A view of one mailbox, or (None) across the mailboxes one works."""
    if mailbox is None:
        return reverse("inbox:ownership_view_all", args=[view])
    return reverse("inbox:ownership_view", args=[mailbox.extension_id, view])


def thread_page_url(mailbox: Mailbox, key: ThreadKey) -> str:
    kind, thread_id = key
    name = "inbox:thread" if kind == "conversation" else "inbox:message"
    return reverse(name, args=[mailbox.extension_id, thread_id])


def thread_value(mailbox: Mailbox, key: ThreadKey) -> str:
    """How a form names a thread: "<extension>:<kind>:<id>" (`forms.thread_values_parse`)."""
    return f"{mailbox.extension_id}:{key[0]}:{key[1]}"


def _counts_nav(user: User, scope: selectors.Scope, current: str = "") -> list[dict[str, Any]]:
    mailbox = scope.mailboxes[0] if scope.single else None
    return [
        {
            "name": count.name,
            "label": count.label,
            "count": count.count,
            "url": view_url(count.name, mailbox),
            "current": count.name == current,
        }
        for count in selectors.view_counts(user=user, scope=scope)
    ]


def _counts_api_url(scope: selectors.Scope) -> str:
    if scope.single:
        return reverse("api:ownership_mailbox_views", args=[scope.mailboxes[0].extension_id])
    return reverse("api:ownership_views")


def _snooze_choices() -> list[dict[str, str]]:
    """The snooze presets, each with when it would end from now: "1 hour (until 17:45)",
    "Tomorrow 9:00 (Tue 6 Jan)"."""
    choices = []
    for value, label in SNOOZE_CHOICES:
        ends = timezone.localtime(snooze_preset_until(value))
        when = (
            f"until {ends.hour}:{ends.minute:02d}"
            if value == "hour"
            else f"{ends:%a} {ends.day} {ends:%b}"
        )
        choices.append({"value": value, "label": f"{label} ({when})"})
    return choices


# --------------------------------------------------------------------------- what the
# conversations' pages show (registered in `InboxConfig.ready`)


def thread_ownership_context(*, user: User, thread: Thread) -> dict[str, Any]:
    """The thread page's panel (assignee, status and their controls) and the events to show
    among its messages (`ownership_events`, see `presenters.events_placed`)."""
    mailbox = thread.mailbox
    key = thread.key
    state = selectors.thread_state(mailbox=mailbox, key=key)
    status = state.status if state else selectors.OPEN
    assignee = state.assignee if state else None
    candidates = selectors.assignee_candidates(mailbox=mailbox)
    events = selectors.thread_events(mailbox=mailbox, key=key)
    return {
        "ownership": {
            "action": reverse("inbox:ownership_change"),
            "thread": thread_value(mailbox, key),
            "status": status,
            "status_label": status_label(status, state.snoozed_until if state else None),
            "assignee": person_label(assignee),
            "assignee_id": assignee.pk if assignee else None,
            "candidates": [{"id": p.pk, "label": person_label(p)} for p in candidates],
            "can_take": any(p.pk == user.pk for p in candidates)
            and (assignee is None or assignee.pk != user.pk),
            "snooze_choices": _snooze_choices(),
        },
        "ownership_events": events_placed(
            events, thread.messages, has_older=thread.has_older, newest_page=thread.page == 1
        ),
    }


def list_ownership_context(
    *, user: User, mailbox: Mailbox, rows: Iterable[MessageView] = ()
) -> dict[str, Any]:
    """The conversation list's navigation to the mailbox's views, with their counts, and
    who owns each row's thread and its status."""
    scope = selectors.scope_of_mailbox(mailbox=mailbox)
    return {
        "row_states": selectors.row_states(mailbox=mailbox, keys=[row.thread_key for row in rows]),
        "ownership_nav": {
            "views": _counts_nav(user, scope),
            "syncing": bool(scope.syncing),
            "all_url": view_url("mine"),
            "counts_url": _counts_api_url(scope),
        },
    }


# --------------------------------------------------------------------------- the views


def _view_page(
    request: HttpRequest, view: str, scope: selectors.Scope, mailbox: Mailbox | None
) -> HttpResponse:
    user = signed_in_user(request)
    view = selectors.view_check(view)
    form = ViewFilterForm(request.GET)
    filters = form.filters()
    page = page_number(request.GET.get("page"))
    found = selectors.view_page(user=user, scope=scope, view=view, filters=filters, page=page)
    kept = {k: v for k, v in vars(filters).items() if v}
    here = request.get_full_path()
    candidates: dict[int, str] = {}
    for box in scope.listed:
        for person in selectors.assignee_candidates(mailbox=box):
            candidates.setdefault(person.pk, person_label(person))
    rows = [
        {
            "row": row,
            "url": thread_page_url(row.mailbox, row.key),
            "value": thread_value(row.mailbox, row.key),
            "status_label": status_label(row.status, row.snoozed_until),
        }
        for row in found.rows
    ]
    return render(
        request,
        "inbox/ownership/view.html",
        {
            "mailbox": mailbox,
            "scope": scope,
            "found": found,
            "rows": rows,
            "views": _counts_nav(user, scope, view),
            "counts_url": _counts_api_url(scope),
            "form": form,
            "filtered": bool(kept),
            "here": here,
            "candidates": sorted(candidates.items(), key=lambda item: item[1].lower()),
            "me": user.pk if user.pk in candidates else None,
            "snooze_choices": _snooze_choices(),
            "change_url": reverse("inbox:ownership_change"),
            "all_url": view_url(view),
            "mailbox_urls": [(box, view_url(view, box)) for box in scope.mailboxes]
            if not scope.single
            else [],
            "previous_page": urlencode({**kept, "page": page - 1}) if page > 1 else None,
            "next_page": urlencode({**kept, "page": page + 1}) if found.has_next else None,
        },
    )


@require_GET
@login_required
@never_cache
def view_all(request: HttpRequest, view: str) -> HttpResponse:
    """A view across the mailboxes the person works: their own and their team mailboxes."""
    scope = selectors.scope_for_user(user=signed_in_user(request))
    return _view_page(request, view, scope, None)


@require_GET
@login_required
@never_cache
def view_mailbox(request: HttpRequest, extension_id: int, view: str) -> HttpResponse:
    """A view of one mailbox."""
    mailbox = mailbox_get_for_user(user=signed_in_user(request), extension_id=extension_id)
    return _view_page(request, view, selectors.scope_of_mailbox(mailbox=mailbox), mailbox)


# --------------------------------------------------------------------------- changes


@require_POST
@login_required
def threads_change(request: HttpRequest) -> HttpResponse:
    """Assign, close, reopen, snooze or wake the threads named by `thread` ("<extension>:
    <kind>:<id>", of one mailbox or several): all or none. A mailbox the person may not open,
    or a value that names no thread, is a 404 and nothing changes."""
    user = signed_in_user(request)
    named = thread_values_parse(request.POST.getlist("thread"))
    if named is None:
        raise Http404("No such conversation.")
    keys: dict[int, list[ThreadKey]] = defaultdict(list)
    for extension_id, key in named:
        keys[extension_id].append(key)
    groups = [
        (mailbox_get_for_user(user=user, extension_id=extension_id), threads)
        for extension_id, threads in keys.items()
    ]
    one = len(named) == 1
    default = thread_page_url(groups[0][0], named[0][1]) if one else view_url("mine")
    back = same_site(request, request.POST.get("next", "")) or default
    if not named:
        messages.error(request, "Select at least one conversation first.")
        return redirect(back)
    form = ThreadsChangeForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.first_error())
        return redirect(back)
    try:
        result = services.threads_change(user=user, groups=groups, change=form.change())
    except services.OwnershipRefused as refused:
        messages.error(request, refused.message)
        return redirect(back)
    level = messages.SUCCESS if result.changed else messages.INFO
    messages.add_message(request, level, result.message)
    return redirect(back)
