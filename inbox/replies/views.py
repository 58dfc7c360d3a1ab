"""The saved replies' pages: the list with the form to add one, a reply's form, deleting it;
and, for the composer, the replies filled in for one conversation (JSON)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import User
from inbox.conversations.selectors import mailbox_get_for_user, thread_get_for_user
from inbox.models import SavedReply
from inbox.replies import selectors
from inbox.replies.services import (
    NAME_MAX,
    TEXT_MAX,
    SavedReplyInvalid,
    SavedReplyRefused,
    saved_reply_change,
    saved_reply_create,
    saved_reply_delete,
)
from inbox.replies.variables import VARIABLES
from inbox.web import client_ip, ringcentral_errors, signed_in_user

TEAM, OWN = "team", "own"


class SavedReplyForm(forms.Form):
    # lengths and emptiness are the service's to check, with its sentences
    name = forms.CharField(label="Name", required=False, strip=False)
    text = forms.CharField(label="Text", required=False, strip=False, widget=forms.Textarea)
    scope = forms.ChoiceField(
        label="Who uses it",
        choices=[(OWN, "Just me"), (TEAM, "Everyone in the team")],
        initial=OWN,
        required=False,
        widget=forms.RadioSelect,
    )


def _is_admin(user: User) -> bool:
    return user.role == User.Role.ADMIN


def _page(
    request: HttpRequest, user: User, form: SavedReplyForm, *, status: int = 200
) -> HttpResponse:
    replies = selectors.saved_replies_for_user(user=user)
    context = {
        "team_replies": replies.team,
        "own_replies": replies.own,
        "form": form,
        "is_admin": _is_admin(user),
        "variables": VARIABLES,
        "name_max": NAME_MAX,
        "text_max": TEXT_MAX,
    }
    return render(request, "inbox/replies/list.html", context, status=status)


def _refused(form: SavedReplyForm, refused: SavedReplyInvalid) -> None:
    form.add_error(None if refused.field == "__all__" else refused.field, refused.message)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@never_cache
def saved_replies(request: HttpRequest) -> HttpResponse:
    """The person's saved replies and the team's; posting adds one."""
    user = signed_in_user(request)
    selectors.saved_replies_for_user(user=user)  # Http404 without a RingCentral connection
    if request.method != "POST":
        return _page(request, user, SavedReplyForm())
    form = SavedReplyForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    try:
        saved_reply_create(
            user=user,
            name=data.get("name", ""),
            text=data.get("text", ""),
            team_wide=data.get("scope") == TEAM,
            ip_address=client_ip(request),
        )
    except SavedReplyRefused as refused:
        raise PermissionDenied(str(refused)) from refused
    except SavedReplyInvalid as refused:
        _refused(form, refused)
        return _page(request, user, form, status=400)
    return redirect("inbox:saved_replies")


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@never_cache
def saved_reply_edit(request: HttpRequest, reply_id: int) -> HttpResponse:
    user = signed_in_user(request)
    reply = selectors.saved_reply_get_for_change(user=user, reply_id=reply_id)
    status = 200
    if request.method == "POST":
        form = SavedReplyForm(request.POST)
        form.is_valid()
        try:
            saved_reply_change(
                user=user,
                reply=reply,
                name=form.cleaned_data.get("name", ""),
                text=form.cleaned_data.get("text", ""),
                ip_address=client_ip(request),
            )
        except SavedReplyInvalid as refused:
            _refused(form, refused)
            status = 400
        else:
            return redirect("inbox:saved_replies")
    else:
        form = SavedReplyForm(initial={"name": reply.name, "text": reply.text})
    context = {
        "reply": SavedReply.objects.get(pk=reply.pk),  # as saved, whatever the form holds
        "form": form,
        "variables": VARIABLES,
        "name_max": NAME_MAX,
        "text_max": TEXT_MAX,
    }
    return render(request, "inbox/replies/edit.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@never_cache
def saved_reply_delete_view(request: HttpRequest, reply_id: int) -> HttpResponse:
    """Ask, then delete."""
    user = signed_in_user(request)
    reply = selectors.saved_reply_get_for_change(user=user, reply_id=reply_id)
    if request.method == "POST":
        saved_reply_delete(user=user, reply=reply, ip_address=client_ip(request))
        return redirect("inbox:saved_replies")
    return render(request, "inbox/replies/confirm_delete.html", {"reply": reply})


@require_GET
@login_required
@never_cache
@ringcentral_errors
def thread_saved_replies(
    request: HttpRequest, extension_id: int, conversation_id: int
) -> JsonResponse:
    """The replies the person may insert in this conversation, filled in for it: what the
    composer's list shows and inserts. Customer text stays text: the page inserts it as such."""
    user = signed_in_user(request)
    mailbox = mailbox_get_for_user(user=user, extension_id=extension_id)
    thread = thread_get_for_user(user=user, mailbox=mailbox, conversation_id=conversation_id)
    filled = selectors.saved_replies_filled(user=user, mailbox=mailbox, thread=thread)
    return JsonResponse(
        {
            "replies": [
                {
                    "id": reply.id,
                    "name": reply.name,
                    "text": reply.text,
                    "team_wide": reply.team_wide,
                }
                for reply in filled
            ]
        }
    )
