"""Pages for sending: the reply composers of a thread (SMS and pager), the new conversation
and new pager message pages, a send's own page, its Retry / Cancel / review buttons, and the
status endpoint the thread's script polls.

A person sends from their own mailbox only (RingCentral lets nobody send for someone else,
REFERENCE §8): another extension's mailbox is a 404 here even for admins who may read it.
Every send is loaded through `send_get_for_user`. Successful posts redirect (PRG); refused
ones render the page again with what was typed and the sentence on the field to change.
"""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from inbox.conversations import selectors
from inbox.conversations.selectors import Mailbox
from inbox.conversations.views import thread_extras
from inbox.models import Send
from inbox.sending import actions
from inbox.sending import selectors as send_selectors
from inbox.sending.directory import account_extensions_for_user
from inbox.sending.forms import PagerNewForm, PagerReplyForm, SmsNewForm, SmsReplyForm
from inbox.sending.presenters import send_view, sms_reply_recipients, thread_send_context
from inbox.sending.requests import pager_send_request, sms_send_request
from inbox.sending.rules import SendInvalid
from inbox.sending.scheduling import default_zone_name, send_scheduled_label
from inbox.web import back_to_list, client_ip, ringcentral_errors, same_site, signed_in_user

STATUS_IDS_MAX = 50
SENT_AGAIN = "Sent again as a new message."


def own_mailbox(user: User, extension_id: int) -> Mailbox:
    """The user's own mailbox, the only one they page from; Http404 for any other."""
    mailbox = selectors.mailbox_get_for_user(user=user, extension_id=extension_id)
    if not mailbox.is_own:
        raise Http404("You can page only from your own mailbox.")
    return mailbox


def sending_mailbox(user: User, extension_id: int) -> Mailbox:
    """A mailbox the user sends SMS from: their own, or a team mailbox they work; Http404 for
    any other (an admin looking into someone's mailbox does not send as them)."""
    mailbox = selectors.mailbox_get_for_user(user=user, extension_id=extension_id)
    if not mailbox.can_send:
        raise Http404("You can send only from your own mailbox or a team mailbox.")
    return mailbox


def _thread_url(mailbox: Mailbox, conversation_id: int) -> str:
    return reverse("inbox:thread", args=[mailbox.extension_id, conversation_id])


def _thread_again(
    request: HttpRequest, mailbox: Mailbox, found: selectors.ThreadPage, **forms: Any
) -> HttpResponse:
    """The thread page with a refused composer, as the thread view renders it."""
    user = signed_in_user(request)
    context = {
        "mailbox": mailbox,
        "thread": found.thread,
        "unread": found.unread,
        "back": back_to_list(request, mailbox.extension_id),
        "here": _thread_url(mailbox, found.thread.conversation_id or 0),
        # what every feature shows in a thread (owner, notes, opt-out, …), then the composer
        # as the person left it
        **thread_extras(user=user, thread=found.thread),
        **thread_send_context(user=user, thread=found.thread, **forms),
    }
    return render(request, "inbox/conversations/thread.html", context, status=400)


@require_POST
@login_required
@ringcentral_errors
def sms_reply(request: HttpRequest, extension_id: int, conversation_id: int) -> HttpResponse:
    user = signed_in_user(request)
    mailbox = sending_mailbox(user, extension_id)
    found = selectors.thread_page_for_user(
        user=user, mailbox=mailbox, conversation_id=conversation_id
    )
    form = SmsReplyForm(request.POST, request.FILES, sms_numbers=mailbox.sms_numbers)
    if form.is_valid():
        later = form.scheduling()
        try:
            send = sms_send_request(
                user=user,
                mailbox=mailbox,
                from_number=form.cleaned_data["from_number"],
                to_numbers=sms_reply_recipients(found.thread.messages),
                text=form.cleaned_data["text"],
                attachments=form.cleaned_data["attachments"],
                conversation_id=conversation_id,
                idempotency_key=form.cleaned_data["idempotency_key"],
                scheduled_for=form.send_at_local() if later else None,
                scheduled_zone=form.cleaned_data["timezone"] if later else "",
                cancel_on_reply=form.cleaned_data["cancel_on_reply"],
                ip_address=client_ip(request),
            )
        except SendInvalid as refused:
            form.refuse(refused)
        else:
            if send.status == Send.Status.SCHEDULED:
                messages.success(request, f"Scheduled for {send_scheduled_label(send)}.")
                return redirect(_thread_url(mailbox, conversation_id) + f"#send-{send.pk}")
            return redirect(_thread_url(mailbox, conversation_id) + "#composer")
    return _thread_again(request, mailbox, found, sms_form=form)


@require_POST
@login_required
@ringcentral_errors
def pager_reply(request: HttpRequest, extension_id: int, conversation_id: int) -> HttpResponse:
    user = signed_in_user(request)
    mailbox = own_mailbox(user, extension_id)
    found = selectors.thread_page_for_user(
        user=user, mailbox=mailbox, conversation_id=conversation_id
    )
    form = PagerReplyForm(request.POST)
    pager_messages = [m for m in found.thread.messages if m.type == "Pager"]
    if form.is_valid():
        try:
            if not pager_messages:
                raise SendInvalid(
                    "This conversation has no pager message to reply to.", field="text"
                )
            pager_send_request(
                user=user,
                to_extension_ids=(),
                text=form.cleaned_data["text"],
                reply_on=pager_messages[-1].id,
                conversation_id=conversation_id,
                idempotency_key=form.cleaned_data["idempotency_key"],
            )
        except SendInvalid as refused:
            form.refuse(refused)
        else:
            return redirect(_thread_url(mailbox, conversation_id) + "#composer")
    return _thread_again(request, mailbox, found, pager_form=form)


@require_http_methods(["GET", "POST"])
@login_required
@never_cache
@ringcentral_errors
def sms_new(request: HttpRequest, extension_id: int) -> HttpResponse:
    """A new SMS conversation: one or more recipients, a number to send from, text, files;
    sent now, or held until a time ("Send later")."""
    user = signed_in_user(request)
    mailbox = sending_mailbox(user, extension_id)
    if request.method == "GET":
        form = SmsNewForm(sms_numbers=mailbox.sms_numbers)
    else:
        form = SmsNewForm(request.POST, request.FILES, sms_numbers=mailbox.sms_numbers)
        if form.is_valid():
            later = form.scheduling()
            try:
                send = sms_send_request(
                    user=user,
                    mailbox=mailbox,
                    from_number=form.cleaned_data["from_number"],
                    to_numbers=form.to_numbers(),
                    text=form.cleaned_data["text"],
                    attachments=form.cleaned_data["attachments"],
                    idempotency_key=form.cleaned_data["idempotency_key"],
                    scheduled_for=form.send_at_local() if later else None,
                    scheduled_zone=form.cleaned_data["timezone"] if later else "",
                    cancel_on_reply=form.cleaned_data["cancel_on_reply"],
                    ip_address=client_ip(request),
                )
            except SendInvalid as refused:
                form.refuse(refused)
            else:
                if send.status == Send.Status.SCHEDULED:
                    messages.success(request, f"Scheduled for {send_scheduled_label(send)}.")
                return redirect("inbox:send", extension_id=mailbox.extension_id, send_id=send.pk)
    status = 400 if form.is_bound else 200
    context = {
        "mailbox": mailbox,
        "form": form,
        "kind": "sms",
        "schedule_zone": default_zone_name(),
    }
    return render(request, "inbox/sending/compose_sms.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
@never_cache
@ringcentral_errors
def pager_new(request: HttpRequest, extension_id: int) -> HttpResponse:
    """A new pager message to people of the account."""
    user = signed_in_user(request)
    mailbox = own_mailbox(user, extension_id)
    people = account_extensions_for_user(user=user)
    if request.method == "GET":
        form = PagerNewForm(people=people)
    else:
        form = PagerNewForm(request.POST, people=people)
        if form.is_valid():
            try:
                send = pager_send_request(
                    user=user,
                    to_extension_ids=form.cleaned_data["to"],
                    text=form.cleaned_data["text"],
                    idempotency_key=form.cleaned_data["idempotency_key"],
                )
            except SendInvalid as refused:
                form.refuse(refused)
            else:
                return redirect("inbox:send", extension_id=mailbox.extension_id, send_id=send.pk)
    status = 400 if form.is_bound else 200
    context = {"mailbox": mailbox, "form": form, "people": people}
    return render(request, "inbox/sending/compose_pager.html", context, status=status)


@require_GET
@login_required
@never_cache
@ringcentral_errors
def send_detail(request: HttpRequest, extension_id: int, send_id: int) -> HttpResponse:
    """A send on its own page (where a new conversation lands before RingCentral has it)."""
    user = signed_in_user(request)
    mailbox = sending_mailbox(user, extension_id)
    send = send_selectors.send_get_for_user(user=user, send_id=send_id)
    if send.owner_id != user.pk or send.extension_id != mailbox.extension_id:
        raise Http404("No such message.")
    view = send_view(send, queue_position=send_selectors.send_queue_position(send=send))
    if send.kind == Send.Kind.PAGER:
        # people by name, from the account's cached directory
        names = {
            str(e.extension_id): f"{e.name} (ext. {e.extension_number})"
            for e in account_extensions_for_user(user=user)
        }
        people = tuple(names.get(str(r), f"extension {r}") for r in send.recipients)
        view = dataclasses.replace(view, recipients=people)
    context = {
        "mailbox": mailbox,
        "send": view,
        "pending": not view.final and view.state != "scheduled",  # it changes at its time
        "here": request.get_full_path(),
        "retry_key": uuid.uuid4(),
    }
    return render(request, "inbox/sending/detail.html", context)


@require_GET
@login_required
@never_cache
def sends_status(request: HttpRequest, extension_id: int) -> JsonResponse:
    """The status of the user's sends `?ids=1,2,3`, from the database alone (never from
    RingCentral: the pipeline keeps the rows current). Ids that are not the user's are left
    out."""
    user = signed_in_user(request)
    mailbox = sending_mailbox(user, extension_id)
    try:
        ids = [int(part) for part in request.GET.get("ids", "").split(",") if part.strip()]
    except ValueError:
        return JsonResponse({"message": "ids must be numbers separated by commas."}, status=400)
    if len(ids) > STATUS_IDS_MAX:
        return JsonResponse(
            {"message": f"Ask for at most {STATUS_IDS_MAX} sends at a time."}, status=400
        )
    found = []
    for send_id in dict.fromkeys(ids):
        try:
            send = send_selectors.send_get_for_user(user=user, send_id=send_id)
        except Http404:
            continue
        if send.owner_id == user.pk and send.extension_id == mailbox.extension_id:
            position = send_selectors.send_queue_position(send=send)
            found.append(send_view(send, queue_position=position).as_json())
    return JsonResponse({"sends": found}, headers={"Cache-Control": "no-store"})


def _back(request: HttpRequest, mailbox: Mailbox, send_id: int) -> str:
    return same_site(request, request.POST.get("next", "")) or reverse(
        "inbox:send", args=[mailbox.extension_id, send_id]
    )


def _after_retry(request: HttpRequest, mailbox: Mailbox, failed_id: int, again: Send) -> str:
    """Where the new send is: its bubble on the page Retry was pressed on (a thread), or its
    own page when Retry was pressed on the failed send's own page (or no page was given)."""
    back = same_site(request, request.POST.get("next", ""))
    failed_page = reverse("inbox:send", args=[mailbox.extension_id, failed_id])
    if not back or urlsplit(back).path == failed_page:
        page = "inbox:fax_status" if again.kind == Send.Kind.FAX else "inbox:send"
        return reverse(page, args=[mailbox.extension_id, again.pk])
    return f"{back.partition('#')[0]}#send-{again.pk}"


@require_POST
@login_required
def send_retry(request: HttpRequest, extension_id: int, send_id: int) -> HttpResponse:
    """Send a failed message again, as a new send linked to the failed one, and show the
    person that new send."""
    user = signed_in_user(request)
    mailbox = sending_mailbox(user, extension_id)
    try:
        key = uuid.UUID(request.POST.get("idempotency_key", ""))
    except ValueError:
        return HttpResponse("The form is out of date: reload the page and try again.", status=400)
    try:
        again = actions.send_retry(user=user, send_id=send_id, idempotency_key=key)
    except SendInvalid as refused:
        messages.warning(request, refused.message)
        return redirect(_back(request, mailbox, send_id))
    messages.success(request, SENT_AGAIN)
    return redirect(_after_retry(request, mailbox, send_id, again))


@require_POST
@login_required
def send_cancel(request: HttpRequest, extension_id: int, send_id: int) -> HttpResponse:
    """Cancel a send that has not gone out yet."""
    user = signed_in_user(request)
    mailbox = sending_mailbox(user, extension_id)
    try:
        actions.send_cancel(user=user, send_id=send_id)
    except SendInvalid as refused:
        messages.warning(request, refused.message)
    return redirect(_back(request, mailbox, send_id))


DECISIONS: dict[str, actions.Decision] = {
    "resend": "resend",
    "mark_sent": "mark_sent",
    "drop": "drop",
}


@require_POST
@login_required
def send_decide(request: HttpRequest, extension_id: int, send_id: int) -> HttpResponse:
    """A person's choice about a send that may have gone out: send again, count as sent, drop."""
    user = signed_in_user(request)
    mailbox = sending_mailbox(user, extension_id)
    action = DECISIONS.get(request.POST.get("action", ""))
    if action is None:
        return HttpResponse("Choose: send again, count as sent, or drop.", status=400)
    try:
        actions.send_decide(user=user, send_id=send_id, action=action)
    except SendInvalid as refused:
        messages.warning(request, refused.message)
    return redirect(_back(request, mailbox, send_id))
