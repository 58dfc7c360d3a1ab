"""Pages of a scheduled SMS: change its text and time, or cancel it. Whoever may send from
its mailbox may (one's own mailbox: its owner; a team mailbox: its members); anyone else gets
a 404. Both work only while the message is still scheduled: after that, the person is told
why and sent back."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from inbox.conversations.presenters import format_number
from inbox.conversations.selectors import Mailbox
from inbox.models import Send
from inbox.scheduled.forms import ScheduledChangeForm
from inbox.scheduled.selectors import scheduled_send_get_for_user
from inbox.scheduled.services import scheduled_send_cancel, scheduled_send_change
from inbox.sending.rules import SendInvalid
from inbox.sending.scheduling import (
    scheduled_local_input,
    send_scheduled_label,
    send_zone,
)
from inbox.web import client_ip, ringcentral_errors, same_site, signed_in_user


def _back(request: HttpRequest, mailbox: Mailbox, send: Send) -> str:
    """The page the person came from (this site only), else the send's thread."""
    given = same_site(request, request.POST.get("next") or request.GET.get("next") or "")
    if given:
        return given
    if send.conversation_id is not None:
        return reverse("inbox:thread", args=[mailbox.extension_id, send.conversation_id])
    return reverse("inbox:send", args=[mailbox.extension_id, send.pk])


def _recipients(send: Send) -> str:
    return ", ".join(format_number(str(number)) for number in send.recipients)


def _in_place(url: str, send: Send) -> str:
    return f"{url.partition('#')[0]}#send-{send.pk}"


@require_http_methods(["GET", "POST"])
@login_required
@never_cache
@ringcentral_errors
def scheduled_edit(request: HttpRequest, extension_id: int, send_id: int) -> HttpResponse:
    user = signed_in_user(request)
    mailbox, send = scheduled_send_get_for_user(
        user=user, extension_id=extension_id, send_id=send_id
    )
    back = _back(request, mailbox, send)
    if send.status != Send.Status.SCHEDULED:
        messages.warning(request, "This message is no longer scheduled; it cannot be changed.")
        return redirect(_in_place(back, send))
    if request.method == "GET":
        form = ScheduledChangeForm(
            initial={
                "text": send.text,
                "send_at": scheduled_local_input(send),
                "timezone": send_zone(send).key,
                "cancel_on_reply": send.cancel_on_reply,
            }
        )
    else:
        form = ScheduledChangeForm(request.POST)
        if form.is_valid():
            try:
                changed = scheduled_send_change(
                    user=user,
                    send=send,
                    text=form.cleaned_data["text"],
                    send_at=form.send_at_local(),
                    zone_name=form.cleaned_data["timezone"],
                    cancel_on_reply=form.cleaned_data["cancel_on_reply"],
                    ip_address=client_ip(request),
                )
            except SendInvalid as refused:
                form.refuse(refused)
            else:
                messages.success(request, f"Scheduled for {send_scheduled_label(changed)}.")
                return redirect(_in_place(back, changed))
    context = {
        "mailbox": mailbox,
        "send": send,
        "form": form,
        "back": back,
        "zone": form["timezone"].value() or send_zone(send).key,
        "when": send_scheduled_label(send),
        "to": _recipients(send),
    }
    return render(
        request, "inbox/scheduled/edit.html", context, status=400 if form.is_bound else 200
    )


@require_http_methods(["GET", "POST"])
@login_required
@never_cache
@ringcentral_errors
def scheduled_cancel(request: HttpRequest, extension_id: int, send_id: int) -> HttpResponse:
    """GET: the confirmation; POST: cancel it."""
    user = signed_in_user(request)
    mailbox, send = scheduled_send_get_for_user(
        user=user, extension_id=extension_id, send_id=send_id
    )
    back = _back(request, mailbox, send)
    if request.method == "POST":
        try:
            scheduled_send_cancel(user=user, send=send, ip_address=client_ip(request))
        except SendInvalid as refused:
            messages.warning(request, refused.message)
        else:
            messages.success(request, "Cancelled: the scheduled message will not be sent.")
        return redirect(_in_place(back, send))
    if send.status != Send.Status.SCHEDULED:
        messages.warning(request, "This message is no longer scheduled: nothing to cancel.")
        return redirect(_in_place(back, send))
    context = {
        "mailbox": mailbox,
        "send": send,
        "back": back,
        "when": send_scheduled_label(send),
        "to": _recipients(send),
    }
    return render(request, "inbox/scheduled/confirm_cancel.html", context)
