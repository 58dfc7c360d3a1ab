"""Recently deleted: a mailbox's deleted conversations and messages, with Restore for
everyone who may open the mailbox and Purge, after a confirmation, for admins. The mailbox
is found with `mailbox_get_for_user` (a 404 for anyone without access) before anything else.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from inbox.conversations import selectors
from inbox.conversations.queries import page_number
from inbox.conversations.services import WriteResult
from inbox.deleted import services
from inbox.deleted.selectors import (
    KEPT_DAYS,
    DeletedSelection,
    SelectionError,
    deleted_items_for_user,
    deleted_page_for_user,
)
from inbox.ringcentral import InboxError
from inbox.web import client_ip, ringcentral_errors, signed_in_user


@require_GET
@login_required
@never_cache
@ringcentral_errors
def deleted_list(request: HttpRequest, extension_id: int) -> HttpResponse:
    user = signed_in_user(request)
    mailbox = selectors.mailbox_get_for_user(user=user, extension_id=extension_id)
    page = page_number(request.GET.get("page"))
    found = deleted_page_for_user(user=user, mailbox=mailbox, page=page)
    return render(
        request,
        "inbox/deleted/list.html",
        {
            "mailbox": mailbox,
            "deleted": found,
            "kept_days": KEPT_DAYS,
            "can_purge": services.deleted_purge_allowed(user),
        },
    )


def _selection(request: HttpRequest) -> DeletedSelection:
    """A row's own button (`only`) acts on that row alone, whatever else is ticked."""
    only = request.POST.get("only")
    return DeletedSelection.parse([only] if only else request.POST.getlist("item"))


def _unreadable(failure: SelectionError) -> HttpResponse:
    return HttpResponse(failure.message, status=400, content_type="text/plain; charset=utf-8")


def _back(request: HttpRequest, extension_id: int, result: WriteResult) -> HttpResponse:
    level = messages.SUCCESS if result.ok else messages.WARNING
    messages.add_message(request, level, result.message)
    return redirect("inbox:deleted", extension_id=extension_id)


@require_POST
@login_required
@ringcentral_errors
def deleted_restore(request: HttpRequest, extension_id: int) -> HttpResponse:
    user = signed_in_user(request)
    mailbox = selectors.mailbox_get_for_user(user=user, extension_id=extension_id)
    try:
        selection = _selection(request)
    except SelectionError as failure:
        return _unreadable(failure)
    if not selection:
        messages.warning(request, "Select what to restore first, then press Restore selected.")
        return redirect("inbox:deleted", extension_id=mailbox.extension_id)
    result = services.deleted_restore(
        user=user, mailbox=mailbox, selection=selection, ip_address=client_ip(request)
    )
    return _back(request, mailbox.extension_id, result)


@require_POST
@login_required
@never_cache
@ringcentral_errors
def deleted_purge(request: HttpRequest, extension_id: int) -> HttpResponse:
    """Without `confirmed`: the confirmation page, naming what will be purged. With it: purge."""
    user = signed_in_user(request)
    mailbox = selectors.mailbox_get_for_user(user=user, extension_id=extension_id)
    if not services.deleted_purge_allowed(user):
        raise InboxError(services.PURGE_REFUSED, status=403, code="purge_not_allowed")
    try:
        selection = _selection(request)
    except SelectionError as failure:
        return _unreadable(failure)
    if not selection:
        messages.warning(request, "Select what to purge first, then press Purge selected.")
        return redirect("inbox:deleted", extension_id=mailbox.extension_id)
    if request.POST.get("confirmed") != "1":
        items = deleted_items_for_user(user=user, mailbox=mailbox, selection=selection)
        return render(
            request,
            "inbox/deleted/confirm_purge.html",
            {"mailbox": mailbox, "items": items, "selection": selection},
        )
    result = services.deleted_purge(
        user=user, mailbox=mailbox, selection=selection, ip_address=client_ip(request)
    )
    return _back(request, mailbox.extension_id, result)
