"""The inbox's pages. Each view parses the request, finds the mailbox with
`mailbox_get_for_user` (a 404 for anyone without access), calls one selector or service, and
renders. RingCentral failures are pages with a sentence (`ringcentral_errors`); an ended
RingCentral session is the accounts app's reconnect page (its middleware).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec, cast
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.errors import ReconnectRequired
from accounts.models import User
from accounts.services import NOT_CONNECTED
from inbox import selectors, services
from inbox.health import health_report, is_healthy
from inbox.proxy import BadRange, attachment_open, attachment_response, parse_range
from inbox.queries import ConversationFilterForm, ConversationQuery, page_number
from inbox.ringcentral import InboxError
from inbox.send_presenters import thread_send_context

P = ParamSpec("P")


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "inbox/home.html")


def signed_in_user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def client_ip(request: HttpRequest) -> str | None:
    """The address the request came from, for the audit log (no proxy is trusted to say
    otherwise)."""
    return request.META.get("REMOTE_ADDR") or None


def ringcentral_errors(
    view: Callable[Concatenate[HttpRequest, P], HttpResponseBase],
) -> Callable[Concatenate[HttpRequest, P], HttpResponseBase]:
    """Render `InboxError` (RingCentral busy, down, or refusing) as a page with its sentence."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except InboxError as failure:
            if wants_json(request):
                answer = JsonResponse(
                    {"code": failure.code, "message": failure.message}, status=failure.status
                )
                if failure.retry_after is not None:
                    answer["Retry-After"] = str(failure.retry_after)
                return answer
            response = render(
                request, "inbox/error.html", {"message": failure.message}, status=failure.status
            )
            if failure.retry_after is not None:
                response["Retry-After"] = str(failure.retry_after)
            response["Cache-Control"] = "no-store"
            return response

    return cast(Callable[Concatenate[HttpRequest, P], HttpResponseBase], wrapper)


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
    query, errors = ConversationQuery.from_params(request.GET)
    listing = selectors.conversation_list_for_user(user=user, mailbox=mailbox, query=query)
    form = ConversationFilterForm(request.GET if errors else query.as_params())
    if errors:
        form.is_valid()
    return render(
        request,
        "inbox/conversation_list.html",
        {
            "listing": listing,
            "mailbox": mailbox,
            "form": form,
            "query_string": urlencode(query.as_params(page=1)),
            "next_page": urlencode(query.as_params(page=query.page + 1)),
            "previous_page": urlencode(query.as_params(page=query.page - 1))
            if query.page > 1
            else None,
            "further_back": urlencode(query.further_back().as_params()),
            "window_start": query.effective_start(),
            "here": request.get_full_path(),
            # admins select conversations for bulk deletion (inbox.bulk_views)
            "can_bulk": user.role == User.Role.ADMIN,
            "bulk_filters": query.as_params(page=1),
        },
    )


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


def _back_to_list(request: HttpRequest, mailbox: selectors.Mailbox) -> str:
    """The list the person came from (same site only), else the mailbox's list."""
    candidate = request.GET.get("back") or request.POST.get("back") or ""
    default = reverse("inbox:conversations", args=[mailbox.extension_id])
    # only a path of this mailbox's list: nothing else can be smuggled in
    if candidate.startswith(default) and "//" not in candidate and "\\" not in candidate:
        return candidate
    return default


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


def _thread_page(request: HttpRequest, found: selectors.ThreadPage) -> HttpResponse:
    mailbox = found.thread.mailbox
    kept = request.GET.copy()
    kept[KEEP_UNREAD] = "1"
    return render(
        request,
        "inbox/thread.html",
        {
            "mailbox": mailbox,
            "thread": found.thread,
            "unread": found.unread,
            "back": _back_to_list(request, mailbox),
            "here": request.get_full_path(),
            # where "Mark unread" returns to: this page, without reading it again
            "unread_next": f"{request.path}?{kept.urlencode()}",
            # the user's own sends in the thread, and the reply composer
            **thread_send_context(user=signed_in_user(request), thread=found.thread),
        },
    )


@require_GET
@login_required
@never_cache
@ringcentral_errors
def message_detail(request: HttpRequest, extension_id: int, message_id: int) -> HttpResponse:
    """A message on its own: faxes and voicemails, which have no conversation."""
    user = signed_in_user(request)
    mailbox = selectors.mailbox_get_for_user(user=user, extension_id=extension_id)
    found = selectors.message_page_for_user(user=user, mailbox=mailbox, message_id=message_id)
    if found.thread.conversation_id is not None:
        return redirect(
            "inbox:thread",
            extension_id=mailbox.extension_id,
            conversation_id=found.thread.conversation_id,
        )
    return _thread_opened(request, found)


@require_GET
@login_required
@ringcentral_errors
def attachment(
    request: HttpRequest, extension_id: int, message_id: int, attachment_id: int
) -> HttpResponseBase:
    """An attachment, streamed from RingCentral (see `inbox.proxy`). `?download=1` asks for a
    download whatever the type."""
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


def wants_json(request: HttpRequest) -> bool:
    """The page's own script asks for JSON (`Accept: application/json`) to stay in place."""
    return request.headers.get("Accept", "") == "application/json"


def _done(request: HttpRequest, result: services.WriteResult, default: str) -> HttpResponse:
    """Back where the person was, with what happened (or, to the page's script, just what
    happened)."""
    if wants_json(request):
        return JsonResponse({"outcome": result.entry.outcome, "message": result.message})
    level = messages.SUCCESS if result.ok else messages.WARNING
    messages.add_message(request, level, result.message)
    return redirect(_same_site(request, request.POST.get("next", "")) or default)


def _same_site(request: HttpRequest, target: str) -> str:
    """`target` if it is a path of this site, else ""."""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


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
    back = _back_to_list(request, mailbox)
    if request.method == "GET":
        message = selectors.message_get_for_user(user=user, mailbox=mailbox, message_id=message_id)
        return render(
            request,
            "inbox/confirm_delete.html",
            {
                "mailbox": mailbox,
                "what": "message",
                "message": message,
                "can_purge": user.role == User.Role.ADMIN,
                "cancel": _same_site(request, request.GET.get("from", "")) or back,
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
    back = _back_to_list(request, mailbox)
    if request.method == "GET":
        found = selectors.thread_get_for_user(
            user=user, mailbox=mailbox, conversation_id=conversation_id
        )
        return render(
            request,
            "inbox/confirm_delete.html",
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


class HealthCheckApi(APIView):
    """200 when the database, cache, broker and RingCentral server are all reachable, else 503."""

    authentication_classes = ()
    permission_classes = (AllowAny,)

    class OutputSerializer(serializers.Serializer[dict[str, str]]):
        database = serializers.CharField()
        cache = serializers.CharField()
        broker = serializers.CharField()
        ringcentral = serializers.CharField()

    @extend_schema(
        tags=["Service"],
        operation_id="health_check",
        summary="Whether the services the dashboard needs are reachable",
        responses={200: OutputSerializer, 503: OutputSerializer},
    )
    def get(self, request: Request) -> Response:
        report = health_report()
        response = Response(
            self.OutputSerializer(report).data, status=200 if is_healthy(report) else 503
        )
        response["Cache-Control"] = "no-store"
        return response
