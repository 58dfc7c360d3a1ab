"""The conversations' pages. Each view parses the request, finds the mailbox with
`mailbox_get_for_user` (a 404 for anyone without access), calls one selector or service, and
renders. RingCentral failures are pages with a sentence (`ringcentral_errors`); an ended
RingCentral session is the accounts app's reconnect page (its middleware).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.errors import ReconnectRequired
from accounts.models import User
from accounts.services import NOT_CONNECTED
from inbox.contacts.selectors import contact_cards
from inbox.conversations import selectors, services
from inbox.conversations.presenters import MessageView
from inbox.conversations.proxy import BadRange, attachment_open, attachment_response, parse_range
from inbox.conversations.queries import ConversationFilterForm, ConversationQuery, page_number
from inbox.web import (
    back_to_list,
    client_ip,
    ringcentral_errors,
    same_site,
    signed_in_user,
    wants_json,
)


@require_GET
@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """The signed-in user's own mailbox."""
    user = signed_in_user(request)
    if user.rc_extension_id is None:
        raise ReconnectRequired(NOT_CONNECTED)
    return redirect("inbox:conversations", extension_id=user.rc_extension_id)


@require_GET
@login_required
@never_cache
@ringcentral_errors
def conversation_list(request: HttpRequest, extension_id: int) -> HttpResponse:
    user = signed_in_user(request)
    mailbox = selectors.mailbox_get_for_user(user=user, extension_id=extension_id)
    here = request.get_full_path()
    context = _list_context(request, user, mailbox, request.GET, here)
    context["here"] = here
    if getattr(request, "htmx", False) and request.htmx.target == LIST_PANE:  # type: ignore[attr-defined]
        # beside a thread opened by a link: the list pane alone
        return render(request, "inbox/conversations/_list_pane.html", context)
    return render(request, "inbox/conversations/list.html", context)


MORE_FILTERS = ("type", "direction", "read", "start", "end")


def _list_context(
    request: HttpRequest,
    user: User,
    mailbox: selectors.Mailbox,
    params: QueryDict,
    here: str,
) -> dict[str, Any]:
    """The conversation list pane: on its own page, and beside an open thread (`params`: the
    list's filters; `here`: the list's own address)."""
    query, errors = ConversationQuery.from_params(params)
    listing = selectors.conversation_list_for_user(user=user, mailbox=mailbox, query=query)
    form = ConversationFilterForm(params if errors else query.as_params())
    if errors:
        form.is_valid()
    list_path = reverse("inbox:conversations", args=[mailbox.extension_id])
    return {
        "listing": listing,
        "mailbox": mailbox,
        "form": form,
        "filtered": bool(errors)
        or query.as_params(page=1) != ConversationQuery().as_params(page=1),
        "list_path": list_path,
        "query_string": urlencode(query.as_params(page=1)),
        "next_page": urlencode(query.as_params(page=query.page + 1)),
        "previous_page": urlencode(query.as_params(page=query.page - 1))
        if query.page > 1
        else None,
        "further_back": urlencode(query.further_back().as_params()),
        "window_start": query.effective_start(),
        "list_here": here,
        # admins select conversations for bulk deletion (inbox.bulk.views)
        "can_bulk": user.role == User.Role.ADMIN,
        # "all matching" selects what the filters say: not while one of them is not valid
        "can_bulk_all": not errors,
        "bulk_filters": query.as_params(page=1),
        # what features above this one add (ownership: its views with their counts)
        **list_extras(user=user, mailbox=mailbox, rows=listing.page.rows),
    }


@require_GET
@login_required
def mailbox_switch(request: HttpRequest) -> HttpResponse:
    """The mailbox switcher's form (without JavaScript): on to the chosen mailbox's list."""
    try:
        extension_id = int(request.GET.get("mailbox", ""))
    except ValueError:
        return redirect("inbox:inbox")
    mailbox = selectors.mailbox_get_for_user(
        user=signed_in_user(request), extension_id=extension_id
    )
    return redirect("inbox:conversations", extension_id=mailbox.extension_id)


@require_GET
@login_required
@never_cache
@ringcentral_errors
def thread(request: HttpRequest, extension_id: int, conversation_id: int) -> HttpResponse:
    user = signed_in_user(request)
    mailbox = selectors.mailbox_get_for_user(user=user, extension_id=extension_id)
    page = page_number(request.GET.get("page"))
    found = selectors.thread_page_for_user(
        user=user, mailbox=mailbox, conversation_id=conversation_id, page=page
    )
    return _thread_opened(request, found)


# Features above the conversations add to a thread's page (sending: the person's own sends in
# the thread and the reply composer) by registering a context function here, from
# `InboxConfig.ready`: the thread page does not import them.
ThreadContext = Callable[..., dict[str, Any]]
_thread_contexts: list[ThreadContext] = []


def thread_context_register(context: ThreadContext) -> None:
    """Add `context(user=, thread=)`'s template variables to every thread page."""
    if context not in _thread_contexts:
        _thread_contexts.append(context)


def thread_extras(*, user: User, thread: selectors.Thread) -> dict[str, Any]:
    extras: dict[str, Any] = {}
    for context in _thread_contexts:
        extras.update(context(user=user, thread=thread))
    return extras


# The same for the conversation list (ownership: the navigation to its views).
ListContext = Callable[..., dict[str, Any]]
_list_contexts: list[ListContext] = []


def list_context_register(context: ListContext) -> None:
    """Add `context(user=, mailbox=, rows=)`'s template variables to every conversation list
    page (`rows`: the list page's rows)."""
    if context not in _list_contexts:
        _list_contexts.append(context)


def list_extras(
    *, user: User, mailbox: selectors.Mailbox, rows: tuple[MessageView, ...] = ()
) -> dict[str, Any]:
    extras: dict[str, Any] = {}
    for context in _list_contexts:
        extras.update(context(user=user, mailbox=mailbox, rows=rows))
    return extras


# "Mark unread" sends the person back to the page with this parameter: that page, its reloads
# and its live refreshes leave the conversation unread; the next open from the list reads it.
KEEP_UNREAD = "keep_unread"


def _thread_opened(request: HttpRequest, found: selectors.ThreadPage) -> HttpResponse:
    """The page of a thread someone opened: shown read, and marked read at RingCentral once
    it is sent — unless the person has just marked it unread."""
    if request.GET.get(KEEP_UNREAD) == "1":
        return _thread_page(request, found)
    response = _thread_page(request, selectors.thread_page_as_read(found=found))
    services.thread_read_on_open(user=signed_in_user(request), thread=found.thread)
    return response


# the elements htmx fills: a row's link opens a conversation in the thread pane; a thread
# opened by a link fetches its list into the list pane
THREAD_PANE = "thread-pane"
LIST_PANE = "list-pane"


def _thread_page(request: HttpRequest, found: selectors.ThreadPage) -> HttpResponse:
    mailbox = found.thread.mailbox
    user = signed_in_user(request)
    kept = request.GET.copy()
    kept[KEEP_UNREAD] = "1"
    back = back_to_list(request, mailbox.extension_id)
    context: dict[str, Any] = {
        "mailbox": mailbox,
        "thread": found.thread,
        "unread": found.unread,
        "back": back,
        "here": request.get_full_path(),
        # where "Mark unread" returns to: this page, without reading it again
        "unread_next": f"{request.path}?{kept.urlencode()}",
        "earlier": selectors.earlier_conversations(mailbox=mailbox, thread=found.thread),
        # the details panel's numbers: each one's contact, or "Add to contacts"
        "contact_cards": contact_cards(
            account_id=mailbox.account_id,
            parties=[
                (party.phone_number, party.name)
                for message in found.thread.messages[-1:]
                for party in message.others
                if party.phone_number
            ],
        ),
        "current_key": found.thread.key,
        # what features above this one add: the user's own sends, the reply composer
        **thread_extras(user=user, thread=found.thread),
    }
    if getattr(request, "htmx", False) and request.htmx.target == THREAD_PANE:  # type: ignore[attr-defined]
        # a row opened beside the list: only the thread pane (and the tab's title) changes
        return render(request, "inbox/conversations/thread_pane.html", context)
    # a whole page (a link, a reload, no JavaScript): the list it was opened from comes in
    # beside it by a request of its own, where the screen has room for it
    return render(request, "inbox/conversations/thread.html", context)


@require_GET
@login_required
@never_cache
@ringcentral_errors
def message_detail(request: HttpRequest, extension_id: int, message_id: int) -> HttpResponse:
    """A message on its own: faxes and voicemails, which have no conversation. A message of a
    conversation (a search hit) opens its thread at the page that shows it, scrolled to it
    and marked (`#message-<id>`)."""
    user = signed_in_user(request)
    mailbox = selectors.mailbox_get_for_user(user=user, extension_id=extension_id)
    found = selectors.message_page_for_user(user=user, mailbox=mailbox, message_id=message_id)
    if found.thread.conversation_id is not None:
        page = selectors.thread_page_of_message(
            user=user, mailbox=mailbox, message=found.thread.messages[0]
        )
        thread = reverse("inbox:thread", args=[mailbox.extension_id, found.thread.conversation_id])
        query = f"?{urlencode({'page': page})}" if page > 1 else ""
        return redirect(f"{thread}{query}#message-{message_id}")
    return _thread_opened(request, found)


@require_GET
@login_required
@ringcentral_errors
def attachment(
    request: HttpRequest, extension_id: int, message_id: int, attachment_id: int
) -> HttpResponseBase:
    """An attachment, streamed from RingCentral (see `proxy`). `?download=1` asks for a download
    whatever the type."""
    user = signed_in_user(request)
    mailbox = selectors.mailbox_get_for_user(user=user, extension_id=extension_id)
    try:
        byte_range = parse_range(request.headers.get("Range"))
    except BadRange:
        response = HttpResponse("This byte range cannot be served.", status=416)
        response["Content-Type"] = "text/plain; charset=utf-8"
        return response
    download = attachment_open(
        user=user,
        mailbox=mailbox,
        message_id=message_id,
        attachment_id=attachment_id,
        byte_range=byte_range,
    )
    return attachment_response(download, force_download=request.GET.get("download") == "1")


# --------------------------------------------------------------------------- writes


def _done(request: HttpRequest, result: services.WriteResult, default: str) -> HttpResponse:
    """Back where the person was, with what happened (or, to the page's script, just what
    happened)."""
    if wants_json(request):
        return JsonResponse({"outcome": result.entry.outcome, "message": result.message})
    level = messages.SUCCESS if result.ok else messages.WARNING
    messages.add_message(request, level, result.message)
    return redirect(same_site(request, request.POST.get("next", "")) or default)


def _wants_read(request: HttpRequest) -> bool | None:
    value = request.POST.get("read_status")
    return {"Read": True, "Unread": False}.get(value or "")


@require_POST
@login_required
@ringcentral_errors
def message_read_status(request: HttpRequest, extension_id: int, message_id: int) -> HttpResponse:
    user = signed_in_user(request)
    mailbox = selectors.mailbox_get_for_user(user=user, extension_id=extension_id)
    read = _wants_read(request)
    if read is None:
        return HttpResponse("read_status must be Read or Unread.", status=400)
    result = services.message_read_status_set(
        user=user, mailbox=mailbox, message_id=message_id, read=read
    )
    return _done(request, result, reverse("inbox:conversations", args=[mailbox.extension_id]))


@require_POST
@login_required
@ringcentral_errors
def conversation_read_status(
    request: HttpRequest, extension_id: int, conversation_id: int
) -> HttpResponse:
    user = signed_in_user(request)
    mailbox = selectors.mailbox_get_for_user(user=user, extension_id=extension_id)
    read = _wants_read(request)
    if read is None:
        return HttpResponse("read_status must be Read or Unread.", status=400)
    result = services.conversation_read_status_set(
        user=user, mailbox=mailbox, conversation_id=conversation_id, read=read
    )
    return _done(request, result, reverse("inbox:conversations", args=[mailbox.extension_id]))


@require_http_methods(["GET", "POST"])
@login_required
@never_cache
@ringcentral_errors
def message_delete(request: HttpRequest, extension_id: int, message_id: int) -> HttpResponse:
    """GET: the confirmation page. POST: delete (or, for admins who ask, purge)."""
    user = signed_in_user(request)
    mailbox = selectors.mailbox_get_for_user(user=user, extension_id=extension_id)
    back = back_to_list(request, mailbox.extension_id)
    if request.method == "GET":
        message = selectors.message_get_for_user(user=user, mailbox=mailbox, message_id=message_id)
        return render(
            request,
            "inbox/conversations/confirm_delete.html",
            {
                "mailbox": mailbox,
                "what": "message",
                "message": message,
                "can_purge": user.role == User.Role.ADMIN,
                "cancel": same_site(request, request.GET.get("from", "")) or back,
                "back": back,
            },
        )
    result = services.message_delete(
        user=user,
        mailbox=mailbox,
        message_id=message_id,
        purge=request.POST.get("purge") == "1",
        ip_address=client_ip(request),
    )
    return _done(request, result, back)


@require_http_methods(["GET", "POST"])
@login_required
@never_cache
@ringcentral_errors
def conversation_delete(
    request: HttpRequest, extension_id: int, conversation_id: int
) -> HttpResponse:
    user = signed_in_user(request)
    mailbox = selectors.mailbox_get_for_user(user=user, extension_id=extension_id)
    back = back_to_list(request, mailbox.extension_id)
    if request.method == "GET":
        found = selectors.thread_get_for_user(
            user=user, mailbox=mailbox, conversation_id=conversation_id
        )
        return render(
            request,
            "inbox/conversations/confirm_delete.html",
            {
                "mailbox": mailbox,
                "what": "conversation",
                "thread": found,
                "can_purge": user.role == User.Role.ADMIN,
                "cancel": reverse("inbox:thread", args=[mailbox.extension_id, conversation_id]),
                "back": back,
            },
        )
    result = services.conversation_delete(
        user=user,
        mailbox=mailbox,
        conversation_id=conversation_id,
        purge=request.POST.get("purge") == "1",
        ip_address=client_ip(request),
    )
    return _done(request, result, back)
