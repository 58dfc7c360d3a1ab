"""The fax pages: "New fax", a fax's status page (with its status JSON, cancel and resend), and
"Resend / Forward" of a fax of the mailbox. Faxes go out from the signed-in user's own
extension, so these pages exist only in their own mailbox (anyone else gets a 404, like a
stranger).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from inbox.conversations import selectors
from inbox.fax.forms import FaxAgainForm, FaxForm
from inbox.fax.presenters import fax_send_data, fax_send_view
from inbox.fax.requests import fax_resend_request, fax_send_request
from inbox.fax.rules import too_large_message
from inbox.fax.selectors import (
    fax_cover_page_name,
    fax_cover_pages_for_user,
    fax_original_get_for_user,
    fax_send_get_for_user,
    fax_sends_recent_for_user,
)
from inbox.fax.uploads import fax_upload_exceeded, fax_upload_limit_install
from inbox.models import Send
from inbox.sending.rules import SendInvalid
from inbox.web import ringcentral_errors, signed_in_user

# One-time notices after a fax is handed over: they say what the person did, never where the
# fax is now (the status line says that, and follows the fax while the page is open).
FAX_ACCEPTED = "Your fax was accepted for sending; follow its status below."
FAX_SENT_AGAIN = "Sent again as a new fax; nothing was uploaded a second time."
FAX_FORWARDED = "Forwarded as a new fax; nothing was uploaded a second time."


def _own_mailbox(user: User, extension_id: int) -> selectors.Mailbox:
    mailbox = selectors.mailbox_get_for_user(user=user, extension_id=extension_id)
    if not mailbox.is_own:
        raise Http404("Faxes are sent from your own mailbox.")
    return mailbox


def _status_redirect(send: Send) -> HttpResponse:
    return redirect("inbox:fax_status", extension_id=send.extension_id, send_id=send.pk)


# --------------------------------------------------------------------------- new fax


def _body_read(request: HttpRequest) -> bool:
    """Read the form (through the upload limit) so its outcome can be asked."""
    return request.POST is not None and request.FILES is not None


@csrf_exempt  # checked by `_fax_new`, once the upload limit is in place
@require_http_methods(["GET", "POST"])
@login_required
@never_cache
def fax_new(request: HttpRequest, extension_id: int) -> HttpResponseBase:
    if request.method == "POST":
        fax_upload_limit_install(request)
    return _fax_new(request, extension_id)


@csrf_protect
@ringcentral_errors
def _fax_new(request: HttpRequest, extension_id: int) -> HttpResponse:
    user = signed_in_user(request)
    mailbox = _own_mailbox(user, extension_id)
    cover_pages = fax_cover_pages_for_user(user=user)
    status = 200
    if request.method != "POST":
        form = FaxForm(cover_pages=cover_pages)
    elif _body_read(request) and fax_upload_exceeded(request):
        form = FaxForm(request.POST, cover_pages=cover_pages)
        form.is_valid()
        form.add_error("documents", too_large_message())
        status = 413
    else:
        form = FaxForm(request.POST, request.FILES, cover_pages=cover_pages)
        if form.is_valid():
            data = form.cleaned_data
            try:
                send = fax_send_request(
                    user=user,
                    to_numbers=[data["to"]],
                    documents=data["documents"],
                    cover_index=data["cover_index"],
                    cover_page_text=data["cover_page_text"],
                    resolution=data["resolution"],
                    send_at=data["send_at"],
                    idempotency_key=data["idempotency_key"],
                )
            except SendInvalid as error:
                form.add_send_error(error)
            else:
                messages.success(request, FAX_ACCEPTED)
                return _status_redirect(send)
        status = 400
    return render(
        request,
        "inbox/fax/new.html",
        {
            "mailbox": mailbox,
            "form": form,
            "recent": [fax_send_view(send) for send in fax_sends_recent_for_user(user=user)],
        },
        status=status,
    )


# --------------------------------------------------------------------------- status


@require_GET
@login_required
@never_cache
def fax_status(request: HttpRequest, extension_id: int, send_id: int) -> HttpResponse:
    user = signed_in_user(request)
    mailbox = _own_mailbox(user, extension_id)
    send = fax_send_get_for_user(user=user, mailbox=mailbox, send_id=send_id)
    cover_page = ""
    if send.cover_index:
        cover_page = fax_cover_page_name(user=user, cover_index=send.cover_index)
    return render(
        request,
        "inbox/fax/status.html",
        {
            "mailbox": mailbox,
            "fax": fax_send_view(send),
            "cover_page": cover_page,
            "again_form": FaxAgainForm(),
        },
    )


@require_GET
@login_required
@never_cache
def fax_status_json(request: HttpRequest, extension_id: int, send_id: int) -> JsonResponse:
    """The status page's poll: read from the database only."""
    user = signed_in_user(request)
    mailbox = _own_mailbox(user, extension_id)
    send = fax_send_get_for_user(user=user, mailbox=mailbox, send_id=send_id)
    return JsonResponse(fax_send_data(fax_send_view(send)))


@require_POST
@login_required
@ringcentral_errors
def fax_cancel(request: HttpRequest, extension_id: int, send_id: int) -> HttpResponse:
    from inbox.sending.actions import send_cancel

    user = signed_in_user(request)
    mailbox = _own_mailbox(user, extension_id)
    send = fax_send_get_for_user(user=user, mailbox=mailbox, send_id=send_id)
    try:
        send = send_cancel(user=user, send_id=send.pk)
    except SendInvalid as error:
        messages.warning(request, error.message)
        return _status_redirect(send)
    messages.success(request, "The fax is cancelled: it will not be sent.")
    return _status_redirect(send)


@require_POST
@login_required
@ringcentral_errors
def fax_resend(request: HttpRequest, extension_id: int, send_id: int) -> HttpResponse:
    """Send a failed fax send again, to the recipients that failed, without uploading it."""
    user = signed_in_user(request)
    mailbox = _own_mailbox(user, extension_id)
    send = fax_send_get_for_user(user=user, mailbox=mailbox, send_id=send_id)
    form = FaxAgainForm(request.POST)
    if not form.is_valid() or send.rc_message_id is None:
        messages.warning(request, "This fax cannot be sent again from here: reload the page.")
        return _status_redirect(send)
    try:
        again = fax_resend_request(
            user=user,
            original_message_id=send.rc_message_id,
            to_numbers=None,
            idempotency_key=form.cleaned_data["idempotency_key"],
        )
    except SendInvalid as error:
        messages.warning(request, error.message)
        return _status_redirect(send)
    messages.success(request, FAX_SENT_AGAIN)
    return _status_redirect(again)


# --------------------------------------------------------------------------- resend / forward


@require_http_methods(["GET", "POST"])
@login_required
@never_cache
@ringcentral_errors
def fax_again(request: HttpRequest, extension_id: int, message_id: int) -> HttpResponse:
    """Resend (`?mode=resend`, a failed outbound fax) or forward (any fax) a fax of the mailbox
    to other numbers, by its RingCentral id: nothing is uploaded again."""
    user = signed_in_user(request)
    mailbox = _own_mailbox(user, extension_id)
    try:
        original = fax_original_get_for_user(user=user, message_id=message_id)
    except SendInvalid as error:
        context = {"mailbox": mailbox, "problem": error.message}
        return render(request, "inbox/fax/again.html", context, status=400)
    resend = request.GET.get("mode") == "resend" and original.message.direction == "Outbound"
    status = 200
    if request.method == "POST":
        form = FaxAgainForm(request.POST)
        if form.is_valid():
            to = form.cleaned_data["to"]
            try:
                send = fax_resend_request(
                    user=user,
                    original_message_id=original.message.id,
                    to_numbers=[to] if to.strip() or not resend else None,
                    idempotency_key=form.cleaned_data["idempotency_key"],
                )
            except SendInvalid as error:
                form.add_send_error(error)
            else:
                messages.success(request, FAX_SENT_AGAIN if resend else FAX_FORWARDED)
                return _status_redirect(send)
        status = 400
    else:
        form = FaxAgainForm()
    return render(
        request,
        "inbox/fax/again.html",
        {
            "mailbox": mailbox,
            "original": original,
            "message": original.message,
            "resend": resend,
            "form": form,
        },
        status=status,
    )
